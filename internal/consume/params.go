package consume

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/naftiko-go/naftiko/internal/expr"
	"github.com/naftiko-go/naftiko/internal/spec"
)

// Parameter locations of a consumed input parameter.
const (
	inQuery       = "query"
	inHeader      = "header"
	inPath        = "path"
	inCookie      = "cookie"
	inBody        = "body"
	inEnvironment = "environment"
)

// param is a compiled consumed input parameter.
type param struct {
	name     string
	in       string
	required bool
	value    *expr.Template // nil when the parameter has no `value`
}

func compileParams(ps []*spec.ConsumedParam) ([]param, error) {
	out := make([]param, 0, len(ps))
	for _, p := range ps {
		if p == nil {
			continue
		}
		in := strings.ToLower(strings.TrimSpace(p.In))
		switch in {
		case "":
			in = inQuery // the most common location; the loader warns
		case inQuery, inHeader, inPath, inCookie, inBody, inEnvironment:
		default:
			return nil, fmt.Errorf("parameter %q: unknown location %q (want query, header, path, cookie, body or environment)", p.Name, p.In)
		}
		if p.Name == "" {
			return nil, fmt.Errorf("a parameter %s has no name", in)
		}
		if in == inHeader && !validHeaderName(p.Name) {
			return nil, fmt.Errorf("parameter %q: not a valid header name", p.Name)
		}
		cp := param{name: p.Name, in: in, required: p.Required}
		if p.HasValue {
			t, err := expr.ParseTemplate(p.Value)
			if err != nil {
				return nil, fmt.Errorf("parameter %q: value: %w", p.Name, err)
			}
			cp.value = t
		}
		out = append(out, cp)
	}
	return out, nil
}

// resolve returns the value of the parameter for one call: its `value`
// template (absent when the template references a name without a value, as
// the reference engine does), else for `in: environment` the environment
// variable, else the same-named entry of the scope.
func (p *param) resolve(scope map[string]any, lookupEnv func(string) (string, bool)) (any, bool) {
	if p.value != nil {
		if len(p.value.Missing(scope)) > 0 {
			return nil, false
		}
		return p.value.Render(scope), true
	}
	if p.in == inEnvironment {
		// Only the environment: a caller must not be able to replace a value
		// the file says comes from the deployment.
		v, ok := lookupEnv(p.name)
		return v, ok
	}
	return lookup(scope, p.name)
}

// request accumulates the pieces of one outgoing request.
type request struct {
	query   []string // encoded key=value pairs, in declaration order
	header  http.Header
	cookies []*http.Cookie
	body    []bodyField // values of `in: body` parameters

	basicUser, basicPass string
	hasBasic             bool
}

type bodyField struct {
	name  string
	value any
}

// apply resolves the parameters in order, adds each value to the scope (so
// that later templates — body, authentication — can use it) and places it on
// the request.
func (r *request) apply(ps []param, scope map[string]any, lookupEnv func(string) (string, bool)) error {
	for i := range ps {
		p := &ps[i]
		v, ok := p.resolve(scope, lookupEnv)
		if !ok {
			if p.required {
				return &InputError{Param: p.name, Reason: "missing required " + p.in + " parameter"}
			}
			continue
		}
		scope[p.name] = v
		switch p.in {
		case inQuery:
			for _, s := range textValues(v) {
				r.query = append(r.query, url.QueryEscape(p.name)+"="+url.QueryEscape(s))
			}
		case inHeader:
			vals := textValues(v)
			for _, s := range vals {
				if !validHeaderValue(s) {
					return &InputError{Param: p.name, Reason: "header value contains a control character"}
				}
			}
			// Set, not add: a header parameter replaces a default (Accept,
			// Content-Type) instead of sending both.
			r.header.Del(p.name)
			for _, s := range vals {
				r.header.Add(p.name, s)
			}
		case inCookie:
			for _, s := range textValues(v) {
				r.cookies = append(r.cookies, &http.Cookie{Name: p.name, Value: s})
			}
		case inBody:
			r.body = append(r.body, bodyField{name: p.name, value: v})
		}
	}
	return nil
}

// textValues turns a value into the texts to send: an array gives one text
// per element (repeated query keys, repeated headers), anything else one.
func textValues(v any) []string {
	switch x := v.(type) {
	case []any:
		out := make([]string, 0, len(x))
		for _, e := range x {
			if e != nil {
				out = append(out, text(e))
			}
		}
		return out
	case []string:
		return x
	}
	return []string{text(v)}
}

// validHeaderName reports whether s is an RFC 9110 token.
func validHeaderName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte(`"(),/:;<=>?@[\]{}`, c) >= 0 {
			return false
		}
	}
	return true
}

// validHeaderValue rejects control characters (CR and LF above all): a
// caller value must never be able to add a header or split the request.
func validHeaderValue(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < ' ' && c != '\t' || c == 0x7f {
			return false
		}
	}
	return true
}
