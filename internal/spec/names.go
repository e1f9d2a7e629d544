package spec

import (
	"fmt"
	"github.com/naftiko-go/naftiko/internal/expr"
	"sort"
	"strings"
)

// PathPlaceholders returns the names of the `{x}` and `{{x}}` placeholders of
// a consumed or exposed path, in order of first appearance, without
// duplicates. Mustache section tags (`{{#x}}`, `{{/x}}`, …) are not names.
func PathPlaceholders(path string) []string {
	var out []string
	seen := map[string]bool{}
	for i := 0; i < len(path); {
		if path[i] != '{' {
			i++
			continue
		}
		open, close := "{", "}"
		if strings.HasPrefix(path[i:], "{{") {
			open, close = "{{", "}}"
		}
		end := strings.Index(path[i+len(open):], close)
		if end < 0 {
			break
		}
		name := strings.TrimSpace(path[i+len(open) : i+len(open)+end])
		i += len(open) + end + len(close)
		name = strings.TrimPrefix(name, "&")
		name = strings.TrimSpace(name)
		if name == "" || name == "." || strings.ContainsAny(name[:1], "#/^!>{=") {
			continue
		}
		if !seen[name] {
			seen[name] = true
			out = append(out, name)
		}
	}
	return out
}

// RouteVariables returns the variable names of an exposed REST path (`{x}`
// and `{{x}}` both mean a path variable, SPEC §9), in order, without a
// router pattern suffix (`{id:[0-9]+}` gives "id").
func RouteVariables(path string) []string {
	names := PathPlaceholders(path)
	out := names[:0:0]
	for _, n := range names {
		if i := strings.IndexByte(n, ':'); i >= 0 {
			n = n[:i]
		}
		if n != "" {
			out = append(out, n)
		}
	}
	return out
}

// normalRoute turns a REST path into a form where two paths that a router
// cannot tell apart compare equal: variables become "{}".
func normalRoute(path string) string {
	var b strings.Builder
	for i := 0; i < len(path); {
		if path[i] != '{' {
			b.WriteByte(path[i])
			i++
			continue
		}
		open, close := "{", "}"
		if strings.HasPrefix(path[i:], "{{") {
			open, close = "{{", "}}"
		}
		end := strings.Index(path[i+len(open):], close)
		if end < 0 {
			b.WriteString(path[i:])
			break
		}
		b.WriteString("{}")
		i += len(open) + end + len(close)
	}
	s := b.String()
	if len(s) > 1 {
		s = strings.TrimSuffix(s, "/")
	}
	return s
}

// splitRef splits a `call`/`ref` value "<namespace>.<name>" (exactly one
// dot, both parts non-empty).
func splitRef(s string) (ns, name string, ok bool) {
	ns, name, ok = strings.Cut(s, ".")
	if !ok || ns == "" || name == "" || strings.Contains(name, ".") {
		return "", "", false
	}
	return ns, name, true
}

// withRef reports whether a `with` value is a reference to a caller input,
// by the rule the engine runs (expr.RefName).
func withRef(v any, prefixes []string) (string, bool) {
	s, ok := v.(string)
	if !ok {
		return "", false
	}
	return expr.RefName(s, prefixes)
}

// suggest returns a `did you mean "x"?` hint when one of candidates is close
// to s, else "".
func suggest(s string, candidates []string) string {
	best, bestD := "", -1
	for _, c := range candidates {
		if c == s {
			continue
		}
		d := levenshtein(strings.ToLower(s), strings.ToLower(c))
		if bestD < 0 || d < bestD || (d == bestD && c < best) {
			best, bestD = c, d
		}
	}
	if bestD < 0 {
		return ""
	}
	limit := max(2, len(s)/3)
	if bestD > limit {
		return ""
	}
	return fmt.Sprintf("did you mean %q?", best)
}

// levenshtein is the edit distance between a and b (bytes; names are ASCII).
func levenshtein(a, b string) int {
	if len(a) > 256 || len(b) > 256 {
		// Names this long are not typos of keys; keep the cost bounded.
		if a == b {
			return 0
		}
		return max(len(a), len(b))
	}
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

func uniqueSorted(ss []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range ss {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	sort.Strings(out)
	return out
}
