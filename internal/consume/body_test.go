package consume

import (
	"bytes"
	"encoding/json"
	"io"
	"mime"
	"mime/multipart"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/naftiko-go/naftiko/internal/spec"
)

func TestBodies(t *testing.T) {
	t.Parallel()
	params := map[string]any{
		"name":  `He said "hi" & <left>`,
		"count": json.Number("42"),
		"ids":   []any{"a", json.Number("2")},
		"obj":   map[string]any{"k": "v"},
		"tools": map[string]any{"prompt": "a cat"},
	}
	tests := []struct {
		name        string
		body        *spec.RequestBody
		bodyParams  []*spec.ConsumedParam
		contentType string
		want        string
	}{
		{
			name:        "raw string is a JSON template",
			body:        &spec.RequestBody{IsRaw: true, Raw: "{\"name\": \"{{name}}\", \"ids\": {{ids}}, \"n\": {{count}}}\n"},
			contentType: "application/json",
			want:        "{\"name\": \"He said \\\"hi\\\" & <left>\", \"ids\": [\"a\",2], \"n\": 42}\n",
		},
		{
			name:        "json object: native single tags, text templates, constants, missing fields left out",
			body:        &spec.RequestBody{Type: "json", Data: map[string]any{"name": "{{name}}", "n": "{{count}}", "greeting": "Hi {{name}}", "fixed": 3, "none": nil, "nested": map[string]any{"opt": "{{missing}}", "o": "{{obj}}"}, "list": []any{"{{ids}}", "{{missing}}", true}}},
			contentType: "application/json",
			want:        `{"fixed":3,"greeting":"Hi He said \"hi\" & <left>","list":[["a",2],null,true],"n":42,"name":"He said \"hi\" & <left>","nested":{"o":{"k":"v"}},"none":null}`,
		},
		{
			name:        "json array",
			body:        &spec.RequestBody{Type: "json", Data: []any{"{{count}}", "x"}},
			contentType: "application/json",
			want:        `[42,"x"]`,
		},
		{
			name:        "json string data is a JSON template",
			body:        &spec.RequestBody{Type: "json", Data: `{"q": "{{name}}"}`},
			contentType: "application/json",
			want:        `{"q": "He said \"hi\" & <left>"}`,
		},
		{
			name:        "text",
			body:        &spec.RequestBody{Type: "text", Data: "Hello {{name}}, {{count}}"},
			contentType: "text/plain",
			want:        `Hello He said "hi" & <left>, 42`,
		},
		{
			name:        "xml",
			body:        &spec.RequestBody{Type: "xml", Data: "<n>{{count}}</n>"},
			contentType: "application/xml",
			want:        "<n>42</n>",
		},
		{
			name:        "sparql",
			body:        &spec.RequestBody{Type: "sparql", Data: "SELECT * WHERE { ?s ?p {{count}} }"},
			contentType: "application/sparql-query",
			want:        "SELECT * WHERE { ?s ?p 42 }",
		},
		{
			name:        "form map",
			body:        &spec.RequestBody{Type: "formUrlEncoded", Data: map[string]any{"b": "{{name}}", "a": "{{count}}", "skip": "{{missing}}", "c": 1}},
			contentType: "application/x-www-form-urlencoded",
			want:        "a=42&b=He+said+%22hi%22+%26+%3Cleft%3E&c=1",
		},
		{
			name:        "form alias of generated files",
			body:        &spec.RequestBody{Type: "form", Data: map[string]any{"UniqueName": "{{tools.prompt}}"}},
			contentType: "application/x-www-form-urlencoded",
			want:        "UniqueName=a+cat",
		},
		{
			name:        "form string",
			body:        &spec.RequestBody{Type: "formUrlEncoded", Data: "grant_type=client_credentials&n={{count}}"},
			contentType: "application/x-www-form-urlencoded",
			want:        "grant_type=client_credentials&n=42",
		},
		{
			name:        "one body parameter is the whole body",
			bodyParams:  []*spec.ConsumedParam{{Name: "ids", In: "body"}},
			contentType: "application/json",
			want:        `["a",2]`,
		},
		{
			name:        "several body parameters are the fields of an object",
			bodyParams:  []*spec.ConsumedParam{{Name: "name", In: "body"}, {Name: "count", In: "body"}, {Name: "absent", In: "body"}, {Name: "fixed", In: "body", Value: "v-{{count}}", HasValue: true}},
			contentType: "application/json",
			want:        `{"count":42,"fixed":"v-42","name":"He said \"hi\" & <left>"}`,
		},
		{
			name:       "an absent optional body parameter sends no body",
			bodyParams: []*spec.ConsumedParam{{Name: "absent", In: "body"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			up := newUpstream(t, 200, nil, "")
			c := simpleConsumer(up.URL, "/p", &spec.ConsumedOperation{Method: "POST", Body: tt.body, InputParameters: tt.bodyParams})
			cl := newClient(t, c, Options{})
			_, err := call(t, cl, c, params)
			require.NoError(t, err)
			got := up.next(t)
			assert.Equal(t, tt.want, string(got.Body))
			if tt.contentType == "" {
				assert.Empty(t, got.Header.Values("Content-Type"))
			} else {
				assert.Equal(t, tt.contentType, got.Header.Get("Content-Type"))
			}
			if tt.contentType == "application/json" {
				assert.True(t, json.Valid(got.Body), "valid JSON")
			}
		})
	}
}

func TestRawBodyMissingBareValue(t *testing.T) {
	t.Parallel()
	up := newUpstream(t, 200, nil, "")
	c := simpleConsumer(up.URL, "/p", &spec.ConsumedOperation{Method: "POST", Body: &spec.RequestBody{IsRaw: true, Raw: `{"n": {{count}}}`}})
	cl := newClient(t, c, Options{})
	_, err := call(t, cl, c, map[string]any{})
	var ie *InputError
	require.ErrorAs(t, err, &ie)
	assert.Equal(t, "count", ie.Param)
	up.none(t)
}

func TestMultipartBody(t *testing.T) {
	t.Parallel()
	type part struct{ name, filename, contentType, value string }
	tests := []struct {
		name string
		body *spec.RequestBody
		want []part
	}{
		{
			name: "parts",
			body: &spec.RequestBody{Type: "multipartForm", Parts: []*spec.MultipartPart{
				{Name: "title", Value: "Report {{n}}"},
				{Name: "file", Value: "{{content}}", Filename: `q"uote.csv`, ContentType: "text/csv"},
				{Name: "blob", Value: "raw", Filename: "b.bin"},
				{Name: "skip", Value: "{{missing}}"},
			}},
			want: []part{
				{"title", "", "", "Report 7"},
				{"file", `q"uote.csv`, "text/csv", "a,b\n1,2\n"},
				{"blob", "b.bin", "application/octet-stream", "raw"},
			},
		},
		{
			name: "schema list in data",
			body: &spec.RequestBody{Type: "multipartForm", Data: []any{
				map[string]any{"name": "n", "value": "{{n}}"},
				map[string]any{"name": "f", "value": "x", "filename": "f.txt", "contentType": "text/plain"},
			}},
			want: []part{{"n", "", "", "7"}, {"f", "f.txt", "text/plain", "x"}},
		},
		{
			name: "map alias of generated files",
			body: &spec.RequestBody{Type: "multipart", Data: map[string]any{"prompt": "{{content}}", "seed": "{{missing}}"}},
			want: []part{{"prompt", "", "", "a,b\n1,2\n"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			up := newUpstream(t, 200, nil, "")
			c := simpleConsumer(up.URL, "/upload", &spec.ConsumedOperation{Method: "POST", Body: tt.body})
			cl := newClient(t, c, Options{})
			_, err := call(t, cl, c, map[string]any{"n": 7, "content": "a,b\n1,2\n"})
			require.NoError(t, err)
			got := up.next(t)

			mt, mp, err := mime.ParseMediaType(got.Header.Get("Content-Type"))
			require.NoError(t, err)
			require.Equal(t, "multipart/form-data", mt)
			mr := multipart.NewReader(bytes.NewReader(got.Body), mp["boundary"])
			var parts []part
			for {
				p, err := mr.NextPart()
				if err == io.EOF {
					break
				}
				require.NoError(t, err)
				b, err := io.ReadAll(p)
				require.NoError(t, err)
				parts = append(parts, part{p.FormName(), p.FileName(), p.Header.Get("Content-Type"), string(b)})
			}
			assert.Equal(t, tt.want, parts)
		})
	}
}
