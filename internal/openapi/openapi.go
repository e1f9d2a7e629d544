package openapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"regexp"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/naftiko-go/naftiko/internal/spec"
)

// Version is the OpenAPI version of generated documents.
const Version = "3.1.0"

// problemSchema is the components name of the RFC 9457 problem document the
// REST adapter answers engine-made errors with.
const problemSchema = "Problem"

// Options tune Generate.
type Options struct {
	// ServerURL replaces the server URL derived from the adapter's address
	// and port (the live document uses the URL the caller reached).
	ServerURL string
}

// placeholderRE finds {{x}} and {x} (or {x:regexp}) in a resource path, as
// the REST adapter reads them.
var placeholderRE = regexp.MustCompile(`\{\{\s*([^{}\s]+)\s*\}\}|\{([^{}]*)\}`)

// nonWordRE finds what an operationId slug replaces with a dash.
var nonWordRE = regexp.MustCompile(`[^A-Za-z0-9]+`)

// ignoredHeaders are header parameters OpenAPI describes elsewhere (content
// negotiation and security); the specification says to ignore them.
var ignoredHeaders = map[string]bool{"accept": true, "content-type": true, "authorization": true}

// Generate returns the OpenAPI 3.1 document of the REST adapter x of doc:
// one path per resource ({{x}} written {x}), one operation per method with
// its operationId, parameters and request body from the declared or
// inferred inputs (spec.RestInputs), the success responses the method may
// pass through and a problem+json default response.
func Generate(doc *spec.Document, x *spec.Expose, opts Options) (*Document, error) {
	if x == nil || x.Rest == nil {
		return nil, errors.New("openapi: adapter is not a rest adapter")
	}
	d := &Document{OpenAPI: Version, Paths: map[string]*PathItem{}}
	d.Info = Info{Title: x.Namespace, Version: "1.0.0"}
	if doc != nil && doc.Info != nil {
		if doc.Info.Label != "" {
			d.Info.Title = doc.Info.Label
		}
		d.Info.Description = doc.Info.Description
		d.Info.Contact = contact(doc.Info.Stakeholders)
	}
	if x.Description != "" {
		d.Info.Description = strings.TrimSpace(d.Info.Description + "\n\n" + x.Description)
	}
	url := opts.ServerURL
	if url == "" {
		host := x.Address
		if host == "" || host == "0.0.0.0" || host == "::" {
			host = "localhost"
		}
		url = "http://" + net.JoinHostPort(host, strconv.Itoa(x.Port))
	}
	d.Servers = []Server{{URL: url, Description: "the " + x.Namespace + " REST adapter"}}
	d.Components = &Components{Schemas: map[string]*Schema{problemSchema: problem()}}
	if scheme, name := securityScheme(x.Authentication); scheme != nil {
		d.Components.SecuritySchemes = map[string]*SecurityScheme{name: scheme}
		d.Security = []map[string][]string{{name: {}}}
	}

	ids := map[string]bool{}
	tagged := map[string]bool{}
	for _, r := range x.Rest.Resources {
		if r == nil {
			continue
		}
		path, patterns := convertPath(r.Path)
		item := d.Paths[path]
		if item == nil {
			item = &PathItem{Summary: r.Label, Description: r.Description}
			d.Paths[path] = item
		}
		for _, op := range r.Operations {
			if op == nil {
				continue
			}
			method := strings.ToUpper(op.Method)
			slot := item.slot(method)
			if slot == nil || *slot != nil {
				continue // the REST adapter refuses these; validate reports them
			}
			*slot = operation(x, r, op, method, path, patterns, ids)
			// Every tag an operation uses is declared once, in order.
			for _, tag := range (*slot).Tags {
				if !tagged[tag] {
					tagged[tag] = true
					d.Tags = append(d.Tags, Tag{Name: tag, Description: firstNonEmpty(r.Description, r.Label)})
				}
			}
		}
	}
	if len(ids) == 0 {
		// No operation refers to the problem schema.
		delete(d.Components.Schemas, problemSchema)
		if len(d.Components.Schemas) == 0 && len(d.Components.SecuritySchemes) == 0 {
			d.Components = nil
		}
	}
	return d, nil
}

// contact is the first stakeholder with an e-mail address, else the first
// one; nil without stakeholders (nothing to invent).
func contact(people []*spec.Person) *Contact {
	var first *spec.Person
	for _, p := range people {
		if p == nil || (p.FullName == "" && p.Email == "") {
			continue
		}
		if p.Email != "" {
			return &Contact{Name: p.FullName, Email: p.Email}
		}
		if first == nil {
			first = p
		}
	}
	if first == nil {
		return nil
	}
	return &Contact{Name: first.FullName}
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}

// JSON returns the document as indented JSON.
func (d *Document) JSON() ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(d); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// YAML returns the document as YAML.
func (d *Document) YAML() ([]byte, error) {
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(d); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// convertPath writes every path variable as {name} and returns the regular
// expressions of {name:regexp} variables by name.
func convertPath(p string) (string, map[string]string) {
	patterns := map[string]string{}
	out := placeholderRE.ReplaceAllStringFunc(p, func(m string) string {
		sub := placeholderRE.FindStringSubmatch(m)
		if sub[1] != "" {
			return "{" + sub[1] + "}"
		}
		name, re, hasRE := strings.Cut(strings.TrimSpace(sub[2]), ":")
		if hasRE && re != "" {
			patterns[name] = "^(?:" + re + ")$"
		}
		return "{" + name + "}"
	})
	return out, patterns
}

// pathVars are the variable names of a converted path, in order.
func pathVars(path string) []string {
	var out []string
	for _, m := range placeholderRE.FindAllStringSubmatch(path, -1) {
		out = append(out, m[2])
	}
	return out
}

func operation(x *spec.Expose, r *spec.RestResource, op *spec.RestOperation, method, path string, patterns map[string]string, ids map[string]bool) *Operation {
	o := &Operation{
		OperationID: uniqueID(op.Name, method, path, ids),
		Summary:     op.Label,
		Description: op.Description,
		Responses:   map[string]*Response{},
	}
	if o.Description == "" && o.Summary == "" {
		o.Description = r.Description
	}
	if o.Description == "" && op.Target != nil {
		// What the operation does is what the upstream operation it calls does.
		o.Description = firstNonEmpty(op.Target.Description, op.Target.Label)
	}
	if r.Name != "" {
		o.Tags = []string{r.Name}
	}
	vars := pathVars(path)
	isVar := map[string]bool{}
	for _, v := range vars {
		isVar[v] = true
	}
	seen := map[string]bool{} // in + name
	var body []spec.Input
	for _, in := range spec.RestInputs(x, r, op) {
		where := in.In
		switch {
		case where == "body":
			body = append(body, in)
			continue
		case isVar[in.Name]:
			where = "path" // a route variable is a path parameter whatever it was declared as
		case where == "path":
			where = "query" // declared in: path without a variable in the route
		case where == "":
			where = "query"
		}
		if where == "header" && ignoredHeaders[strings.ToLower(in.Name)] {
			continue
		}
		if where != "path" && where != "query" && where != "header" && where != "cookie" {
			continue
		}
		if seen[where+" "+in.Name] {
			continue
		}
		seen[where+" "+in.Name] = true
		s := scalar(in.Type)
		s.Pattern = in.Pattern
		if p, ok := patterns[in.Name]; ok && where == "path" && s.Pattern == "" {
			s.Pattern = p
		}
		o.Parameters = append(o.Parameters, &Parameter{Name: in.Name, In: where, Description: in.Description,
			Required: in.Required || where == "path", Schema: s})
	}
	// Every route variable is a path parameter, documented or not.
	for _, v := range vars {
		if !seen["path "+v] {
			s := &Schema{Type: "string", Pattern: patterns[v]}
			o.Parameters = append(o.Parameters, &Parameter{Name: v, In: "path", Required: true, Schema: s})
			seen["path "+v] = true
		}
	}
	o.RequestBody = requestBody(body)
	success := successSchema(op.OutputParameters)
	for _, code := range successCodes(method) {
		o.Responses[code] = successResponse(code, success)
	}
	o.Responses["default"] = &Response{
		Description: "An engine-made error (RFC 9457); upstream errors pass through with the upstream status and body.",
		Content:     map[string]*MediaType{"application/problem+json": {Schema: &Schema{Ref: "#/components/schemas/" + problemSchema}}},
	}
	return o
}

// uniqueID is the operation's name, else <method>-<path slug>, made unique
// in the document.
func uniqueID(name, method, path string, ids map[string]bool) string {
	id := name
	if id == "" {
		slug := strings.Trim(nonWordRE.ReplaceAllString(path, "-"), "-")
		id = strings.ToLower(method)
		if slug != "" {
			id += "-" + slug
		}
	}
	base := id
	for i := 2; ids[id]; i++ {
		id = fmt.Sprintf("%s-%d", base, i)
	}
	ids[id] = true
	return id
}

// requestBody documents the JSON body: the whole body when one input is the
// body (an object schema when it is typed object), else an object whose
// properties are the body inputs.
func requestBody(body []spec.Input) *RequestBody {
	if len(body) == 0 {
		return nil
	}
	rb := &RequestBody{Content: map[string]*MediaType{}}
	var s *Schema
	if len(body) == 1 && body[0].Name == "body" {
		s = scalar(body[0].Type)
		s.Description = body[0].Description
		rb.Required = body[0].Required
	} else {
		s = &Schema{Type: "object", Properties: map[string]*Schema{}}
		for _, in := range body {
			p := scalar(in.Type)
			p.Description, p.Pattern = in.Description, in.Pattern
			s.Properties[in.Name] = p
			if in.Required {
				s.Required = append(s.Required, in.Name)
				rb.Required = true
			}
		}
	}
	rb.Content["application/json"] = &MediaType{Schema: s}
	return rb
}

// scalar is the schema of a declared JSON type ("" accepts anything).
func scalar(typ string) *Schema {
	switch typ {
	case "string", "number", "integer", "boolean", "object":
		return &Schema{Type: typ}
	case "array":
		// Items of any type, said explicitly: linters (Spectral's
		// array-items) require items beside type: array.
		return &Schema{Type: typ, Items: &Schema{}}
	}
	return &Schema{}
}

// successCodes are the statuses an operation documents: the upstream status
// passes through, so they are what the method usually answers.
func successCodes(method string) []string {
	switch method {
	case "POST":
		return []string{"200", "201"}
	case "DELETE":
		return []string{"200", "204"}
	case "PUT", "PATCH":
		return []string{"200", "204"}
	default:
		return []string{"200"}
	}
}

func successResponse(code string, s *Schema) *Response {
	switch code {
	case "204":
		return &Response{Description: "No content."}
	case "201":
		return &Response{Description: "Created (the upstream status and body pass through).",
			Content: map[string]*MediaType{"application/json": {Schema: s}}}
	default:
		return &Response{Description: "Success (the upstream status and body pass through).",
			Content: map[string]*MediaType{"application/json": {Schema: s}}}
	}
}

// successSchema is the schema of the shaped output: the declared shape of
// typed mapped outputs, or any JSON when the upstream body passes through.
func successSchema(outs []*spec.OutputParam) *Schema {
	if len(outs) != 1 {
		// None, or several (the first non-null one is returned): any JSON.
		return &Schema{}
	}
	return outputSchema(outs[0])
}

func outputSchema(o *spec.OutputParam) *Schema {
	if o == nil {
		return &Schema{}
	}
	s := scalar(o.Type)
	s.MaxLength = o.MaxLength
	switch o.Type {
	case "object":
		if len(o.Properties) == 0 {
			return &Schema{Type: "object"} // {type: object, mapping: $.x}: passthrough
		}
		s.Properties = map[string]*Schema{}
		for _, p := range o.Properties {
			if p != nil && p.Name != "" {
				s.Properties[p.Name] = outputSchema(p)
			}
		}
	case "array":
		if o.Items != nil {
			s.Items = outputSchema(o.Items)
		}
	}
	return s
}

// problem is the schema of the REST adapter's problem documents.
func problem() *Schema {
	return &Schema{
		Type:        "object",
		Description: "RFC 9457 problem details.",
		Required:    []string{"type", "title", "status"},
		Properties: map[string]*Schema{
			"type":      {Type: "string", Description: "a stable URI naming the kind of problem"},
			"title":     {Type: "string"},
			"status":    {Type: "integer"},
			"detail":    {Type: "string", Description: "what went wrong and what to change"},
			"param":     {Type: "string", Description: "the offending input, for input errors"},
			"requestId": {Type: "string", Description: "the request id (also in the X-Request-Id response header)"},
		},
	}
}

// securityScheme describes the adapter's authentication, nil when none.
func securityScheme(a *spec.Auth) (*SecurityScheme, string) {
	if a == nil {
		return nil, ""
	}
	switch strings.ToLower(a.Type) {
	case "bearer":
		return &SecurityScheme{Type: "http", Scheme: "bearer"}, "bearerAuth"
	case "basic":
		return &SecurityScheme{Type: "http", Scheme: "basic"}, "basicAuth"
	case "digest":
		return &SecurityScheme{Type: "http", Scheme: "digest"}, "digestAuth"
	case "apikey":
		if a.Key == "" {
			return nil, ""
		}
		in := strings.ToLower(a.Placement)
		if in != "query" {
			in = "header"
		}
		return &SecurityScheme{Type: "apiKey", Name: a.Key, In: in}, "apiKeyAuth"
	case "oauth2":
		return &SecurityScheme{Type: "http", Scheme: "bearer", BearerFormat: "JWT",
			Description: "an access token issued by " + a.AuthorizationServerURI}, "oauth2"
	}
	return nil, ""
}
