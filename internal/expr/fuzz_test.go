package expr

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Seeds live in testdata/fuzz/<Target>/ so that they run in every go test.

func FuzzParseTemplate(f *testing.F) {
	scope := map[string]any{
		"a":   "x\"y",
		"n":   json.Number("4.5"),
		"b":   true,
		"nil": nil,
		// One-element lists: nested sections over the same list multiply
		// the work by its length at each level, which a fuzzer finds fast.
		"list":  []any{map[string]any{"q": json.Number("1")}},
		"strs":  []any{"p"},
		"env":   map[string]any{"KEY": "k"},
		"env.W": "whole",
	}
	f.Fuzz(func(t *testing.T, src string) {
		tmpl, err := ParseTemplate(src)
		if err != nil {
			return
		}
		assert.Equal(t, src, tmpl.Source())
		text := tmpl.Render(scope)
		js := tmpl.RenderJSON(scope)
		if tmpl.IsLiteral() {
			assert.Equal(t, src, text)
			assert.Equal(t, src, js)
			assert.Empty(t, tmpl.Names())
		}
		if tmpl.vars != nil && !strings.Contains(src, "MarshalJSON") {
			assert.Equal(t, text, tmpl.renderLibrary(scope, textMode), "fast and library paths differ")
			assert.Equal(t, js, tmpl.renderLibrary(scope, jsonMode), "fast and library paths differ")
		}
		for _, name := range tmpl.Missing(scope) {
			assert.Contains(t, tmpl.Names(), name)
		}
	})
}

func FuzzParsePath(f *testing.F) {
	doc := decode(f, pathDoc)
	f.Fuzz(func(t *testing.T, src string) {
		p, err := ParsePath(src)
		if err != nil {
			return
		}
		assert.Equal(t, src, p.Source())
		got := p.Eval(doc)
		if p.IsRoot() {
			assert.Equal(t, doc, got)
			return
		}
		if p.IsSingular() {
			// The direct walk must agree with the library.
			var want any
			if nodes := p.q.Select(doc); len(nodes) > 0 {
				want = nodes[0]
			}
			assert.Equal(t, want, got)
		} else {
			assert.IsType(t, []any{}, got)
		}
		// Round trip: the normalised form parses to the same query. theory's
		// normaliser quotes unprintable characters Go-style ("\x7f",
		// "\U0009c8cb"), which its own parser rejects; that upstream quirk is
		// not ours to test.
		norm := p.q.String()
		if strings.Contains(norm, `\x`) || strings.Contains(norm, `\U`) {
			return
		}
		again, err := ParsePath(norm)
		require.NoError(t, err, "normalised form %q", norm)
		if !again.IsRoot() {
			assert.Equal(t, norm, again.q.String())
			assert.Equal(t, p.IsSingular(), again.IsSingular())
		}
	})
}
