package expr

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Shape is one output parameter as the shaper needs it.
type Shape struct {
	Name       string
	Type       string // string, number, integer, boolean, object, array
	Mapping    string
	HasMapping bool
	Value      string
	HasValue   bool
	Const      any
	HasConst   bool
	Properties []*Shape // object properties in order (Name is the key)
	Items      *Shape   // array items
	MaxLength  int
}

// node is a compiled Shape.
type node struct {
	name      string
	typ       string
	path      *Path     // mapping, or a value that is a JSONPath
	tmpl      *Template // value
	constant  any
	hasConst  bool
	props     []*node
	items     *node
	maxLength int
}

// Shaper is compiled output shaping (SPEC §8). It is safe for concurrent
// use.
type Shaper struct {
	outputs     []*node
	passthrough bool
}

// rootPath stands for "the current node": the implicit mapping of array
// items that declare none.
var rootPath = &Path{src: "$", root: true}

// CompileShaper compiles the output parameters of an endpoint.
//
// Decisions beyond SPEC §8: a `value` that is "$" or starts with "$." or
// "$[" is read as a JSONPath (so `value: $.` passes through, as SPEC §8
// says, and `value: $.x` maps); any other `value` is a template. A missing
// Type is inferred from Properties (object) or Items (array); a Type the
// shaper does not know disables coercion rather than failing the load.
func CompileShaper(outputs []*Shape) (*Shaper, error) {
	s := &Shaper{outputs: make([]*node, 0, len(outputs))}
	for i, o := range outputs {
		if o == nil {
			return nil, fmt.Errorf("output %d: missing", i)
		}
		n, err := compileNode(o, false)
		if err != nil {
			label := o.Name
			if label == "" {
				label = strconv.Itoa(i)
			}
			return nil, fmt.Errorf("output %s: %w", label, err)
		}
		s.outputs = append(s.outputs, n)
	}
	switch len(s.outputs) {
	case 0:
		s.passthrough = true
	case 1:
		n := s.outputs[0]
		s.passthrough = n.path != nil && n.path.IsRoot() && !n.hasConst && len(n.props) == 0 && n.items == nil
	}
	return s, nil
}

func compileNode(sh *Shape, item bool) (*node, error) {
	n := &node{
		name:      sh.Name,
		typ:       sh.Type,
		constant:  sh.Const,
		hasConst:  sh.HasConst,
		maxLength: sh.MaxLength,
	}
	if n.typ == "" {
		switch {
		case len(sh.Properties) > 0:
			n.typ = "object"
		case sh.Items != nil:
			n.typ = "array"
		}
	}
	switch {
	case sh.HasMapping:
		p, err := ParsePath(sh.Mapping)
		if err != nil {
			return nil, fmt.Errorf("mapping: %w", err)
		}
		n.path = p
	case sh.HasValue && looksLikePath(sh.Value):
		p, err := ParsePath(sh.Value)
		if err != nil {
			return nil, fmt.Errorf("value: %w", err)
		}
		n.path = p
	case sh.HasValue:
		t, err := ParseTemplate(sh.Value)
		if err != nil {
			return nil, fmt.Errorf("value: %w", err)
		}
		n.tmpl = t
	case item && !sh.HasConst && len(sh.Properties) == 0:
		// Array items without a mapping are the element itself.
		n.path = rootPath
	}
	for _, p := range sh.Properties {
		if p == nil {
			continue
		}
		c, err := compileNode(p, false)
		if err != nil {
			return nil, fmt.Errorf("property %s: %w", p.Name, err)
		}
		n.props = append(n.props, c)
	}
	if sh.Items != nil {
		c, err := compileNode(sh.Items, true)
		if err != nil {
			return nil, fmt.Errorf("items: %w", err)
		}
		n.items = c
	}
	return n, nil
}

func looksLikePath(v string) bool {
	v = strings.TrimSpace(v)
	return v == "$" || strings.HasPrefix(v, "$.") || strings.HasPrefix(v, "$[")
}

// Passthrough reports whether the upstream document is returned unchanged
// (no outputs, or a root mapping without properties).
func (s *Shaper) Passthrough() bool { return s.passthrough }

// Apply shapes doc (decoded JSON). scope feeds `value` templates. The first
// top-level output that yields a non-null value is returned; nil when none.
//
// Built objects are [OrderedObject]s (members in declaration order, missing
// ones as explicit null); mapped sub-documents are returned as found, so the
// result may mix OrderedObject and map[string]any.
func (s *Shaper) Apply(doc any, scope map[string]any) any {
	if s.passthrough {
		return doc
	}
	for _, n := range s.outputs {
		if v := n.eval(doc, scope); v != nil {
			return v
		}
	}
	return nil
}

// eval shapes n against base: the document for top-level outputs and their
// (nested) object properties, the element for array items and theirs.
func (n *node) eval(base any, scope map[string]any) any {
	switch {
	case n.hasConst:
		return n.constant
	case n.tmpl != nil:
		return n.finish(n.tmpl.Render(scope))
	case len(n.props) > 0:
		// Reference behaviour: an object with properties ignores its own
		// mapping; every property maps from the same base.
		obj := make(OrderedObject, len(n.props))
		for i, p := range n.props {
			obj[i] = Member{Key: p.name, Value: p.eval(base, scope)}
		}
		return obj
	case n.typ == "array" || n.items != nil:
		if n.path == nil {
			return nil
		}
		list, ok := n.path.Eval(base).([]any)
		if !ok {
			return nil
		}
		if n.items == nil {
			return list
		}
		out := make([]any, len(list))
		for i, e := range list {
			out[i] = n.items.eval(e, scope)
		}
		return out
	case n.path != nil:
		return n.finish(n.path.Eval(base))
	case n.typ == "object":
		return OrderedObject{}
	}
	return nil
}

// finish coerces a scalar to the declared type and applies maxLength.
func (n *node) finish(v any) any {
	v = coerce(v, n.typ)
	if s, ok := v.(string); ok && n.maxLength > 0 {
		v = truncate(s, n.maxLength)
	}
	return v
}

// truncate cuts s to max characters, never inside a UTF-8 sequence.
func truncate(s string, max int) string {
	if len(s) <= max {
		return s
	}
	i, count := 0, 0
	for i < len(s) && count < max {
		_, size := utf8.DecodeRuneInString(s[i:])
		i += size
		count++
	}
	return s[:i]
}

// coerce converts v to typ when nothing is lost ("42" → 42 for a number,
// 42 → "42" for a string, "true" → true for a boolean) and returns v as
// found otherwise: a wrong type from upstream is reported as it is rather
// than hidden behind null.
func coerce(v any, typ string) any {
	switch typ {
	case "string":
		switch x := v.(type) {
		case json.Number:
			return string(x)
		case bool:
			return strconv.FormatBool(x)
		case float32, float64, int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64:
			return string(appendValue(nil, x, textMode))
		}
	case "number":
		if s, ok := v.(string); ok && isJSONNumber(s) {
			return json.Number(s)
		}
	case "integer":
		var text string
		switch x := v.(type) {
		case string:
			text = x
		case json.Number:
			text = string(x)
		case float64:
			text = strconv.FormatFloat(x, 'g', -1, 64)
		default:
			return v
		}
		if n, ok := integerText(text); ok {
			return n
		}
	case "boolean":
		if s, ok := v.(string); ok {
			switch s {
			case "true":
				return true
			case "false":
				return false
			}
		}
	}
	return v
}

// isJSONNumber reports whether s is exactly a JSON number literal.
func isJSONNumber(s string) bool {
	if s == "" || (s[0] != '-' && (s[0] < '0' || s[0] > '9')) {
		return false
	}
	// A JSON text that starts with '-' or a digit can only be a number.
	return json.Valid([]byte(s))
}

// maxExactInt is the largest integer a float64 holds exactly (2^53).
const maxExactInt = 1 << 53

// integerText returns the JSON number of text when it denotes an integer
// ("42", "42.0", "4.2e1"), keeping long integer literals as written.
func integerText(text string) (json.Number, bool) {
	if !isJSONNumber(text) {
		return "", false
	}
	if !strings.ContainsAny(text, ".eE") {
		return json.Number(text), true
	}
	f, err := strconv.ParseFloat(text, 64)
	if err != nil || f != math.Trunc(f) || math.Abs(f) > maxExactInt {
		return "", false
	}
	return json.Number(strconv.FormatInt(int64(f), 10)), true
}
