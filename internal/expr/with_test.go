package expr

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestWithApply(t *testing.T) {
	t.Parallel()
	prefixes := []string{"logto-rest", "rest"}
	entries := []WithEntry{
		{Key: "organizationId", Value: "rest.organizationId"},
		{Key: "tenant", Value: "logto-rest.tenant"},
		{Key: "limit", Value: 10},
		{Key: "page", Value: json.Number("2")},
		{Key: "ratio", Value: 0.5},
		{Key: "email", Value: "{{email}}"},
		{Key: "auth", Value: "Bearer {{env.KEY}}"},
		{Key: "idsText", Value: "{{crewIds}}"},
		{Key: "ids", Value: "rest.crewIds"},
		{Key: "role", Value: "admin"},
		{Key: "foreign", Value: "tools.x"},
		{Key: "spaced", Value: "rest. hello"},
		{Key: "absent", Value: "rest.nothing"},
		{Key: "explicitNull", Value: "rest.nullInput"},
		{Key: "payload", Value: "rest.body"},
	}
	w, err := CompileWith(entries, prefixes)
	require.NoError(t, err)
	assert.Equal(t, []WithRef{
		{Key: "organizationId", Name: "organizationId"},
		{Key: "tenant", Name: "tenant"},
		{Key: "ids", Name: "crewIds"},
		{Key: "absent", Name: "nothing"},
		{Key: "explicitNull", Name: "nullInput"},
		{Key: "payload", Name: "body"},
	}, w.Refs())

	inputs := map[string]any{
		"organizationId": "org-1",
		"tenant":         json.Number("7"),
		"crewIds":        []any{"C1", "C2"},
		"nullInput":      nil,
		"email":          "a@b.c",
	}
	scope := map[string]any{
		"email":   "a@b.c",
		"crewIds": []any{"C1", "C2"},
		"env":     map[string]any{"KEY": "k"},
	}
	body := map[string]any{"emails": []any{"x@y.z"}}

	got := w.Apply(inputs, body, true, scope)
	assert.Equal(t, map[string]any{
		"organizationId": "org-1",
		"tenant":         json.Number("7"),
		"limit":          10,
		"page":           json.Number("2"),
		"ratio":          0.5,
		"email":          "a@b.c",
		"auth":           "Bearer k",
		"idsText":        `["C1","C2"]`,
		"ids":            []any{"C1", "C2"},
		"role":           "admin",
		"foreign":        "tools.x",
		"spaced":         "rest. hello",
		"explicitNull":   nil,
		"payload":        body,
	}, got)
}

func TestWithBodyReference(t *testing.T) {
	t.Parallel()
	w, err := CompileWith([]WithEntry{{Key: "payload", Value: "tools.body"}}, []string{"tools"})
	require.NoError(t, err)
	body := map[string]any{"k": "v"}
	tests := []struct {
		name    string
		inputs  map[string]any
		hasBody bool
		want    map[string]any
	}{
		{name: "whole body", inputs: map[string]any{}, hasBody: true, want: map[string]any{"payload": body}},
		{name: "input named body wins", inputs: map[string]any{"body": "input"}, hasBody: true, want: map[string]any{"payload": "input"}},
		{name: "no body", inputs: map[string]any{}, hasBody: false, want: map[string]any{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tt.want, w.Apply(tt.inputs, body, tt.hasBody, nil))
		})
	}
}

func TestCompileWithErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		entry WithEntry
	}{
		{name: "unclosed tag", entry: WithEntry{Key: "k", Value: "{{x"}},
		{name: "map value", entry: WithEntry{Key: "k", Value: map[string]any{"a": 1}}},
		{name: "list value", entry: WithEntry{Key: "k", Value: []any{1}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := CompileWith([]WithEntry{tt.entry}, []string{"rest"})
			assert.ErrorContains(t, err, `with "k"`)
		})
	}
}

func TestRefName(t *testing.T) {
	t.Parallel()
	tests := []struct {
		s     string
		name  string
		isRef bool
	}{
		{s: "rest.id", name: "id", isRef: true},
		{s: "rest.a.b", name: "a.b", isRef: true},
		{s: "shipyard-tools.imo", name: "imo", isRef: true},
		{s: "rest.", isRef: false},
		{s: "rest", isRef: false},
		{s: "restful.id", isRef: false},
		{s: "rest.{{x}}", isRef: false},
		{s: "other.id", isRef: false},
	}
	for _, tt := range tests {
		t.Run(tt.s, func(t *testing.T) {
			t.Parallel()
			name, ok := RefName(tt.s, []string{"rest", "shipyard-tools"})
			assert.Equal(t, tt.isRef, ok)
			assert.Equal(t, tt.name, name)
		})
	}
}
