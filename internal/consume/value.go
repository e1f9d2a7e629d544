package consume

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// lookup finds name in scope the way the templates do (JMustache rule): the
// whole, possibly dotted, key first ("tools.id" as one key), then a walk
// through nested maps ("env" then "LOGTO_API_KEY"). A nil value counts as
// absent, because a JSON null is "no value" for every place a request needs
// one.
func lookup(scope map[string]any, name string) (any, bool) {
	if v, ok := scope[name]; ok {
		return v, v != nil
	}
	if !strings.Contains(name, ".") {
		return nil, false
	}
	var cur any = scope
	for _, part := range strings.Split(name, ".") {
		switch m := cur.(type) {
		case map[string]any:
			v, ok := m[part]
			if !ok {
				return nil, false
			}
			cur = v
		case map[string]string:
			v, ok := m[part]
			if !ok {
				return nil, false
			}
			cur = v
		default:
			return nil, false
		}
	}
	return cur, cur != nil
}

// text formats a value for a text context (path segment, query, header):
// strings as they are, numbers and booleans as their JSON text, arrays and
// objects as compact JSON — the same rule as expr's Render.
func text(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case json.Number:
		return x.String()
	case bool:
		return strconv.FormatBool(x)
	case int:
		return strconv.Itoa(x)
	case int64:
		return strconv.FormatInt(x, 10)
	case nil:
		return ""
	case fmt.Stringer:
		return x.String()
	}
	b, err := marshalJSON(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

// marshalJSON encodes v as compact JSON without HTML escaping: upstreams get
// "<" and "&" as written, the way a person would write the body by hand.
func marshalJSON(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// singleTag matches a template that is exactly one variable tag, so that the
// variable's native value (number, object, array) can be inserted instead of
// its text: `{{x}}`, `{{ x }}`, `{{&x}}`, `{{{x}}}`.
var singleTag = regexp.MustCompile(`^(?:\{\{\s*&?\s*([^\s{}#^/!>=&]+)\s*\}\}|\{\{\{\s*([^\s{}]+)\s*\}\}\})$`)

// singleTagName returns the variable name when src is exactly one tag.
func singleTagName(src string) string {
	m := singleTag.FindStringSubmatch(src)
	if m == nil {
		return ""
	}
	if m[1] != "" {
		return m[1]
	}
	return m[2]
}

// collectSecrets returns every string leaf of vars (bind values) long enough
// to be scrubbed from messages without mangling ordinary words.
func collectSecrets(vars map[string]any) []string {
	var out []string
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case string:
			if len(x) >= minSecretLen {
				out = append(out, x)
			}
		case map[string]any:
			for _, e := range x {
				walk(e)
			}
		case map[string]string:
			for _, e := range x {
				walk(e)
			}
		case []any:
			for _, e := range x {
				walk(e)
			}
		}
	}
	walk(vars)
	return out
}

// minSecretLen is the shortest value scrubbed from messages; shorter values
// would replace fragments of unrelated words.
const minSecretLen = 4

// scrub replaces every secret in s by "REDACTED", longest first so that a
// secret containing another is removed whole.
func scrub(s string, secrets ...[]string) string {
	var all []string
	for _, ss := range secrets {
		all = append(all, ss...)
	}
	// Longest first: a short secret that is a substring of a long one must
	// not leave the rest of the long one behind.
	for i := 1; i < len(all); i++ {
		for j := i; j > 0 && len(all[j]) > len(all[j-1]); j-- {
			all[j], all[j-1] = all[j-1], all[j]
		}
	}
	for _, sec := range all {
		if sec != "" {
			s = strings.ReplaceAll(s, sec, "REDACTED")
		}
	}
	return s
}
