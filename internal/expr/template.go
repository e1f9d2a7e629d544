package expr

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/cbroglie/mustache"
)

// Template is a compiled Mustache template ({{x}}, {{ns.x}}, sections),
// rendered without HTML escaping; a missing name renders as "". It is safe
// for concurrent use.
type Template struct {
	src     string
	literal bool
	// names are the Names() result; all holds every name referenced at any
	// depth, fewest dots first, for building render views.
	names []string
	all   []string
	// parts and vars are set when the template is only text and plain
	// variable tags (the common case: paths, headers, bodies). Rendering is
	// then parts[0] vars[0] parts[1] …, with no reflection and no view.
	parts []string
	vars  []string
	// mt renders everything else (sections, custom delimiters, comments).
	mt *mustache.Template
}

// errNoPartials makes {{>name}} an error: partials would read files from
// the working directory, which a capability must not be able to do.
var errNoPartials = errors.New("partials ({{>name}}) are not supported")

// noPartials refuses every partial at render time, as a second guard.
type noPartials struct{}

// Get refuses name.
func (noPartials) Get(string) (string, error) { return "", errNoPartials }

// ParseTemplate compiles src. It fails on a syntax error (unclosed tag, ...).
func ParseTemplate(src string) (*Template, error) {
	t := &Template{src: src}
	if !strings.Contains(src, "{{") {
		t.literal = true
		return t, nil
	}
	mt, err := mustache.ParseStringPartialsRaw(src, noPartials{}, true)
	if err != nil {
		return nil, fmt.Errorf("template %q: %w", src, err)
	}
	tags := mt.Tags()
	if hasPartial(tags) {
		return nil, fmt.Errorf("template %q: %w", src, errNoPartials)
	}
	t.mt = mt
	t.names = topNames(tags, true, nil)
	t.all = allNames(tags, nil)
	slices.SortStableFunc(t.all, func(a, b string) int {
		return strings.Count(a, ".") - strings.Count(b, ".")
	})
	if parts, vars, ok := splitSimple(src); ok && sameVars(tags, vars) {
		t.parts, t.vars = parts, vars
	}
	return t, nil
}

func hasPartial(tags []mustache.Tag) bool {
	for _, tag := range tags {
		switch tag.Type() {
		case mustache.Partial:
			return true
		case mustache.Section, mustache.InvertedSection:
			if hasPartial(tag.Tags()) {
				return true
			}
		}
	}
	return false
}

// topNames collects variables and section names that resolve against the
// scope itself: those outside any section, and those inside inverted
// sections (which push no context). Names inside a section usually resolve
// against the section's element, so they are not reported.
func topNames(tags []mustache.Tag, top bool, out []string) []string {
	for _, tag := range tags {
		switch tag.Type() {
		case mustache.Variable:
			if top {
				out = appendName(out, tag.Name())
			}
		case mustache.Section:
			if top {
				out = appendName(out, tag.Name())
			}
			out = topNames(tag.Tags(), false, out)
		case mustache.InvertedSection:
			if top {
				out = appendName(out, tag.Name())
			}
			out = topNames(tag.Tags(), top, out)
		}
	}
	return out
}

// allNames collects every name at any depth: names inside a section fall
// back to the scope when the element lacks them, so the view must hold them.
func allNames(tags []mustache.Tag, out []string) []string {
	for _, tag := range tags {
		switch tag.Type() {
		case mustache.Variable:
			out = appendName(out, tag.Name())
		case mustache.Section, mustache.InvertedSection:
			out = appendName(out, tag.Name())
			out = allNames(tag.Tags(), out)
		}
	}
	return out
}

func appendName(out []string, name string) []string {
	if name == "." || slices.Contains(out, name) {
		return out
	}
	return append(out, name)
}

// splitSimple splits src into text and plain variable tags, reporting false
// for anything the library treats specially ({{{x}}}, {{&x}}, comments,
// sections, partials, delimiter changes, {{.}}). Plain variable tags are
// never "standalone" in Mustache, so the text around them is exactly what
// the library would emit.
func splitSimple(src string) (parts, vars []string, ok bool) {
	rest := src
	for {
		i := strings.Index(rest, "{{")
		if i < 0 {
			return append(parts, rest), vars, true
		}
		after := rest[i+2:]
		if after == "" || strings.ContainsRune("{&!#^/>=", rune(after[0])) {
			return nil, nil, false
		}
		j := strings.Index(after, "}}")
		if j < 0 {
			return nil, nil, false
		}
		name := strings.TrimSpace(after[:j])
		if name == "" || name == "." {
			return nil, nil, false
		}
		parts = append(parts, rest[:i])
		vars = append(vars, name)
		rest = after[j+2:]
	}
}

// sameVars double-checks splitSimple against the library's own parse.
func sameVars(tags []mustache.Tag, vars []string) bool {
	if len(tags) != len(vars) {
		return false
	}
	for i, tag := range tags {
		if tag.Type() != mustache.Variable || tag.Name() != vars[i] {
			return false
		}
	}
	return true
}

// Source returns the text the template was compiled from.
func (t *Template) Source() string { return t.src }

// IsLiteral reports whether the template has no tags (renders to itself).
func (t *Template) IsLiteral() bool { return t.literal }

// Names returns the variable names the template references (dotted names as
// written, e.g. "env.LOGTO_API_KEY"), in first-use order: variables and
// section names outside any section, and those inside inverted sections.
// Names used inside a section are relative to its element and left out.
func (t *Template) Names() []string { return slices.Clone(t.names) }

// Render renders for a text context: strings as they are, numbers and
// booleans in their JSON form, arrays and objects as compact JSON; nil and
// missing names render as "".
func (t *Template) Render(scope map[string]any) string { return t.render(scope, textMode) }

// RenderJSON renders for a JSON document context: strings are JSON-escaped
// without surrounding quotes (so "{{x}}" inside quotes stays valid JSON), and
// numbers, booleans, arrays, objects and null are written as JSON. A missing
// name renders as "".
func (t *Template) RenderJSON(scope map[string]any) string { return t.render(scope, jsonMode) }

// Missing returns the names of Names that resolve to nothing in scope: absent
// keys and explicit nulls (both render as ""). It returns nil when every name
// has a value.
func (t *Template) Missing(scope map[string]any) []string {
	var out []string
	for _, n := range t.names {
		if v, ok := resolve(scope, n); !ok || v == nil {
			out = append(out, n)
		}
	}
	return out
}

func (t *Template) render(scope map[string]any, m mode) string {
	switch {
	case t.literal:
		return t.src
	case t.vars != nil:
		return t.renderFast(scope, m)
	default:
		return t.renderLibrary(scope, m)
	}
}

func (t *Template) renderFast(scope map[string]any, m mode) string {
	b := make([]byte, 0, len(t.src)+16*len(t.vars))
	for i, name := range t.vars {
		b = append(b, t.parts[i]...)
		if v, ok := resolve(scope, name); ok {
			b = appendValue(b, v, m)
		}
	}
	b = append(b, t.parts[len(t.vars)]...)
	return string(b)
}

// renderLibrary renders through cbroglie/mustache over a view that holds only
// the referenced names, each resolved with the JMustache dotted rule and
// converted for m. The library itself splits dotted names and walks, so a
// value found under a whole dotted key is placed at the nested position.
func (t *Template) renderLibrary(scope map[string]any, m mode) string {
	root := make(viewMap, len(t.all))
	for _, name := range t.all {
		if v, ok := resolve(scope, name); ok {
			place(root, name, view(v, m))
		}
	}
	var sb strings.Builder
	// Errors come only from lambdas, partials (refused at parse time) or a
	// process-wide AllowMissingVariables=false; what was rendered stands.
	_ = t.mt.FRender(&sb, root)
	return sb.String()
}

// place stores v at the dotted position name in root, creating objects on
// the way. When an intermediate name already holds a non-object (scope has
// both "a": "x" and "a.b": "y") the shorter name keeps its value and the
// longer one cannot be reached: a limit of walking-only lookups.
func place(root viewMap, name string, v any) {
	cur := root
	for {
		head, rest, dotted := strings.Cut(name, ".")
		if !dotted {
			cur[name] = v
			return
		}
		next, ok := cur[head]
		if !ok {
			m := viewMap{}
			cur[head] = m
			cur = m
		} else if m, isMap := next.(viewMap); isMap {
			cur = m
		} else {
			return
		}
		name = rest
	}
}
