package expose

// This file holds the JSON type checks shared by the REST and MCP adapters, so
// that a declared `type: integer` means the same thing on both transports.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"mime"
	"strconv"
	"strings"
)

// TypeName returns the JSON Schema type name of a decoded JSON value: "null",
// "boolean", "integer" (an integral number), "number", "string", "array" or
// "object". Values of other Go types are reported by their Go type.
func TypeName(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case string:
		return "string"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	case json.Number:
		if isIntegral(x) {
			return "integer"
		}
		return "number"
	case float64:
		if x == math.Trunc(x) && !math.IsInf(x, 0) {
			return "integer"
		}
		return "number"
	case float32:
		return TypeName(float64(x))
	case int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64:
		return "integer"
	default:
		return fmt.Sprintf("%T", v)
	}
}

// HasType reports whether the decoded JSON value v is acceptable for the
// declared JSON Schema type typ. An empty typ accepts anything; "number"
// accepts integers; "integer" accepts integral numbers such as 3.0, as JSON
// Schema does.
func HasType(v any, typ string) bool {
	if typ == "" {
		return true
	}
	got := TypeName(v)
	switch typ {
	case "number":
		return got == "number" || got == "integer"
	default:
		return got == typ
	}
}

// ParseText converts text taken from a URL, a header or a cookie to the
// declared JSON Schema type typ: integers and numbers become json.Number (as
// the JSON body decoder produces them), booleans accept true/false,
// arrays and objects are parsed as JSON. An empty typ or "string" keeps the
// text. The error says what was expected, for a caller-facing message.
func ParseText(s, typ string) (any, error) {
	switch typ {
	case "", "string":
		return s, nil
	case "integer":
		n := json.Number(strings.TrimSpace(s))
		if _, err := strconv.ParseInt(n.String(), 10, 64); err != nil {
			if !validNumber(n) || !isIntegral(n) {
				return nil, fmt.Errorf("must be an integer, got %q", s)
			}
		}
		return n, nil
	case "number":
		n := json.Number(strings.TrimSpace(s))
		if !validNumber(n) {
			return nil, fmt.Errorf("must be a number, got %q", s)
		}
		return n, nil
	case "boolean":
		switch strings.ToLower(strings.TrimSpace(s)) {
		case "true":
			return true, nil
		case "false":
			return false, nil
		}
		return nil, fmt.Errorf("must be a boolean (true or false), got %q", s)
	case "array", "object":
		v, err := DecodeJSON([]byte(s))
		if err != nil || !HasType(v, typ) {
			return nil, fmt.Errorf("must be a JSON %s", typ)
		}
		return v, nil
	default:
		return nil, fmt.Errorf("has unknown declared type %q", typ)
	}
}

// IsJSONMediaType reports whether the Content-Type value ct names JSON
// (application/json or a +json type).
func IsJSONMediaType(ct string) bool {
	if ct == "application/json" { // the common case, without parsing
		return true
	}
	mt, _, err := mime.ParseMediaType(ct)
	return err == nil && (mt == "application/json" || strings.HasSuffix(mt, "+json"))
}

// DecodeJSON decodes one JSON document with numbers as json.Number, and
// refuses trailing data after it.
func DecodeJSON(data []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if len(bytes.TrimSpace(data[dec.InputOffset():])) != 0 {
		return nil, fmt.Errorf("unexpected data after the JSON value")
	}
	return v, nil
}

// validNumber reports whether n is a JSON number literal.
func validNumber(n json.Number) bool {
	if n == "" {
		return false
	}
	var v any
	dec := json.NewDecoder(strings.NewReader(string(n)))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		return false
	}
	got, ok := v.(json.Number)
	return ok && got == n
}

// isIntegral reports whether the JSON number n has no fractional part (1,
// 1.0, 1e3, 1e400), exactly and cheaply: it reasons on the digits instead of
// converting, so huge exponents neither round nor cost time.
func isIntegral(n json.Number) bool {
	s := strings.TrimPrefix(string(n), "-")
	mant, exp, hasExp := strings.Cut(strings.ToLower(s), "e")
	intPart, frac, _ := strings.Cut(mant, ".")
	digits := strings.TrimLeft(intPart+frac, "0")
	if digits == "" {
		return true // zero
	}
	trimmed := strings.TrimRight(digits, "0")
	// value = trimmed × 10^(e - len(frac) + trailing zeros)
	shift := int64(len(digits)-len(trimmed)) - int64(len(frac))
	if !hasExp {
		return shift >= 0
	}
	e, err := strconv.ParseInt(exp, 10, 64)
	if err != nil {
		// Beyond int64: only the sign of the exponent matters.
		return !strings.HasPrefix(exp, "-")
	}
	return e >= -shift
}
