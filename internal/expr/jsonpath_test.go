package expr

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const pathDoc = `{
	"a": {"b": 1, "c": [{"b": "x"}, {"b": "y"}, {"d": "no b"}]},
	"items": [
		{"price": 5, "n": "cheap", "type": "rest"},
		{"price": 15, "n": "dear", "type": "mcp"},
		{"price": 10.5, "n": "mid", "type": "rest"}
	],
	"foo bar": {"baz": "spaced"},
	"get-ship": {"imo_number": "IMO-1"},
	"0": "zero",
	"empty": [],
	"nothing": null
}`

func TestPathEval(t *testing.T) {
	t.Parallel()
	doc := decode(t, pathDoc)
	tests := []struct {
		path     string
		want     any
		root     bool
		singular bool
	}{
		{path: "$", want: doc, root: true, singular: true},
		{path: "$.", want: doc, root: true, singular: true},
		{path: " $. ", want: doc, root: true, singular: true},
		{path: "$.a.b", want: json.Number("1"), singular: true},
		{path: "$.a.c[0].b", want: "x", singular: true},
		{path: "$['a']['c'][-2].b", want: "y", singular: true},
		{path: "$.a.c[*].b", want: []any{"x", "y"}},
		{path: "$.a.c[0:2].b", want: []any{"x", "y"}},
		{path: "$.missing", want: nil, singular: true},
		{path: "$.a.missing.deep", want: nil, singular: true},
		{path: "$.a.c[9].b", want: nil, singular: true},
		{path: "$.nothing", want: nil, singular: true},
		{path: "$.missing[*]", want: []any{}},
		{path: "$.empty[*]", want: []any{}},
		{path: "$.items[?@.price > 10].n", want: []any{"dear", "mid"}},
		{path: "$.items[?@.price == 5].n", want: []any{"cheap"}},
		{path: "$.items[?(@.type == 'rest')].n", want: []any{"cheap", "mid"}},
		{path: `$.items[?(@.price < 11 && @.type == "rest")].n`, want: []any{"cheap", "mid"}},
		{path: "$.foo bar.baz", want: "spaced", singular: true},
		{path: "$.get-ship.imo_number", want: "IMO-1", singular: true},
		{path: "$.0", want: "zero", singular: true},
		{path: "a.b", want: json.Number("1"), singular: true},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			t.Parallel()
			p, err := ParsePath(tt.path)
			require.NoError(t, err)
			assert.Equal(t, tt.path, p.Source())
			assert.Equal(t, tt.root, p.IsRoot())
			assert.Equal(t, tt.singular, p.IsSingular())
			assert.Equal(t, tt.want, p.Eval(doc))
		})
	}
}

func TestParsePathErrors(t *testing.T) {
	t.Parallel()
	for _, src := range []string{
		"",
		"   ",
		"$.a[",
		"$[?@.a ==]",
		"$$",
		"$.a.",
		"$.items[?(@.n =~ /x/)]",
	} {
		t.Run(src, func(t *testing.T) {
			t.Parallel()
			_, err := ParsePath(src)
			assert.Error(t, err)
		})
	}
}

func TestBracketNames(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in, want string
		changed  bool
	}{
		{in: "$.a.b", want: "$.a.b"},
		{in: "$.foo bar.baz", want: "$['foo bar'].baz", changed: true},
		{in: "$.get-ship[0].x", want: "$['get-ship'][0].x", changed: true},
		{in: "$..my-key", want: "$..['my-key']", changed: true},
		{in: "$.it's", want: `$['it\'s']`, changed: true},
		{in: "$.a[?(@.b == 'c.d-e')].f-g", want: "$.a[?(@.b == 'c.d-e')]['f-g']", changed: true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			got, changed := bracketNames(tt.in)
			assert.Equal(t, tt.want, got)
			assert.Equal(t, tt.changed, changed)
		})
	}
}

func BenchmarkPathEval(b *testing.B) {
	doc := decode(b, pathDoc)
	for _, src := range []string{"$.", "$.a.c[0].b", "$.a.c[*].b", "$.items[?@.price > 10].n"} {
		p, err := ParsePath(src)
		require.NoError(b, err)
		b.Run(src, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				_ = p.Eval(doc)
			}
		})
	}
}
