package spec

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestPathPlaceholders(t *testing.T) {
	t.Parallel()
	tests := []struct {
		path string
		want []string
	}{
		{"/users", nil},
		{"/users/{id}", []string{"id"}},
		{"/users/{{id}}/posts/{post}", []string{"id", "post"}},
		{"/a/{{ x }}/{x}/{y}", []string{"x", "y"}},
		{"/t/{{env.TENANT}}", []string{"env.TENANT"}},
		{"/s/{{#items}}{{.}}{{/items}}", nil},
		{"/broken/{id", nil},
		{"/empty/{}", nil},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, PathPlaceholders(tt.path), tt.path)
	}
}

func TestRouteVariables(t *testing.T) {
	t.Parallel()
	assert.Equal(t, []string{"id", "n"}, RouteVariables("/a/{id:[0-9]+}/{{n}}"))
	assert.Empty(t, RouteVariables("/a"))
}

func TestNormalRoute(t *testing.T) {
	t.Parallel()
	assert.Equal(t, normalRoute("/a/{id}/"), normalRoute("/a/{{key}}"))
	assert.NotEqual(t, normalRoute("/a/{id}"), normalRoute("/b/{id}"))
}

func TestSuggest(t *testing.T) {
	t.Parallel()
	keys := []string{"description", "label", "tags"}
	assert.Equal(t, `did you mean "description"?`, suggest("descripton", keys))
	assert.Equal(t, `did you mean "label"?`, suggest("Lable", keys))
	assert.Empty(t, suggest("colour", keys))
	assert.Empty(t, suggest("x", nil))
	assert.Equal(t, 3, levenshtein("kitten", "sitting"))
}

func TestWithRef(t *testing.T) {
	t.Parallel()
	prefixes := []string{"tools", "my-mcp"}
	tests := []struct {
		v    any
		name string
		ok   bool
	}{
		{"tools.id", "id", true},
		{"my-mcp.body", "body", true},
		{"rest.id", "", false},
		{"tools.", "", false},
		{"{{tools.id}}", "", false},
		{10, "", false},
	}
	for _, tt := range tests {
		name, ok := withRef(tt.v, prefixes)
		assert.Equal(t, tt.ok, ok, "%v", tt.v)
		assert.Equal(t, tt.name, name, "%v", tt.v)
	}
}
