package expr

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// mode is the context a template renders for.
type mode uint8

const (
	// textMode writes strings as they are (paths, headers, query values).
	textMode mode = iota
	// jsonMode writes strings JSON-escaped without quotes and nil as null
	// (JSON request bodies).
	jsonMode
)

// appendValue writes v for m: the one place that decides how a value looks
// inside rendered text, shared by the fast path and the library path (whose
// view types call it from their Format methods).
func appendValue(b []byte, v any, m mode) []byte {
	switch x := v.(type) {
	case nil:
		if m == jsonMode {
			return append(b, "null"...)
		}
		return b
	case string:
		if m == jsonMode {
			return appendJSONStringBody(b, x)
		}
		return append(b, x...)
	case json.Number:
		return append(b, x...)
	case bool:
		return strconv.AppendBool(b, x)
	}
	// Numbers of other Go types, arrays and objects: their JSON text, never
	// Go's fmt form (map[...], 1e+06).
	j, err := marshalCompact(v)
	if err != nil {
		return fmt.Append(b, v)
	}
	return append(b, j...)
}

const hexDigits = "0123456789abcdef"

// appendJSONStringBody writes s as the inside of a JSON string literal: the
// escapes encoding/json uses, minus its HTML escaping, so the result can sit
// between the quotes an author wrote in a JSON body template.
func appendJSONStringBody(b []byte, s string) []byte {
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			// Invalid UTF-8 would make the whole body invalid JSON.
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			// Valid JSON, but JavaScript parsers choke on them; encoding/json
			// escapes them too.
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	return append(b, s[start:]...)
}

// resolve looks name up in scope with the JMustache rule: the whole
// (possibly dotted) key first, then the first segment and the rest within
// it. Both {{env.KEY}} against {"env.KEY": …} and against {"env": {"KEY": …}}
// therefore work.
func resolve(scope map[string]any, name string) (any, bool) {
	if v, ok := scope[name]; ok {
		return v, true
	}
	head, rest, dotted := strings.Cut(name, ".")
	if !dotted {
		return nil, false
	}
	v, ok := scope[head]
	if !ok {
		return nil, false
	}
	return resolveIn(v, rest)
}

// resolveIn continues resolve inside an object value.
func resolveIn(v any, name string) (any, bool) {
	switch m := v.(type) {
	case map[string]any:
		return resolve(m, name)
	case map[string]string:
		s, ok := m[name]
		return s, ok
	case OrderedObject:
		if e, ok := m.Get(name); ok {
			return e, true
		}
		head, rest, dotted := strings.Cut(name, ".")
		if !dotted {
			return nil, false
		}
		e, ok := m.Get(head)
		if !ok {
			return nil, false
		}
		return resolveIn(e, rest)
	}
	return nil, false
}

// The view types below carry a scope into cbroglie/mustache, which prints
// values with fmt. Each implements fmt.Formatter (never fmt.Stringer: the
// library calls a zero-argument method whose name equals a variable's, so a
// String method would shadow a key named "String"). Maps and lists keep
// their kinds so that dotted lookups and sections still work.

// viewMap is an object in a render view; fmt prints it as compact JSON.
type viewMap map[string]any

// Format prints the object as compact JSON.
func (v viewMap) Format(f fmt.State, _ rune) { writeJSON(f, map[string]any(v)) }

// viewList is an array in a render view; sections iterate it, fmt prints it
// as compact JSON.
type viewList []any

// Format prints the array as compact JSON.
func (v viewList) Format(f fmt.State, _ rune) { writeJSON(f, []any(v)) }

// jsonString is a string in a JSON-context view.
type jsonString string

// Format prints the string JSON-escaped, without quotes.
func (v jsonString) Format(f fmt.State, _ rune) {
	_, _ = f.Write(appendJSONStringBody(nil, string(v)))
}

// viewNumber is a number in a view. json.Number itself would do, but the
// library would call its String method for a variable named "String".
type viewNumber string

// Format prints the number's JSON text.
func (v viewNumber) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(v)) }

// MarshalJSON writes the number inside an enclosing object or array.
func (v viewNumber) MarshalJSON() ([]byte, error) { return []byte(v), nil }

// textNull is null in a text-context view: it prints as nothing.
type textNull struct{}

// Format prints nothing.
func (textNull) Format(fmt.State, rune) {}

// MarshalJSON keeps null inside an enclosing object or array.
func (textNull) MarshalJSON() ([]byte, error) { return []byte("null"), nil }

// jsonNull is null in a JSON-context view.
type jsonNull struct{}

// Format prints null.
func (jsonNull) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte("null")) }

// MarshalJSON keeps null inside an enclosing object or array.
func (jsonNull) MarshalJSON() ([]byte, error) { return []byte("null"), nil }

func writeJSON(f fmt.State, v any) {
	b, err := marshalCompact(v)
	if err != nil {
		return
	}
	_, _ = f.Write(b)
}

// view converts a scope value into its render-view form for m. Strings,
// json.Number and booleans print right with fmt and cost nothing; objects
// and arrays are copied because their members need converting too.
func view(v any, m mode) any {
	switch x := v.(type) {
	case nil:
		if m == jsonMode {
			return jsonNull{}
		}
		return textNull{}
	case string:
		if m == jsonMode {
			return jsonString(x)
		}
		return x
	case json.Number:
		return viewNumber(x)
	case bool:
		return x
	case map[string]any:
		out := make(viewMap, len(x))
		for k, e := range x {
			out[k] = view(e, m)
		}
		return out
	case []any:
		out := make(viewList, len(x))
		for i, e := range x {
			out[i] = view(e, m)
		}
		return out
	case OrderedObject:
		out := make(viewMap, len(x))
		for _, e := range x {
			out[e.Key] = view(e.Value, m)
		}
		return out
	case map[string]string:
		out := make(viewMap, len(x))
		for k, e := range x {
			out[k] = view(e, m)
		}
		return out
	case []string:
		out := make(viewList, len(x))
		for i, e := range x {
			out[i] = view(e, m)
		}
		return out
	case float32, float64, int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64:
		return viewNumber(appendValue(nil, x, m))
	}
	// Anything else (structs, typed maps): normalise through JSON so the view
	// holds only the kinds above.
	b, err := marshalCompact(v)
	if err != nil {
		return view(fmt.Sprint(v), m)
	}
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.UseNumber()
	var norm any
	if err := dec.Decode(&norm); err != nil {
		return view(string(b), m)
	}
	return view(norm, m)
}
