package expr

import (
	"encoding/json"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/theory/jsonpath"
	"github.com/theory/jsonpath/spec"
)

// Path is a compiled JSONPath expression with the compatibility rules of the
// reference engine: "$" and "$." are the root; a missing path yields nil. It
// is safe for concurrent use.
type Path struct {
	src      string
	root     bool
	singular bool
	q        *jsonpath.Path
	// steps is the singular path as plain name/index steps, walked without
	// the library's per-segment allocations (the common "$.a.b[0].c").
	steps []step
}

// step is one name or index selector of a singular path.
type step struct {
	name    string
	index   int
	isIndex bool
}

// ParsePath compiles src (RFC 9535 syntax, plus "$." and dotted names with
// spaces). It fails on an expression that cannot be parsed.
//
// Compatibility with Jayway JsonPath, which the reference engine uses:
// surrounding spaces are ignored; an expression that does not start with "$"
// is read as "$." + src (Jayway's own rule); a dotted member name that RFC
// 9535 does not allow in shorthand form (spaces, "-", a leading digit:
// "$.foo bar.baz", "$.get-ship.imo") is retried in bracket notation
// ("$['foo bar'].baz"). Jayway's parenthesised filters "[?(@.x == 'y')]"
// are already valid RFC 9535.
func ParsePath(src string) (*Path, error) {
	s := strings.TrimSpace(src)
	p := &Path{src: src}
	if s == "$" || s == "$." {
		p.root = true
		return p, nil
	}
	if s == "" {
		return nil, fmt.Errorf("empty JSONPath")
	}
	if !strings.HasPrefix(s, "$") {
		s = "$." + s
	}
	q, err := jsonpath.Parse(s)
	if err != nil {
		alt, changed := bracketNames(s)
		if !changed {
			return nil, fmt.Errorf("JSONPath %q: %w", src, err)
		}
		var altErr error
		if q, altErr = jsonpath.Parse(alt); altErr != nil {
			return nil, fmt.Errorf("JSONPath %q: %w", src, err)
		}
	}
	p.q = q
	p.singular = q.Query().Singular() != nil
	if p.singular {
		p.steps = singularSteps(q)
	}
	return p, nil
}

// Source returns the expression as written.
func (p *Path) Source() string { return p.src }

// IsRoot reports whether the path selects the whole document.
func (p *Path) IsRoot() bool { return p.root }

// IsSingular reports whether the path selects at most one value (Eval then
// returns that value or nil rather than a list). The root is singular.
func (p *Path) IsSingular() bool { return p.root || p.singular }

// Eval evaluates the path against a decoded JSON document (as produced by
// encoding/json with UseNumber). A singular path returns the value or nil; a
// non-singular path (wildcards, filters, slices) returns []any (possibly
// empty). Filters compare json.Number values numerically. Objects must be
// map[string]any: an OrderedObject is not traversed (see [Plain]). The
// result shares memory with doc: callers must not modify it.
func (p *Path) Eval(doc any) any {
	if p.root {
		return doc
	}
	if p.steps != nil {
		if v, ok := p.walk(doc); ok {
			return v
		}
	}
	nodes := p.q.Select(doc)
	if p.singular {
		if len(nodes) == 0 {
			return nil
		}
		return nodes[0]
	}
	if nodes == nil {
		return []any{}
	}
	return []any(nodes)
}

// singularSteps lists the selectors of a singular query; nil if one of them
// is not a plain name or index.
func singularSteps(q *jsonpath.Path) []step {
	segs := q.Query().Segments()
	steps := make([]step, 0, len(segs))
	for _, seg := range segs {
		sels := seg.Selectors()
		if seg.IsDescendant() || len(sels) != 1 {
			return nil
		}
		switch sel := sels[0].(type) {
		case spec.Name:
			steps = append(steps, step{name: string(sel)})
		case spec.Index:
			steps = append(steps, step{index: int(sel), isIndex: true})
		default:
			return nil
		}
	}
	return steps
}

// walk evaluates p.steps over decoded JSON. It reports false when it meets a
// container of another Go type, which the library then handles.
func (p *Path) walk(v any) (any, bool) {
	for _, s := range p.steps {
		switch x := v.(type) {
		case map[string]any:
			if s.isIndex {
				return nil, true
			}
			e, ok := x[s.name]
			if !ok {
				return nil, true
			}
			v = e
		case []any:
			if !s.isIndex {
				return nil, true
			}
			i := s.index
			if i < 0 {
				i += len(x)
			}
			if i < 0 || i >= len(x) {
				return nil, true
			}
			v = x[i]
		case nil, string, json.Number, bool, float64:
			return nil, true
		default:
			return nil, false
		}
	}
	return v, true
}

// bracketNames rewrites every dotted member name that is not a valid RFC
// 9535 shorthand into bracket notation, leaving brackets (and the filters
// inside them) untouched. It reports whether anything changed.
func bracketNames(s string) (string, bool) {
	var b strings.Builder
	b.WriteByte('$')
	changed := false
	i := 1
	for i < len(s) {
		switch s[i] {
		case '[':
			end := closingBracket(s, i)
			b.WriteString(s[i:end])
			i = end
		case '.':
			dots := "."
			if strings.HasPrefix(s[i:], "..") {
				dots = ".."
			}
			i += len(dots)
			end := i
			for end < len(s) && s[end] != '.' && s[end] != '[' {
				end++
			}
			name := s[i:end]
			if name == "" || name == "*" || isShorthand(name) {
				b.WriteString(dots)
				b.WriteString(name)
			} else {
				if dots == ".." {
					b.WriteString("..")
				}
				b.WriteString("['")
				b.WriteString(strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(name))
				b.WriteString("']")
				changed = true
			}
			i = end
		default:
			// Not a JSONPath we can repair; let the parser report it.
			return s, false
		}
	}
	return b.String(), changed
}

// closingBracket returns the index just after the "]" matching the "[" at
// open, skipping quoted strings and nested brackets; len(s) when unclosed.
func closingBracket(s string, open int) int {
	depth := 0
	var quote byte
	for i := open; i < len(s); i++ {
		c := s[i]
		switch {
		case quote != 0:
			if c == '\\' {
				i++
			} else if c == quote {
				quote = 0
			}
		case c == '\'' || c == '"':
			quote = c
		case c == '[':
			depth++
		case c == ']':
			depth--
			if depth == 0 {
				return i + 1
			}
		}
	}
	return len(s)
}

// isShorthand reports whether name is an RFC 9535 member-name-shorthand:
// a letter, "_" or non-ASCII first, then those or digits.
func isShorthand(name string) bool {
	for i, r := range name {
		switch {
		case r == '_' || r >= utf8.RuneSelf && r != utf8.RuneError:
		case r < utf8.RuneSelf && unicode.IsLetter(r):
		case i > 0 && r >= '0' && r <= '9':
		default:
			return false
		}
	}
	return name != ""
}
