package expr

import (
	"bytes"
	"encoding/json"
)

// Member is one key and value of an [OrderedObject].
type Member struct {
	Key   string
	Value any
}

// OrderedObject is a JSON object whose members keep the order in which they
// were declared. The shaper builds objects of this type because Go maps
// marshal with sorted keys, and a capability author expects the response to
// read in the order the file declares its properties.
type OrderedObject []Member

// MarshalJSON writes o as a JSON object, members in order, without HTML
// escaping (the output is an API payload, not an HTML page).
func (o OrderedObject) MarshalJSON() ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteByte('{')
	for i, m := range o {
		if i > 0 {
			buf.WriteByte(',')
		}
		buf.WriteByte('"')
		buf.Write(appendJSONStringBody(nil, m.Key))
		buf.WriteString(`":`)
		b, err := marshalCompact(m.Value)
		if err != nil {
			return nil, err
		}
		buf.Write(b)
	}
	buf.WriteByte('}')
	return buf.Bytes(), nil
}

// Get returns the value of the first member named key and whether there is
// one.
func (o OrderedObject) Get(key string) (any, bool) {
	for _, m := range o {
		if m.Key == key {
			return m.Value, true
		}
	}
	return nil, false
}

// Map returns o as a plain map, nested ordered objects included (see
// [Plain]).
func (o OrderedObject) Map() map[string]any {
	out := make(map[string]any, len(o))
	for _, m := range o {
		out[m.Key] = Plain(m.Value)
	}
	return out
}

// Plain returns v with every [OrderedObject], at any depth, replaced by a
// map[string]any, for callers that need the plain decoded-JSON form (type
// switches on map[string]any, JSONPath over a shaped result). Values without
// an OrderedObject inside are returned as they are.
func Plain(v any) any {
	if !containsOrdered(v) {
		return v
	}
	switch x := v.(type) {
	case OrderedObject:
		return x.Map()
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = Plain(e)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = Plain(e)
		}
		return out
	}
	return v
}

// containsOrdered reports whether v holds an OrderedObject somewhere, so that
// Plain copies only what it must.
func containsOrdered(v any) bool {
	switch x := v.(type) {
	case OrderedObject:
		return true
	case []any:
		for _, e := range x {
			if containsOrdered(e) {
				return true
			}
		}
	case map[string]any:
		for _, e := range x {
			if containsOrdered(e) {
				return true
			}
		}
	}
	return false
}

// marshalCompact encodes v as compact JSON without HTML escaping: values
// inserted into requests and responses must reach the other side verbatim
// ("<" stays "<").
func marshalCompact(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte{'\n'}), nil
}
