package expr

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestTemplateRender(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		src   string
		scope map[string]any
		text  string // Render
		json  string // RenderJSON
	}{
		{
			name:  "dotted name walks into a namespace map",
			src:   "{{env.LOGTO_API_KEY}}",
			scope: map[string]any{"env": map[string]any{"LOGTO_API_KEY": "k"}},
			text:  "k", json: "k",
		},
		{
			name:  "dotted name as a whole key",
			src:   "{{env.LOGTO_API_KEY}}",
			scope: map[string]any{"env.LOGTO_API_KEY": "k"},
			text:  "k", json: "k",
		},
		{
			name:  "namespace map of strings",
			src:   "Bearer {{env.LOGTO_API_KEY}}",
			scope: map[string]any{"env": map[string]string{"LOGTO_API_KEY": "k"}},
			text:  "Bearer k", json: "Bearer k",
		},
		{
			name: "whole dotted key is tried before the walk",
			src:  "{{env.K}}",
			scope: map[string]any{
				"env.K": "whole",
				"env":   map[string]any{"K": "walked"},
			},
			text: "whole", json: "whole",
		},
		{
			name:  "missing names render empty",
			src:   "a{{x}}b{{y.z}}c",
			scope: map[string]any{"y": map[string]any{}},
			text:  "abc", json: "abc",
		},
		{
			name:  "numbers and booleans in JSON form",
			src:   "{{n}} {{f}} {{big}} {{i}} {{b}}",
			scope: map[string]any{"n": json.Number("42"), "f": 1.5, "big": 1e6, "i": 7, "b": true},
			text:  "42 1.5 1000000 7 true", json: "42 1.5 1000000 7 true",
		},
		{
			name:  "array in a JSON body",
			src:   `{"shipImo": "{{shipImo}}", "crewIds": {{crewIds}}}`,
			scope: map[string]any{"shipImo": "IMO-1", "crewIds": []any{"CREW-001", "CREW-003"}},
			text:  `{"shipImo": "IMO-1", "crewIds": ["CREW-001","CREW-003"]}`,
			json:  `{"shipImo": "IMO-1", "crewIds": ["CREW-001","CREW-003"]}`,
		},
		{
			name:  "object as compact JSON, never Go map syntax",
			src:   "{{o}}",
			scope: map[string]any{"o": map[string]any{"b": json.Number("1"), "a": "x", "c": nil}},
			text:  `{"a":"x","b":1,"c":null}`, json: `{"a":"x","b":1,"c":null}`,
		},
		{
			name:  "no HTML escaping",
			src:   "{{s}}",
			scope: map[string]any{"s": `<a href="x">&</a>`},
			text:  `<a href="x">&</a>`, json: `<a href=\"x\">&</a>`,
		},
		{
			name:  "JSON context escapes quotes and newlines",
			src:   `{"name": "{{name}}"}`,
			scope: map[string]any{"name": "say \"hi\"\nbye\\"},
			text:  "{\"name\": \"say \"hi\"\nbye\\\"}",
			json:  `{"name": "say \"hi\"\nbye\\"}`,
		},
		{
			name:  "nil is empty in text and null in JSON",
			src:   `{"a": {{x}}}`,
			scope: map[string]any{"x": nil},
			text:  `{"a": }`, json: `{"a": null}`,
		},
		{
			name:  "section iterates a list of objects",
			src:   "{{#items}}[{{name}}]{{/items}}",
			scope: map[string]any{"items": []any{map[string]any{"name": "a"}, map[string]any{"name": `b"`}}},
			text:  `[a][b"]`, json: `[a][b\"]`,
		},
		{
			name:  "section iterates a list of strings",
			src:   "{{#ids}}{{.}},{{/ids}}",
			scope: map[string]any{"ids": []any{"a", "b"}},
			text:  "a,b,", json: "a,b,",
		},
		{
			name:  "section names fall back to the scope",
			src:   "{{#items}}{{prefix}}{{id}} {{/items}}",
			scope: map[string]any{"prefix": "#", "items": []any{map[string]any{"id": json.Number("1")}, map[string]any{"id": json.Number("2")}}},
			text:  "#1 #2 ", json: "#1 #2 ",
		},
		{
			name:  "inverted section on an empty list",
			src:   "{{^items}}none{{/items}}",
			scope: map[string]any{"items": []any{}},
			text:  "none", json: "none",
		},
		{
			name:  "section over a whole dotted key",
			src:   "{{#env.LIST}}{{.}}{{/env.LIST}}",
			scope: map[string]any{"env.LIST": []any{"x", "y"}},
			text:  "xy", json: "xy",
		},
		{
			name:  "dotted variable beside its parent",
			src:   "{{a.b}}|{{a}}",
			scope: map[string]any{"a": map[string]any{"b": "B"}},
			text:  `B|{"b":"B"}`, json: `B|{"b":"B"}`,
		},
		{
			name:  "comment, triple mustache and ampersand",
			src:   "{{! note }}{{{x}}}{{&x}}{{x}}",
			scope: map[string]any{"x": "<&>"},
			text:  "<&><&><&>", json: "<&><&><&>",
		},
		{
			name:  "custom delimiters",
			src:   "{{=<% %>=}}<%x%>{{x}}",
			scope: map[string]any{"x": "v"},
			text:  "v{{x}}", json: "v{{x}}",
		},
		{
			name:  "literal",
			src:   "plain } text {",
			scope: map[string]any{"x": "v"},
			text:  "plain } text {", json: "plain } text {",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tmpl, err := ParseTemplate(tt.src)
			require.NoError(t, err)
			assert.Equal(t, tt.src, tmpl.Source())
			assert.Equal(t, tt.text, tmpl.Render(tt.scope))
			assert.Equal(t, tt.json, tmpl.RenderJSON(tt.scope))
			if tmpl.mt != nil {
				// The fast path and the library path must agree.
				assert.Equal(t, tt.text, tmpl.renderLibrary(tt.scope, textMode), "library path")
				assert.Equal(t, tt.json, tmpl.renderLibrary(tt.scope, jsonMode), "library path")
			}
		})
	}
}

func TestTemplateRenderJSONIsValidJSON(t *testing.T) {
	t.Parallel()
	tmpl, err := ParseTemplate(`{"name": "{{name}}", "ids": {{ids}}, "n": {{n}}}`)
	require.NoError(t, err)
	scope := map[string]any{
		"name": "quote \" backslash \\ newline \n tab \t ctl \x01 bad \xff sep \u2028",
		"ids":  []any{"a\"b"},
		"n":    json.Number("3"),
	}
	out := tmpl.RenderJSON(scope)
	require.True(t, json.Valid([]byte(out)), out)
	var got map[string]any
	require.NoError(t, json.Unmarshal([]byte(out), &got))
	assert.Equal(t, "quote \" backslash \\ newline \n tab \t ctl \x01 bad \ufffd sep \u2028", got["name"])
	assert.Equal(t, []any{"a\"b"}, got["ids"])
}

func TestTemplateIntrospection(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		src     string
		literal bool
		names   []string
		scope   map[string]any
		missing []string
	}{
		{name: "literal", src: "no tags here", literal: true, scope: map[string]any{}},
		{
			name:    "variables in first-use order",
			src:     "{{a}} {{env.X}} {{a}} {{b}}",
			names:   []string{"a", "env.X", "b"},
			scope:   map[string]any{"a": "1", "env": map[string]any{"X": nil}},
			missing: []string{"env.X", "b"},
		},
		{
			name:    "section names but not their inner names",
			src:     "{{#list}}{{inner}}{{/list}}{{^none}}{{fallback}}{{/none}}",
			names:   []string{"list", "none", "fallback"},
			scope:   map[string]any{"list": []any{}, "none": false},
			missing: []string{"fallback"},
		},
		{
			name:  "whole dotted key counts as present",
			src:   "{{env.K}}",
			names: []string{"env.K"},
			scope: map[string]any{"env.K": "v"},
		},
		{name: "comment only is not literal", src: "{{! c }}", scope: map[string]any{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tmpl, err := ParseTemplate(tt.src)
			require.NoError(t, err)
			assert.Equal(t, tt.literal, tmpl.IsLiteral())
			assert.Equal(t, tt.names, tmpl.Names())
			assert.Equal(t, tt.missing, tmpl.Missing(tt.scope))
		})
	}
}

func TestParseTemplateErrors(t *testing.T) {
	t.Parallel()
	for _, src := range []string{
		"{{x",
		"Bearer {{env.KEY}",
		"{{#a}}never closed",
		"{{/a}}",
		"{{#a}}{{/b}}",
		"{{}}",
		"{{>partial}}",
		"{{#a}}{{>partial}}{{/a}}",
	} {
		t.Run(src, func(t *testing.T) {
			t.Parallel()
			_, err := ParseTemplate(src)
			assert.Error(t, err)
		})
	}
}

func TestTemplateConcurrentUse(t *testing.T) {
	t.Parallel()
	fast, err := ParseTemplate("{{a}}-{{b.c}}")
	require.NoError(t, err)
	slow, err := ParseTemplate("{{#l}}{{.}}{{/l}}")
	require.NoError(t, err)
	scope := map[string]any{"a": "x", "b": map[string]any{"c": json.Number("1")}, "l": []any{"p", "q"}}
	done := make(chan struct{})
	for range 8 {
		go func() {
			defer func() { done <- struct{}{} }()
			for range 100 {
				assert.Equal(t, "x-1", fast.Render(scope))
				assert.Equal(t, "pq", slow.RenderJSON(scope))
			}
		}()
	}
	for range 8 {
		<-done
	}
}

func BenchmarkRender(b *testing.B) {
	scope := map[string]any{
		"env":     map[string]any{"LOGTO_API_KEY": "secret", "OTHER": "x"},
		"shipImo": "IMO-9321483",
		"crewIds": []any{"CREW-001", "CREW-003"},
		"items":   []any{map[string]any{"name": "a"}, map[string]any{"name": "b"}},
	}
	cases := []struct{ name, src string }{
		{"literal", "application/json"},
		{"header", "Bearer {{env.LOGTO_API_KEY}}"},
		{"body", `{"shipImo": "{{shipImo}}", "crewIds": {{crewIds}}}`},
		{"section", "{{#items}}{{name}},{{/items}}"},
	}
	for _, c := range cases {
		tmpl, err := ParseTemplate(c.src)
		require.NoError(b, err)
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				_ = tmpl.RenderJSON(scope)
			}
		})
	}
}
