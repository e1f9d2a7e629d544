package rest

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/naftiko-go/naftiko/internal/expose"
	"github.com/naftiko-go/naftiko/internal/expr"
	"github.com/naftiko-go/naftiko/internal/spec"
)

// param is a declared input parameter compiled at build time.
type param struct {
	name     string
	in       string // path, query, header, cookie, body
	typ      string
	required bool
	pattern  *regexp.Regexp
	// constant is set when `value` is a literal: the parameter is that text.
	constant    string
	hasConstant bool
	// path is set when `value` is a JSONPath into the JSON body.
	path *expr.Path
}

// compileParams merges resource-level and operation-level declared inputs
// (an operation's parameter replaces the resource's of the same name) and
// compiles their patterns and JSONPaths.
func compileParams(res *spec.RestResource, op *spec.RestOperation) ([]*param, error) {
	var order []string
	byName := map[string]*spec.ExposedParam{}
	for _, list := range [][]*spec.ExposedParam{res.InputParameters, op.InputParameters} {
		for _, p := range list {
			if p == nil {
				continue
			}
			if _, ok := byName[p.Name]; !ok {
				order = append(order, p.Name)
			}
			byName[p.Name] = p
		}
	}
	params := make([]*param, 0, len(order))
	for _, name := range order {
		p := byName[name]
		if name == "" {
			return nil, fmt.Errorf("%s: an input parameter has no name", p.Path)
		}
		c := &param{name: name, in: strings.ToLower(p.In), typ: p.Type, required: p.Required}
		switch c.in {
		case "path", "query", "header", "cookie", "body":
		default:
			return nil, fmt.Errorf("%s: input parameter %q has unknown location %q", p.Path, name, p.In)
		}
		switch c.typ {
		case "", "string", "number", "integer", "boolean", "array", "object":
		default:
			return nil, fmt.Errorf("%s: input parameter %q has unknown type %q", p.Path, name, p.Type)
		}
		if p.Pattern != "" {
			re, err := regexp.Compile(p.Pattern)
			if err != nil {
				return nil, fmt.Errorf("%s: input parameter %q: invalid pattern: %w", p.Path, name, err)
			}
			c.pattern = re
		}
		if p.HasValue {
			if strings.HasPrefix(p.Value, "$") {
				jp, err := expr.ParsePath(p.Value)
				if err != nil {
					return nil, fmt.Errorf("%s: input parameter %q: invalid JSONPath %q: %w", p.Path, name, p.Value, err)
				}
				c.path = jp
			} else {
				c.constant, c.hasConstant = p.Value, true
			}
		}
		params = append(params, c)
	}
	return params, nil
}

// body is the request body as the handler sees it.
type body struct {
	value any
	has   bool
}

// readBody reads and decodes the JSON request body. An empty body is no
// body; a body with a non-JSON Content-Type is a 415 and invalid JSON a 400,
// so the caller learns what to fix instead of the upstream receiving
// nothing. A body without Content-Type is read as JSON (curl-friendly).
func readBody(w http.ResponseWriter, r *http.Request, limit int64) (body, *problem) {
	if r.Body == nil || r.Body == http.NoBody {
		return body{}, nil
	}
	if r.ContentLength > limit {
		return body{}, tooLarge(limit)
	}
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return body{}, tooLarge(limit)
		}
		return body{}, &problem{Type: typeBadInput, Title: "Invalid input", Status: http.StatusBadRequest,
			Detail: "the request body could not be read"}
	}
	if len(data) == 0 {
		return body{}, nil
	}
	if ct := r.Header.Get("Content-Type"); ct != "" {
		if !expose.IsJSONMediaType(ct) {
			return body{}, &problem{Type: typeUnsupportedMedia, Title: "Unsupported media type",
				Status: http.StatusUnsupportedMediaType,
				Detail: fmt.Sprintf("the request body must be JSON (Content-Type: application/json), not %q", ct)}
		}
	}
	v, err := expose.DecodeJSON(data)
	if err != nil {
		return body{}, &problem{Type: typeBadInput, Title: "Invalid input", Status: http.StatusBadRequest,
			Detail: "the request body is not valid JSON: " + err.Error(), Param: "body"}
	}
	return body{value: v, has: true}, nil
}

// tooLarge is the 413 problem for a body over limit bytes.
func tooLarge(limit int64) *problem {
	return &problem{Type: typeTooLarge, Title: "Request body too large", Status: http.StatusRequestEntityTooLarge,
		Detail: fmt.Sprintf("the request body exceeds the limit of %d bytes", limit)}
}

// pathVar returns the decoded value of path variable name. chi matches on
// the escaped path when the URL has one, so the value is unescaped then (and
// only then, or "%" in an already-decoded path would be decoded twice).
func pathVar(r *http.Request, name string) string {
	v := chi.URLParam(r, name)
	if r.URL.RawPath != "" {
		if u, err := url.PathUnescape(v); err == nil {
			return u
		}
	}
	return v
}

// implicitInputs collects path variables, query parameters (first value) and
// headers (canonical names), path and query winning over headers (SPEC §6).
func implicitInputs(r *http.Request, vars []string) map[string]any {
	values := map[string]any{}
	for name, vs := range r.Header {
		if len(vs) > 0 {
			values[name] = vs[0]
		}
	}
	for name, vs := range r.URL.Query() {
		if len(vs) > 0 {
			values[name] = vs[0]
		}
	}
	for _, name := range vars {
		values[name] = pathVar(r, name)
	}
	return values
}

// declaredInputs extracts and validates the declared parameters; absent
// optional ones are left out. As in the reference engine, undeclared query
// parameters and headers do not reach the invocation; the route's own path
// variables do, declared or not, because the route cannot match without them
// and the author evidently means them to be used.
func declaredInputs(r *http.Request, params []*param, vars []string, b body) (map[string]any, *expose.Error) {
	values := make(map[string]any, len(params)+len(vars))
	for _, name := range vars {
		values[name] = pathVar(r, name)
	}
	var query url.Values // parsed once, when a declared parameter is in the query
	for _, p := range params {
		if p.in == "query" && query == nil {
			query = r.URL.Query()
		}
		v, present, err := p.extract(r, query, b)
		if err != nil {
			return nil, err
		}
		if !present {
			if p.required {
				return nil, expose.InputErrorf(p.name, "parameter %q (in %s) is required%s", p.name, p.in, typeHint(p.typ))
			}
			continue
		}
		values[p.name] = v
	}
	return values, nil
}

// typeHint is " (type)" for messages, or "".
func typeHint(typ string) string {
	if typ == "" {
		return ""
	}
	return " (" + typ + ")"
}

// extract finds the parameter's value in the request, converts text to the
// declared type and checks type and pattern.
func (p *param) extract(r *http.Request, query url.Values, b body) (any, bool, *expose.Error) {
	if p.hasConstant {
		return p.fromText(p.constant)
	}
	switch p.in {
	case "path":
		v := pathVar(r, p.name)
		if v == "" {
			return nil, false, nil
		}
		return p.fromText(v)
	case "query":
		if !query.Has(p.name) {
			return nil, false, nil
		}
		return p.fromText(query.Get(p.name))
	case "header":
		vs := r.Header.Values(p.name)
		if len(vs) == 0 {
			return nil, false, nil
		}
		return p.fromText(vs[0])
	case "cookie":
		c, err := r.Cookie(p.name)
		if err != nil {
			return nil, false, nil
		}
		return p.fromText(c.Value)
	default: // body
		if !b.has {
			return nil, false, nil
		}
		var v any
		switch {
		case p.path != nil:
			v = p.path.Eval(b.value)
		default:
			// A field of the body object named like the parameter; a
			// parameter named "body" without such a field is the whole body.
			if obj, ok := b.value.(map[string]any); ok {
				if fv, ok := obj[p.name]; ok {
					v = fv
					break
				}
			}
			if p.name == "body" {
				v = b.value
			}
		}
		if v == nil {
			return nil, false, nil
		}
		return p.check(v)
	}
}

// fromText converts text to the declared type, after checking the pattern
// against the text as sent.
func (p *param) fromText(s string) (any, bool, *expose.Error) {
	if p.pattern != nil && !p.pattern.MatchString(s) {
		return nil, false, expose.InputErrorf(p.name, "parameter %q (in %s) must match the pattern %s", p.name, p.in, p.pattern)
	}
	v, err := expose.ParseText(s, p.typ)
	if err != nil {
		return nil, false, expose.InputErrorf(p.name, "parameter %q (in %s) %s", p.name, p.in, err)
	}
	return v, true, nil
}

// check validates a JSON value from the body.
func (p *param) check(v any) (any, bool, *expose.Error) {
	if !expose.HasType(v, p.typ) {
		return nil, false, expose.InputErrorf(p.name, "parameter %q (in body) must be %s %s, got %s",
			p.name, article(p.typ), p.typ, expose.TypeName(v))
	}
	if s, ok := v.(string); ok && p.pattern != nil && !p.pattern.MatchString(s) {
		return nil, false, expose.InputErrorf(p.name, "parameter %q (in body) must match the pattern %s", p.name, p.pattern)
	}
	return v, true, nil
}

// article is "an" before a vowel, else "a".
func article(word string) string {
	if word != "" && strings.ContainsRune("aeiou", rune(word[0])) {
		return "an"
	}
	return "a"
}
