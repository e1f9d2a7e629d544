package sandbox

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// object is a JSON object that keeps its keys in insertion order, as JavaScript objects do.
// Logto's error bodies, zod issues and e-mail payloads are ordered, and clients compare them
// byte for byte, so a Go map (sorted on output) would not do.
type object []member

// member is one key of an object.
type member struct {
	Key   string
	Value any
}

// get returns the value of key and whether the key is present (JavaScript's "not undefined").
func (o object) get(key string) (any, bool) {
	for _, m := range o {
		if m.Key == key {
			return m.Value, true
		}
	}
	return nil, false
}

// set replaces the value of key in place, or appends the key: JavaScript keeps the position of
// the first assignment, which matters for spreads like {...context, ...payload}.
func (o object) set(key string, v any) object {
	for i := range o {
		if o[i].Key == key {
			o[i].Value = v
			return o
		}
	}
	return append(o, member{key, v})
}

// MarshalJSON writes the members in order.
func (o object) MarshalJSON() ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteByte('{')
	for i, m := range o {
		if i > 0 {
			buf.WriteByte(',')
		}
		k, err := encode(m.Key)
		if err != nil {
			return nil, err
		}
		v, err := encode(m.Value)
		if err != nil {
			return nil, err
		}
		buf.Write(k)
		buf.WriteByte(':')
		buf.Write(v)
	}
	buf.WriteByte('}')
	return buf.Bytes(), nil
}

// encode marshals v like JSON.stringify: no HTML escaping and no trailing newline.
func encode(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// errTrailingData reports bytes after the first JSON value.
var errTrailingData = errors.New("unexpected non-whitespace character after JSON")

// decodeJSON parses one JSON value into object, []any, string, json.Number, bool or nil.
// Duplicate keys keep their first position and their last value, as JSON.parse does.
func decodeJSON(data []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	v, err := decodeValue(dec)
	if err != nil {
		return nil, err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errTrailingData
	}
	return v, nil
}

func decodeValue(dec *json.Decoder) (any, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	d, ok := tok.(json.Delim)
	if !ok {
		return tok, nil
	}
	switch d {
	case '{':
		o := object{}
		for dec.More() {
			kt, err := dec.Token()
			if err != nil {
				return nil, err
			}
			k, ok := kt.(string)
			if !ok {
				return nil, fmt.Errorf("expected property name in JSON at position %d", dec.InputOffset())
			}
			v, err := decodeValue(dec)
			if err != nil {
				return nil, err
			}
			o = o.set(k, v)
		}
		if _, err := dec.Token(); err != nil {
			return nil, err
		}
		return o, nil
	case '[':
		a := []any{}
		for dec.More() {
			v, err := decodeValue(dec)
			if err != nil {
				return nil, err
			}
			a = append(a, v)
		}
		if _, err := dec.Token(); err != nil {
			return nil, err
		}
		return a, nil
	default:
		return nil, fmt.Errorf("unexpected token %q in JSON at position %d", string(d), dec.InputOffset())
	}
}

// typeOf names the type of a decoded JSON value the way zod's getParsedType does.
func typeOf(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "string"
	case json.Number:
		return "number"
	case bool:
		return "boolean"
	case []any:
		return "array"
	case object:
		return "object"
	default:
		return "unknown"
	}
}

// jsLength is String.prototype.length: UTF-16 code units, which is what zod's min/max count.
func jsLength(s string) int {
	n := 0
	for _, r := range s {
		n += utf16.RuneLen(r)
	}
	return n
}

// pgLength is the character count PostgreSQL's varchar(n) limit applies to.
func pgLength(s string) int { return utf8.RuneCountInString(s) }

// lowerTrim is the key Logto's message rate limit groups recipients by.
func lowerTrim(s string) string { return strings.ToLower(strings.TrimSpace(s)) }
