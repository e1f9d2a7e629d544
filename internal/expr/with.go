package expr

import (
	"encoding/json"
	"fmt"
	"strings"
)

// WithEntry is one `key: value` of a `with` block: Value is a string or a
// number.
type WithEntry struct {
	Key   string
	Value any
}

// WithRef is a `with` entry that references a caller input.
type WithRef struct {
	Key  string // the `with` key (the consumed parameter it feeds)
	Name string // the caller input it references
}

// withKind says how one compiled entry produces its value.
type withKind uint8

const (
	withConst withKind = iota
	withRef
	withTemplate
)

type withItem struct {
	key   string
	kind  withKind
	value any       // withConst
	name  string    // withRef
	tmpl  *Template // withTemplate
}

// With is a compiled `with` block (SPEC §7). It is safe for concurrent use.
type With struct {
	items []withItem
	refs  []WithRef
}

// CompileWith compiles entries. prefixes are the reference prefixes of the
// exposing adapter (its namespace and its type alias: "rest", "tools",
// "skill"); a string "<prefix>.<name>" is a reference to input <name>.
//
// A reference's name must be non-empty and hold no whitespace and no "{{";
// anything else is a template, and a string without "{{" is a constant.
// Values that are neither strings nor numbers (booleans, null, which YAML may
// produce) are kept as constants too: the loader decides whether to warn.
func CompileWith(entries []WithEntry, prefixes []string) (*With, error) {
	w := &With{items: make([]withItem, 0, len(entries))}
	for _, e := range entries {
		it := withItem{key: e.Key, kind: withConst, value: e.Value}
		if s, ok := e.Value.(string); ok {
			switch name, isRef := RefName(s, prefixes); {
			case isRef:
				it.kind, it.name, it.value = withRef, name, nil
				w.refs = append(w.refs, WithRef{Key: e.Key, Name: name})
			case strings.Contains(s, "{{"):
				t, err := ParseTemplate(s)
				if err != nil {
					return nil, fmt.Errorf("with %q: %w", e.Key, err)
				}
				it.kind, it.tmpl, it.value = withTemplate, t, nil
			}
		} else if !isWithConstant(e.Value) {
			return nil, fmt.Errorf("with %q: value of type %T is neither a string nor a number", e.Key, e.Value)
		}
		w.items = append(w.items, it)
	}
	return w, nil
}

// isWithConstant accepts the scalar types a YAML or JSON decoder produces.
func isWithConstant(v any) bool {
	switch v.(type) {
	case nil, bool, json.Number, float32, float64, int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64:
		return true
	}
	return false
}

// RefName reports whether s is a reference to a caller input in a `with`
// block, "<prefix>.<name>" for one of prefixes, and returns name. The
// longest matching prefix wins, so a namespace "a.b" beats an alias "a";
// a name with white space or a template tag is not a reference.
func RefName(s string, prefixes []string) (string, bool) {
	best := -1
	for _, p := range prefixes {
		if p != "" && len(p) > best && strings.HasPrefix(s, p) && len(s) > len(p)+1 && s[len(p)] == '.' {
			best = len(p)
		}
	}
	if best < 0 {
		return "", false
	}
	name := s[best+1:]
	if strings.Contains(name, "{{") || strings.ContainsAny(name, " \t\r\n") {
		return "", false
	}
	return name, true
}

// Refs returns the entries that reference caller inputs, in order.
func (w *With) Refs() []WithRef {
	out := make([]WithRef, len(w.refs))
	copy(out, w.refs)
	return out
}

// Apply resolves the block: references read inputs (native types kept;
// "body" falls back to body when hasBody and no input is named "body"),
// templates render against scope, numbers are constants. A reference that
// resolves to nothing leaves its key out. The result holds only the keys set.
//
// "Nothing" means an absent input: an input present with an explicit JSON
// null is set to nil, since the caller said null on purpose. Templates see
// scope only, never the results of earlier entries (reference behaviour).
func (w *With) Apply(inputs map[string]any, body any, hasBody bool, scope map[string]any) map[string]any {
	out := make(map[string]any, len(w.items))
	for _, it := range w.items {
		switch it.kind {
		case withConst:
			out[it.key] = it.value
		case withTemplate:
			out[it.key] = it.tmpl.Render(scope)
		case withRef:
			if v, ok := inputs[it.name]; ok {
				out[it.key] = v
			} else if it.name == "body" && hasBody {
				out[it.key] = body
			}
		}
	}
	return out
}
