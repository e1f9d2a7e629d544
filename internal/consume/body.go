package consume

import (
	"bytes"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/textproto"
	"net/url"
	"sort"
	"strings"

	"github.com/naftiko-go/naftiko/internal/expr"
	"github.com/naftiko-go/naftiko/internal/spec"
)

// Content types of request bodies.
const (
	contentJSON   = "application/json"
	contentText   = "text/plain"
	contentXML    = "application/xml"
	contentSPARQL = "application/sparql-query"
	contentForm   = "application/x-www-form-urlencoded"
)

// bodyBuilder renders a compiled `body:` block for one call.
type bodyBuilder interface {
	build(scope map[string]any) (data []byte, contentType string, err error)
}

// leaf is a compiled string of a structured body: a template, plus the
// variable name when the string is exactly one tag (then the variable's
// native value is inserted, and a missing one leaves the field out).
type leaf struct {
	t    *expr.Template
	name string
}

func compileLeaf(s string) (leaf, error) {
	t, err := expr.ParseTemplate(s)
	if err != nil {
		return leaf{}, err
	}
	return leaf{t: t, name: singleTagName(s)}, nil
}

// native returns the leaf's value and whether it has one.
func (l leaf) native(scope map[string]any) (any, bool) {
	if l.name != "" {
		return lookup(scope, l.name)
	}
	return l.t.Render(scope), true
}

// compileBody compiles a `body:` block (SPEC §5).
func compileBody(b *spec.RequestBody) (bodyBuilder, error) {
	if b.IsRaw {
		t, err := expr.ParseTemplate(b.Raw)
		if err != nil {
			return nil, fmt.Errorf("body: %w", err)
		}
		return jsonText{t: t}, nil
	}
	typ := strings.ToLower(b.Type)
	switch typ {
	case "json", "":
		if s, ok := b.Data.(string); ok {
			t, err := expr.ParseTemplate(s)
			if err != nil {
				return nil, fmt.Errorf("body: %w", err)
			}
			return jsonText{t: t}, nil
		}
		n, err := compileTree(b.Data)
		if err != nil {
			return nil, fmt.Errorf("body: %w", err)
		}
		return jsonTree{root: n}, nil
	case "text", "xml", "sparql":
		s, ok := b.Data.(string)
		if !ok {
			return nil, fmt.Errorf("body of type %s: data must be a string", b.Type)
		}
		t, err := expr.ParseTemplate(s)
		if err != nil {
			return nil, fmt.Errorf("body: %w", err)
		}
		ct := map[string]string{"text": contentText, "xml": contentXML, "sparql": contentSPARQL}[typ]
		return textBody{t: t, contentType: ct}, nil
	case "formurlencoded", "form": // `form` appears in generated files
		switch d := b.Data.(type) {
		case string:
			t, err := expr.ParseTemplate(d)
			if err != nil {
				return nil, fmt.Errorf("body: %w", err)
			}
			return textBody{t: t, contentType: contentForm}, nil
		case map[string]any:
			fs, err := compileFields(d)
			if err != nil {
				return nil, fmt.Errorf("body: %w", err)
			}
			return formBody{fields: fs}, nil
		default:
			return nil, fmt.Errorf("body of type %s: data must be a string or a map", b.Type)
		}
	case "multipartform", "multipart": // `multipart` appears in generated files
		parts, err := compileParts(b)
		if err != nil {
			return nil, fmt.Errorf("body: %w", err)
		}
		return multipartBody{parts: parts}, nil
	}
	return nil, fmt.Errorf("body: %w: request body type %q", ErrNotSupported, b.Type)
}

// jsonText is a JSON document written as text (a raw `body:` string or
// `{type: json, data: "…"}`), rendered in JSON context so a value with a
// quote cannot break it.
type jsonText struct{ t *expr.Template }

func (j jsonText) build(scope map[string]any) ([]byte, string, error) {
	out := j.t.RenderJSON(scope)
	// A missing value renders empty, which breaks JSON when the tag is not
	// inside quotes (`{"n": {{n}}}`): that is the caller's missing input, not
	// a body to send.
	if !json.Valid([]byte(out)) {
		if m := j.t.Missing(scope); len(m) > 0 {
			return nil, "", &InputError{Param: m[0], Reason: "missing value for the request body"}
		}
	}
	return []byte(out), contentJSON, nil
}

// node is a compiled JSON tree: exactly one of the fields is used.
type node struct {
	object []field // keys sorted: the model holds a Go map
	array  []*node
	isObj  bool
	isArr  bool
	leaf   *leaf
	value  any // a constant (number, bool, null)
}

type field struct {
	key string
	n   *node
}

func compileTree(v any) (*node, error) {
	switch x := v.(type) {
	case map[string]any:
		n := &node{isObj: true}
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			c, err := compileTree(x[k])
			if err != nil {
				return nil, err
			}
			n.object = append(n.object, field{key: k, n: c})
		}
		return n, nil
	case []any:
		n := &node{isArr: true, array: make([]*node, 0, len(x))}
		for _, e := range x {
			c, err := compileTree(e)
			if err != nil {
				return nil, err
			}
			n.array = append(n.array, c)
		}
		return n, nil
	case string:
		l, err := compileLeaf(x)
		if err != nil {
			return nil, err
		}
		return &node{leaf: &l}, nil
	}
	return &node{value: v}, nil
}

// eval builds the value of the tree; ok is false for a single-tag leaf
// without a value (its object field is then left out).
func (n *node) eval(scope map[string]any) (any, bool) {
	switch {
	case n.isObj:
		m := make(map[string]any, len(n.object))
		for _, f := range n.object {
			if v, ok := f.n.eval(scope); ok {
				m[f.key] = v
			}
		}
		return m, true
	case n.isArr:
		a := make([]any, 0, len(n.array))
		for _, e := range n.array {
			v, _ := e.eval(scope) // keeps positions: a missing element is null
			a = append(a, v)
		}
		return a, true
	case n.leaf != nil:
		return n.leaf.native(scope)
	}
	return n.value, true
}

// jsonTree is `{type: json, data: object|array}`.
type jsonTree struct{ root *node }

func (j jsonTree) build(scope map[string]any) ([]byte, string, error) {
	v, _ := j.root.eval(scope)
	b, err := marshalJSON(v)
	if err != nil {
		return nil, "", &InputError{Param: "body", Reason: "a value cannot be encoded as JSON"}
	}
	return b, contentJSON, nil
}

// textBody is a text template sent with a fixed content type.
type textBody struct {
	t           *expr.Template
	contentType string
}

func (b textBody) build(scope map[string]any) ([]byte, string, error) {
	return []byte(b.t.Render(scope)), b.contentType, nil
}

// formField is one field of a form or multipart body.
type formField struct {
	name        string
	value       leaf
	filename    string
	contentType string
}

func compileFields(m map[string]any) ([]formField, error) {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]formField, 0, len(keys))
	for _, k := range keys {
		s, ok := m[k].(string)
		if !ok {
			s = text(m[k]) // a YAML number or boolean is a constant text
		}
		l, err := compileLeaf(s)
		if err != nil {
			return nil, fmt.Errorf("field %q: %w", k, err)
		}
		out = append(out, formField{name: k, value: l})
	}
	return out, nil
}

// formBody is formUrlEncoded with a map: each value rendered, then encoded.
type formBody struct{ fields []formField }

func (f formBody) build(scope map[string]any) ([]byte, string, error) {
	var b strings.Builder
	for _, fl := range f.fields {
		v, ok := fl.value.native(scope)
		if !ok {
			continue
		}
		for _, s := range textValues(v) {
			if b.Len() > 0 {
				b.WriteByte('&')
			}
			b.WriteString(url.QueryEscape(fl.name))
			b.WriteByte('=')
			b.WriteString(url.QueryEscape(s))
		}
	}
	return []byte(b.String()), contentForm, nil
}

func compileParts(b *spec.RequestBody) ([]formField, error) {
	if len(b.Parts) > 0 {
		out := make([]formField, 0, len(b.Parts))
		for _, p := range b.Parts {
			l, err := compileLeaf(p.Value)
			if err != nil {
				return nil, fmt.Errorf("part %q: %w", p.Name, err)
			}
			out = append(out, formField{name: p.Name, value: l, filename: p.Filename, contentType: p.ContentType})
		}
		return out, nil
	}
	switch d := b.Data.(type) {
	case []any: // the schema's list of {name, value, filename?, contentType?}
		out := make([]formField, 0, len(d))
		for i, e := range d {
			m, ok := e.(map[string]any)
			if !ok {
				return nil, fmt.Errorf("part %d is not a map", i)
			}
			str := func(k string) string {
				if v, ok := m[k]; ok && v != nil {
					return text(v)
				}
				return ""
			}
			l, err := compileLeaf(str("value"))
			if err != nil {
				return nil, fmt.Errorf("part %q: %w", str("name"), err)
			}
			out = append(out, formField{name: str("name"), value: l, filename: str("filename"), contentType: str("contentType")})
		}
		return out, nil
	case map[string]any: // generated files: a map of name → value
		return compileFields(d)
	case nil:
		return nil, nil
	}
	return nil, fmt.Errorf("multipart data must be a list of parts or a map")
}

// multipartBody is a multipart/form-data body.
type multipartBody struct{ parts []formField }

var quoteEscaper = strings.NewReplacer("\\", "\\\\", `"`, "\\\"", "\r", "%0D", "\n", "%0A")

func (m multipartBody) build(scope map[string]any) ([]byte, string, error) {
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for _, p := range m.parts {
		v, ok := p.value.native(scope)
		if !ok {
			continue
		}
		h := textproto.MIMEHeader{}
		cd := `form-data; name="` + quoteEscaper.Replace(p.name) + `"`
		if p.filename != "" {
			cd += `; filename="` + quoteEscaper.Replace(p.filename) + `"`
		}
		h.Set("Content-Disposition", cd)
		switch {
		case p.contentType != "":
			h.Set("Content-Type", p.contentType)
		case p.filename != "":
			h.Set("Content-Type", "application/octet-stream")
		}
		pw, err := w.CreatePart(h)
		if err != nil {
			return nil, "", err
		}
		_, _ = pw.Write([]byte(text(v))) // writes to a bytes.Buffer cannot fail
	}
	if err := w.Close(); err != nil {
		return nil, "", err
	}
	return buf.Bytes(), w.FormDataContentType(), nil
}

// paramsBody builds the body from `in: body` parameters: one parameter is the
// whole JSON body, several are the fields of a JSON object.
func paramsBody(fields []bodyField, declared int) ([]byte, error) {
	var v any
	if declared == 1 {
		v = fields[0].value
	} else {
		m := make(map[string]any, len(fields))
		for _, f := range fields {
			m[f.name] = f.value
		}
		v = m
	}
	b, err := marshalJSON(v)
	if err != nil {
		return nil, &InputError{Param: fields[0].name, Reason: "value cannot be encoded as JSON"}
	}
	return b, nil
}
