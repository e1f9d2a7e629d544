package sandbox

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
)

// This file imitates the parts of zod 3.24 that Logto's koaGuard runs on these routes, because
// clients see zod's issues verbatim in data.issues and details. Each issue keeps zod's key order:
// the fields of the issue data first, then path, then message (unless the data already had a
// message slot, as string checks do).

// issue is one zod issue.
type issue struct {
	fields   object
	code     string
	path     []any
	message  string
	expected string
	received string
}

// MarshalJSON writes the issue in zod's key order.
func (i issue) MarshalJSON() ([]byte, error) { return i.fields.MarshalJSON() }

// zodError is a serialised ZodError: {"issues":[...],"name":"ZodError"}.
type zodError struct {
	Issues []issue `json:"issues"`
	Name   string  `json:"name"`
}

// formatIssues is Logto's formatZodError joined with newlines (RequestError.details).
func formatIssues(issues []issue) string {
	lines := make([]string, len(issues))
	for n, i := range issues {
		parts := make([]string, len(i.path))
		for k, p := range i.path {
			parts[k] = fmt.Sprint(p)
		}
		line := fmt.Sprintf("Error in key path %q: (%s) ", strings.Join(parts, "."), i.code)
		if i.code == "invalid_type" {
			line += fmt.Sprintf("Expected %s but received %s.", i.expected, i.received)
		} else {
			line += i.message
		}
		lines[n] = line
	}
	return strings.Join(lines, "\n")
}

func clonePath(path []any, more ...any) []any {
	out := make([]any, 0, len(path)+len(more))
	return append(append(out, path...), more...)
}

// newIssue finishes an issue: path, then message (filling the message slot if data has one).
func newIssue(data object, path []any, message string) issue {
	p := clonePath(path)
	i := issue{path: p, message: message}
	if v, ok := data.get("code"); ok {
		i.code, _ = v.(string)
	}
	if _, ok := data.get("message"); ok {
		data = data.set("message", message).set("path", p)
	} else {
		data = append(data, member{"path", p}, member{"message", message})
	}
	i.fields = data
	return i
}

func invalidType(path []any, expected, received string) issue {
	msg := "Required"
	if received != "undefined" {
		msg = fmt.Sprintf("Expected %s, received %s", expected, received)
	}
	i := newIssue(object{{"code", "invalid_type"}, {"expected", expected}, {"received", received}}, path, msg)
	i.expected, i.received = expected, received
	return i
}

// checker collects issues the way one zod parse does.
type checker struct {
	issues []issue
}

func (c *checker) add(i issue) { c.issues = append(c.issues, i) }

func (c *checker) ok() bool { return len(c.issues) == 0 }

// zod 3.24's email regex. RE2 has no look-ahead, so "(?!\.)(?!.*\.\.)" is checked in code, and
// [A-Za-z] replaces the /i flag, which in JavaScript folds ASCII only.
var emailPattern = regexp.MustCompile(`^([A-Za-z0-9_'+\-.]*)[A-Za-z0-9_+-]@([A-Za-z0-9][A-Za-z0-9\-]*\.)+[A-Za-z]{2,}$`)

func isZodEmail(s string) bool {
	return !strings.HasPrefix(s, ".") && !strings.Contains(s, "..") && emailPattern.MatchString(s)
}

// stringRule describes z.string() with the checks used on these routes, in zod's check order.
type stringRule struct {
	optional bool
	nullable bool
	min, max int // 0 = no check
	email    bool
	pattern  *regexp.Regexp
}

// str checks a string field. present=false means the key was undefined. It returns the value,
// whether it is usable (non-null string), and records issues.
func (c *checker) str(path []any, v any, present bool, r stringRule) (string, bool) {
	if !present {
		if !r.optional {
			c.add(invalidType(path, "string", "undefined"))
		}
		return "", false
	}
	if v == nil && r.nullable {
		return "", false
	}
	s, ok := v.(string)
	if !ok {
		c.add(invalidType(path, "string", typeOf(v)))
		return "", false
	}
	valid := true
	if r.min > 0 && jsLength(s) < r.min {
		valid = false
		c.add(newIssue(object{{"code", "too_small"}, {"minimum", r.min}, {"type", "string"}, {"inclusive", true}, {"exact", false}, {"message", nil}},
			path, fmt.Sprintf("String must contain at least %d character(s)", r.min)))
	}
	if r.max > 0 && jsLength(s) > r.max {
		valid = false
		c.add(newIssue(object{{"code", "too_big"}, {"maximum", r.max}, {"type", "string"}, {"inclusive", true}, {"exact", false}, {"message", nil}},
			path, fmt.Sprintf("String must contain at most %d character(s)", r.max)))
	}
	if r.email && !isZodEmail(s) {
		valid = false
		c.add(newIssue(object{{"validation", "email"}, {"code", "invalid_string"}, {"message", nil}}, path, "Invalid email"))
	}
	if r.pattern != nil && !r.pattern.MatchString(s) {
		valid = false
		c.add(newIssue(object{{"validation", "regex"}, {"code", "invalid_string"}, {"message", nil}}, path, "Invalid"))
	}
	return s, valid
}

// obj checks z.object(): the value must be a JSON object.
func (c *checker) obj(path []any, v any, present bool, optional bool) (object, bool) {
	if !present {
		if !optional {
			c.add(invalidType(path, "object", "undefined"))
		}
		return nil, false
	}
	o, ok := v.(object)
	if !ok {
		c.add(invalidType(path, "object", typeOf(v)))
		return nil, false
	}
	return o, true
}

// num checks z.number().
func (c *checker) num(path []any, v any, present bool) (float64, bool) {
	if !present {
		c.add(invalidType(path, "number", "undefined"))
		return 0, false
	}
	n, ok := v.(json.Number)
	if !ok {
		c.add(invalidType(path, "number", typeOf(v)))
		return 0, false
	}
	f, _ := n.Float64() // out-of-range values become ±Inf, as in JavaScript
	return f, true
}

// boolean checks an optional z.boolean().
func (c *checker) boolean(path []any, v any, present bool) (bool, bool) {
	if !present {
		return false, false
	}
	b, ok := v.(bool)
	if !ok {
		c.add(invalidType(path, "boolean", typeOf(v)))
		return false, false
	}
	return b, true
}

// strArray checks z.string()...array() with per-item rule.
func (c *checker) strArray(path []any, v any, present bool, optional bool, item stringRule, nonEmpty bool) ([]string, bool) {
	if !present {
		if !optional {
			c.add(invalidType(path, "array", "undefined"))
		}
		return nil, false
	}
	a, ok := v.([]any)
	if !ok {
		c.add(invalidType(path, "array", typeOf(v)))
		return nil, false
	}
	before := len(c.issues)
	out := make([]string, 0, len(a))
	for n, e := range a {
		s, _ := c.str(clonePath(path, n), e, true, item)
		out = append(out, s)
	}
	if nonEmpty && len(a) == 0 {
		c.add(newIssue(object{{"code", "too_small"}, {"minimum", 1}, {"type", "array"}, {"inclusive", true}, {"exact", false}, {"message", nil}},
			path, "Array must contain at least 1 element(s)"))
	}
	return out, len(c.issues) == before
}

// enum checks z.enum(options).
func (c *checker) enum(path []any, v any, present bool, options ...string) (string, bool) {
	quoted := make([]string, len(options))
	for n, o := range options {
		quoted[n] = "'" + o + "'"
	}
	joined := strings.Join(quoted, " | ")
	s, ok := v.(string)
	if !present || !ok {
		received := "undefined"
		if present {
			received = typeOf(v)
		}
		msg := "Required"
		if received != "undefined" {
			msg = fmt.Sprintf("Expected %s, received %s", joined, received)
		}
		i := newIssue(object{{"expected", joined}, {"received", received}, {"code", "invalid_type"}}, path, msg)
		i.expected, i.received = joined, received
		c.add(i)
		return "", false
	}
	for _, o := range options {
		if s == o {
			return s, true
		}
	}
	c.add(newIssue(object{{"received", s}, {"code", "invalid_enum_value"}, {"options", options}}, path,
		fmt.Sprintf("Invalid enum value. Expected %s, received '%s'", joined, s)))
	return "", false
}

// messagePayload checks Logto's sendMessagePayloadGuard: an object whose code, link, locale and
// uiLocales are strings when present, other keys kept. The result keeps zod's output order:
// the known keys first, then the others in input order.
func (c *checker) messagePayload(path []any, v any, present bool) (object, bool) {
	o, ok := c.obj(path, v, present, false)
	if !ok {
		return nil, false
	}
	known := []string{"code", "link", "locale", "uiLocales"}
	out := object{}
	valid := true
	for _, k := range known {
		fv, has := o.get(k)
		if !has {
			continue
		}
		if _, good := c.str(clonePath(path, k), fv, true, stringRule{}); !good {
			valid = false
			continue
		}
		out = append(out, member{k, fv})
	}
	for _, m := range o {
		if !contains(known, m.Key) {
			out = append(out, m)
		}
	}
	return out, valid
}

// messagePayloadOrFalse checks sendMessagePayloadGuard.or(z.literal(false)).default(false).
// It returns nil for false (no e-mail).
func (c *checker) messagePayloadOrFalse(path []any, v any, present bool) (object, bool) {
	if !present || v == false {
		return nil, true
	}
	var first checker
	payload, ok := first.messagePayload(path, v, true)
	if ok {
		return payload, true
	}
	literal := newIssue(object{{"received", v}, {"code", "invalid_literal"}, {"expected", false}}, path,
		"Invalid literal value, expected false")
	c.add(newIssue(object{
		{"code", "invalid_union"},
		{"unionErrors", []zodError{{Issues: first.issues, Name: "ZodError"}, {Issues: []issue{literal}, Name: "ZodError"}}},
	}, path, "Invalid input"))
	return nil, false
}

func contains(list []string, s string) bool {
	for _, e := range list {
		if e == s {
			return true
		}
	}
	return false
}
