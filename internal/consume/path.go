package consume

import (
	"net/url"
	"strings"
)

// segment is one piece of a compiled resource path: literal text (already
// escaped) or a placeholder name.
type segment struct {
	lit  string
	name string
}

// pathTemplate is a compiled consumed resource path. A `?` in the resource
// path starts literal query text (seen in generated files), kept in query.
type pathTemplate struct {
	path  []segment
	query []segment
}

// compilePath splits a resource path into literal text and `{x}` / `{{x}}`
// placeholders, with the same tokenising rules as spec.PathPlaceholders.
func compilePath(p string) pathTemplate {
	var t pathTemplate
	rawPath, rawQuery, hasQuery := strings.Cut(p, "?")
	t.path = splitPlaceholders(rawPath, escapeLiteralPath)
	if hasQuery {
		t.query = splitPlaceholders(rawQuery, escapeLiteralQuery)
	}
	return t
}

func splitPlaceholders(p string, escape func(string) string) []segment {
	var out []segment
	lit := func(s string) {
		if s != "" {
			out = append(out, segment{lit: escape(s)})
		}
	}
	for {
		i := strings.IndexByte(p, '{')
		if i < 0 {
			lit(p)
			return out
		}
		open, closing := "{", "}"
		if strings.HasPrefix(p[i:], "{{") {
			open, closing = "{{", "}}"
		}
		end := strings.Index(p[i+len(open):], closing)
		if end < 0 {
			lit(p)
			return out
		}
		name := strings.TrimSpace(p[i+len(open) : i+len(open)+end])
		name = strings.TrimSpace(strings.TrimPrefix(name, "&"))
		if name == "" || strings.ContainsAny(name[:1], "#/^!>{=") {
			// Not a variable (a section or comment tag): keep as text.
			lit(p[:i+len(open)+end+len(closing)])
		} else {
			lit(p[:i])
			out = append(out, segment{name: name})
		}
		p = p[i+len(open)+end+len(closing):]
	}
}

// render substitutes the placeholders. Every value is escaped as exactly one
// path segment, so `a/b` cannot add a segment and `..` cannot climb; a value
// that is missing or empty is an *InputError, never an empty segment or a
// literal `{x}` on the wire.
func (t pathTemplate) render(scope map[string]any) (escapedPath, rawQuery string, err error) {
	if escapedPath, err = renderSegments(t.path, scope, escapeSegment); err != nil {
		return "", "", err
	}
	if rawQuery, err = renderSegments(t.query, scope, url.QueryEscape); err != nil {
		return "", "", err
	}
	return escapedPath, rawQuery, nil
}

// renderSegments writes the literal segments as they are and each
// placeholder's value escaped by escape.
func renderSegments(segs []segment, scope map[string]any, escape func(string) string) (string, error) {
	if len(segs) == 0 {
		return "", nil
	}
	var b strings.Builder
	for _, s := range segs {
		if s.name == "" {
			b.WriteString(s.lit)
			continue
		}
		v, err := placeholderValue(scope, s.name)
		if err != nil {
			return "", err
		}
		b.WriteString(escape(v))
	}
	return b.String(), nil
}

func placeholderValue(scope map[string]any, name string) (string, error) {
	v, ok := lookup(scope, name)
	if !ok {
		return "", &InputError{Param: name, Reason: "missing value for path placeholder {" + name + "}"}
	}
	s := text(v)
	if s == "" {
		return "", &InputError{Param: name, Reason: "empty value for path placeholder {" + name + "}"}
	}
	return s, nil
}

// escapeSegment escapes v as one path segment. Dots of a value made only of
// dots are escaped too: "." and ".." would otherwise be removed or climb a
// level in servers and proxies that normalise paths.
func escapeSegment(v string) string {
	e := url.PathEscape(v)
	if strings.Trim(v, ".") == "" {
		e = strings.ReplaceAll(e, ".", "%2E")
	}
	return e
}

// escapeLiteralPath escapes the literal text of a resource path: characters
// allowed in a path and existing %XX escapes are kept as written.
func escapeLiteralPath(s string) string {
	return escapeLiteral(s, "/-._~!$&'()*+,;=:@")
}

// escapeLiteralQuery escapes the literal text of a query written in a
// resource path, keeping its delimiters.
func escapeLiteralQuery(s string) string {
	return escapeLiteral(s, "/-._~!$&'()*+,;=:@?")
}

func escapeLiteral(s, keep string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9',
			strings.IndexByte(keep, c) >= 0:
			b.WriteByte(c)
		case c == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]):
			b.WriteByte(c)
		default:
			b.WriteByte('%')
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&15])
		}
	}
	return b.String()
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// joinPath joins the base URI's escaped path and a rendered resource path
// with exactly one slash between them.
func joinPath(base, p string) string {
	base = strings.TrimRight(base, "/")
	if p == "" {
		if base == "" {
			return "/"
		}
		return base
	}
	if !strings.HasPrefix(p, "/") {
		p = "/" + p
	}
	return base + p
}
