package spec

import (
	"fmt"
	"regexp"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/naftiko-go/naftiko/internal/expr"
)

// This file walks the yaml.Node tree into the model, one function per schema
// construct. Each function reads the keys the schema allows at its place and
// lets obj.done report the others.

var (
	httpMethods     = []string{"GET", "POST", "PUT", "PATCH", "DELETE"}
	consumedIns     = []string{"query", "header", "path", "cookie", "body", "environment"}
	exposedIns      = []string{"query", "header", "path", "cookie", "body"}
	paramTypes      = []string{"string", "number", "integer", "boolean", "array", "object"}
	outputTypes     = []string{"string", "number", "integer", "boolean", "object", "array"}
	rawFormats      = []string{"json", "xml", "avro", "protobuf", "csv", "tsv", "psv", "yaml", "html", "markdown"}
	bodyTypes       = []string{"json", "text", "xml", "sparql", "formUrlEncoded", "multipartForm"}
	authTypes       = []string{"basic", "apikey", "bearer", "digest", "oauth2"}
	bodyAliases     = map[string]string{"form": "formUrlEncoded", "urlencoded": "formUrlEncoded", "form-urlencoded": "formUrlEncoded", "multipart": "multipartForm", "raw": "text", "plain": "text"}
	adapterTypes    = []string{"rest", "mcp", "skill", "control"}
	stepTypes       = []string{"call", "lookup", "script"}
	scriptLanguages = []string{"javascript", "python", "groovy"}

	kebab = regexp.MustCompile(`^[a-zA-Z0-9-]+$`)
)

func oneOf(s string, allowed []string) bool {
	for _, a := range allowed {
		if s == a {
			return true
		}
	}
	return false
}

// enum checks a value against its allowed set; a wrong value is an error.
func (o *obj) enum(key, value string, allowed []string) {
	if value == "" || oneOf(value, allowed) {
		return
	}
	hint := suggest(value, allowed)
	if hint == "" {
		hint = "allowed: " + strings.Join(allowed, ", ")
	}
	o.l.errorf(o.vals[key], o.sub(key), hint, "unknown %s %q %q", o.what, key, value)
}

// identifier checks a namespace or name that ends up in `ns.name`
// references: a dot would make references ambiguous (an error); anything
// else outside the kebab pattern is only a schema deviation.
func (o *obj) identifier(key, value string) {
	if value == "" {
		return
	}
	if strings.Contains(value, ".") {
		o.l.errorf(o.vals[key], o.sub(key), "use letters, digits and '-'", "%q %q contains a dot, which makes references to it ambiguous", key, value)
		return
	}
	if !kebab.MatchString(value) {
		o.l.warnf(o.vals[key], o.sub(key), "use letters, digits and '-'", "%q %q does not match the alpha2 identifier pattern ^[a-zA-Z0-9-]+$", key, value)
	}
}

// template checks that a string compiles as a template.
func (l *loader) template(n *yaml.Node, path, s string) {
	if !strings.Contains(s, "{{") {
		return
	}
	if _, err := expr.ParseTemplate(s); err != nil {
		l.errorf(n, path, "", "invalid template: %v", err)
	}
}

// jsonPath checks that a string compiles as a JSONPath expression.
func (l *loader) jsonPath(n *yaml.Node, path, s string) {
	if _, err := expr.ParsePath(s); err != nil {
		l.errorf(n, path, "", "invalid JSONPath %q: %v", s, err)
	}
}

func (l *loader) document(n *yaml.Node) *Document {
	doc := &Document{Loc: l.loc(n, ""), File: l.file}
	o := l.object(n, "", "document")
	if o == nil {
		l.stop = true
		return doc
	}
	if k, ok := o.keyNodes["ikanos"]; ok {
		l.errorf(k, "ikanos", "this engine reads `naftiko: "+Dialect+"` documents", "not supported yet: the Ikanos dialect (root key \"ikanos\")")
		l.stop = true
		return doc
	}
	if !o.has("naftiko") && !o.has("capability") && !o.has("consumes") {
		// OpenAPI documents, bind files and other YAML next to capabilities.
		hint := "a capability starts with `naftiko: " + Dialect + "`"
		switch {
		case o.has("openapi"), o.has("swagger"):
			hint = "it looks like an OpenAPI document; a capability consumes the API it describes"
		case o.has("asyncapi"):
			hint = "it looks like an AsyncAPI document"
		}
		l.errorf(n, "", hint, "not a Naftiko document: no `naftiko` key")
		l.stop = true
		return doc
	}
	if v := resolve(o.vals["naftiko"]); v != nil && v.Kind == yaml.MappingNode {
		// An early sandbox-catalog format (`naftiko: {schema: …}` with
		// `ports`), not a capability.
		o.raw("naftiko")
		l.errorf(v, "naftiko", "a capability starts with `naftiko: "+Dialect+"`", "not a Naftiko capability: \"naftiko\" is a map, not a version (an early catalog format)")
		l.stop = true
		return doc
	}
	if v, ok := o.str("naftiko"); ok {
		doc.Naftiko = v
		switch versionKind(v) {
		case versionLater:
			l.errorf(o.vals["naftiko"], "naftiko", "this engine reads naftiko 0.2 to "+Dialect, "not supported yet: naftiko version %q (a later dialect)", v)
			l.stop = true
			return doc
		case versionEarlier:
			l.warnf(o.vals["naftiko"], "naftiko", "", "naftiko version %q is read as %s; its shape is close enough", v, Dialect)
		case versionUnknown:
			l.warnf(o.vals["naftiko"], "naftiko", "", "unknown naftiko version %q is read as %s; its shape may differ", v, Dialect)
		}
	} else if !o.has("naftiko") {
		l.errorf(n, "", "a capability starts with `naftiko: "+Dialect+"`", "missing root key \"naftiko\"")
	}
	if v := o.raw("info"); v != nil {
		doc.Info = l.info(v, "info")
	} else {
		l.warnf(n, "", "add info.label and info.description", "missing \"info\" (required by the alpha2 schema)")
	}
	doc.Binds = l.binds(o.list("binds"), "binds")
	doc.Binds = append(doc.Binds, l.externalRefs(o)...)
	doc.Consumes = l.consumers(o.list("consumes"), "consumes")
	if v := o.raw("capability"); v != nil {
		doc.Capability = l.capability(v, "capability")
	}
	if doc.Capability == nil && !o.has("consumes") {
		l.errorf(n, "", "", "the document has neither \"capability\" nor root \"consumes\"")
	}
	o.done()
	return doc
}

func (l *loader) info(n *yaml.Node, path string) *Info {
	o := l.object(n, path, "info")
	if o == nil {
		return nil
	}
	in := &Info{Loc: l.loc(o.node, path)}
	if !o.has("label") {
		for _, k := range []string{"title", "name"} {
			if v, ok := o.str(k); ok && v != "" {
				l.warnf(o.keyNodes[k], o.sub(k), "write info.label", "info.%s is read as info.label", k)
				in.Label = v
				break
			}
		}
	}
	if in.Label == "" {
		in.Label = o.required("label", false)
	}
	in.Description = o.required("description", false)
	in.Tags = o.strs("tags")
	in.Created = o.s("created")
	in.Modified = o.s("modified")
	for i, p := range o.list("stakeholders") {
		pp := indexPath(o.sub("stakeholders"), i)
		po := l.object(p, pp, "stakeholder")
		if po == nil {
			continue
		}
		in.Stakeholders = append(in.Stakeholders, &Person{Loc: l.loc(po.node, pp), Role: po.required("role", false), FullName: po.required("fullName", false), Email: po.s("email")})
		po.done()
	}
	o.done()
	return in
}

func (l *loader) binds(items []*yaml.Node, path string) []*Bind {
	var out []*Bind
	for i, n := range items {
		p := indexPath(path, i)
		o := l.object(n, p, "bind")
		if o == nil {
			continue
		}
		b := &Bind{Loc: l.loc(o.node, p)}
		b.Namespace = o.required("namespace", false)
		o.identifier("namespace", b.Namespace)
		b.Description = o.s("description")
		b.Location = o.s("location")
		if k := o.raw("keys"); k != nil {
			ko := l.object(k, o.sub("keys"), "bind keys")
			if ko != nil {
				for _, kn := range ko.keys {
					v := ko.raw(kn.Value)
					kp := ko.sub(kn.Value)
					if v == nil || v.Kind != yaml.ScalarNode {
						l.errorf(kn, kp, "write VARIABLE: SOURCE_KEY", "bind key %q must map to a source key name", kn.Value)
						continue
					}
					b.Keys = append(b.Keys, &BindKey{Loc: l.loc(kn, kp), Variable: kn.Value, Source: v.Value})
				}
			}
		} else {
			o.l.errorf(o.node, p, "", "bind is missing \"keys\"")
		}
		o.done()
		out = append(out, b)
	}
	return out
}

func (l *loader) capability(n *yaml.Node, path string) *Capability {
	o := l.object(n, path, "capability")
	if o == nil {
		return nil
	}
	c := &Capability{Loc: l.loc(o.node, path)}
	c.Binds = l.binds(o.list("binds"), o.sub("binds"))
	for i, e := range o.list("exposes") {
		if a := l.expose(e, indexPath(o.sub("exposes"), i)); a != nil {
			c.Exposes = append(c.Exposes, a)
		}
	}
	c.Consumes = l.consumers(o.list("consumes"), o.sub("consumes"))
	for i, a := range o.list("aggregates") {
		if ag := l.aggregate(a, indexPath(o.sub("aggregates"), i)); ag != nil {
			c.Aggregates = append(c.Aggregates, ag)
		}
	}
	if !o.has("exposes") && !o.has("consumes") {
		l.errorf(o.node, path, "", "capability has neither \"exposes\" nor \"consumes\"")
	}
	o.done()
	return c
}

// ---------------------------------------------------------------- consumes

func (l *loader) consumers(items []*yaml.Node, path string) []*Consumer {
	var out []*Consumer
	for i, n := range items {
		if c := l.consumer(n, indexPath(path, i)); c != nil {
			out = append(out, c)
		}
	}
	return out
}

func (l *loader) consumer(n *yaml.Node, path string) *Consumer {
	o := l.object(n, path, "consumer")
	if o == nil {
		return nil
	}
	c := &Consumer{Loc: l.loc(o.node, path)}
	if o.has("location") {
		o.what = "import"
		c.Location = o.required("location", true)
		c.Import = o.required("import", true)
		o.identifier("import", c.Import)
		c.As = o.s("as")
		o.identifier("as", c.As)
		c.Description = o.s("description")
		c.Namespace = c.Import
		if c.As != "" {
			c.Namespace = c.As
		}
		o.done()
		return c
	}
	c.Type = o.s("type")
	switch {
	case c.Type == "":
		if o.has("type") {
			l.errorf(o.keyNodes["type"], o.sub("type"), "", "consumer has an empty \"type\"")
		} else {
			l.warnf(o.node, path, "add `type: http`", "consumer is missing \"type\" (required by the alpha2 schema); http assumed")
		}
		c.Type = "http"
	case c.Type != "http":
		l.errorf(o.vals["type"], o.sub("type"), "only `type: http` is defined", "unknown consumer type %q", c.Type)
	}
	c.Namespace = o.required("namespace", true)
	o.identifier("namespace", c.Namespace)
	c.Description = o.s("description")
	c.BaseURI, _ = o.str("baseUri")
	if bv := resolve(o.vals["baseUri"]); strings.TrimSpace(c.BaseURI) == "" && (bv == nil || bv.Kind == yaml.ScalarNode) {
		// Generated files leave it for the user: `validate` can check the
		// rest, `serve` asks for --base-uri.
		at := o.node
		if k, ok := o.keyNodes["baseUri"]; ok {
			at = k
		}
		l.warnf(at, o.sub("baseUri"), "pass --base-uri "+c.Namespace+"=URL to serve it", "consumer %q has no base URI", c.Namespace)
	}
	c.InputParameters = l.consumedParams(o.list("inputParameters"), o.sub("inputParameters"))
	if a := o.raw("authentication"); a != nil {
		if hs, ok := l.apikeyHeaders(a, o.sub("authentication")); ok {
			// Several API-key headers: they are headers of every request.
			c.InputParameters = append(c.InputParameters, hs...)
		} else {
			c.Authentication = l.auth(a, o.sub("authentication"))
		}
	}
	for i, r := range o.list("resources") {
		if res := l.consumedResource(r, indexPath(o.sub("resources"), i)); res != nil {
			c.Resources = append(c.Resources, res)
		}
	}
	if !o.has("resources") {
		l.warnf(o.node, path, "", "consumer %q has no \"resources\"", c.Namespace)
	}
	o.done()
	return c
}

func (l *loader) consumedResource(n *yaml.Node, path string) *ConsumedResource {
	o := l.object(n, path, "consumed resource")
	if o == nil {
		return nil
	}
	r := &ConsumedResource{Loc: l.loc(o.node, path)}
	r.Name = o.required("name", false)
	r.Label = o.s("label")
	r.Description = o.s("description")
	r.Path = o.required("path", true)
	l.template(o.vals["path"], o.sub("path"), r.Path)
	r.InputParameters = l.consumedParams(o.list("inputParameters"), o.sub("inputParameters"))
	for i, op := range o.list("operations") {
		if cop := l.consumedOperation(op, indexPath(o.sub("operations"), i)); cop != nil {
			r.Operations = append(r.Operations, cop)
		}
	}
	if !o.has("operations") {
		l.warnf(o.node, path, "", "consumed resource is missing \"operations\" (required by the alpha2 schema)")
	}
	o.done()
	return r
}

// method reads and normalises an HTTP method; methods are case-insensitive
// in the file (SPEC §9). Missing means GET, the schema default.
func (o *obj) method() string {
	m, ok := o.str("method")
	if !ok || m == "" {
		if !o.has("method") {
			o.l.warnf(o.node, o.path, "add `method: GET`", "%s is missing \"method\" (required by the alpha2 schema); GET assumed", o.what)
		}
		return "GET"
	}
	m = strings.ToUpper(m)
	if !oneOf(m, httpMethods) {
		o.l.errorf(o.vals["method"], o.sub("method"), "allowed: "+strings.Join(httpMethods, ", "), "unknown HTTP method %q", m)
	}
	return m
}

func (l *loader) consumedOperation(n *yaml.Node, path string) *ConsumedOperation {
	o := l.object(n, path, "consumed operation")
	if o == nil {
		return nil
	}
	op := &ConsumedOperation{Loc: l.loc(o.node, path)}
	op.Name = o.required("name", true)
	o.identifier("name", op.Name)
	op.Label = o.s("label")
	op.Description = o.s("description")
	op.Method = o.method()
	op.InputParameters = l.consumedParams(o.list("inputParameters"), o.sub("inputParameters"))
	op.OutputRawFormat = strings.ToLower(o.s("outputRawFormat"))
	o.enum("outputRawFormat", op.OutputRawFormat, rawFormats)
	op.OutputSchema = o.s("outputSchema")
	for i, on := range o.list("outputParameters") {
		p := indexPath(o.sub("outputParameters"), i)
		oo := l.object(on, p, "consumed output parameter")
		if oo == nil {
			continue
		}
		out := &ConsumedOutput{Loc: l.loc(oo.node, p)}
		out.Name = oo.required("name", false)
		out.Type = oo.required("type", false)
		oo.enum("type", out.Type, outputTypes)
		if p, ok := oo.str("path"); ok && !oo.has("value") {
			l.warnf(oo.keyNodes["path"], oo.sub("path"), "write value", "\"path\" of a consumed output parameter is read as \"value\"")
			out.Value = p
		} else {
			out.Value = oo.required("value", true)
		}
		if oo.has("in") {
			oo.raw("in")
			oo.extension("in", "it is ignored")
		}
		if out.Value != "" {
			l.jsonPath(oo.vals["value"], oo.sub("value"), out.Value)
		}
		oo.done()
		op.OutputParameters = append(op.OutputParameters, out)
	}
	if b := o.raw("body"); b != nil {
		op.Body = l.requestBody(b, o.sub("body"))
		for _, p := range op.InputParameters {
			if p.In == "body" && op.Body != nil {
				l.errorf(o.keyNodes["body"], o.sub("body"), "keep either the body block or the `in: body` parameters", "operation %q declares both a \"body\" and an `in: body` parameter %q", op.Name, p.Name)
				break
			}
		}
	}
	o.done()
	return op
}

func (l *loader) consumedParams(items []*yaml.Node, path string) []*ConsumedParam {
	var out []*ConsumedParam
	for i, n := range items {
		p := indexPath(path, i)
		o := l.object(n, p, "consumed input parameter")
		if o == nil {
			continue
		}
		cp := &ConsumedParam{Loc: l.loc(o.node, p)}
		cp.Name = o.required("name", true)
		cp.In = o.required("in", true)
		o.enum("in", cp.In, consumedIns)
		cp.Value, cp.HasValue = o.str("value")
		l.template(o.vals["value"], o.sub("value"), cp.Value)
		// Generated capabilities carry these three keys; the schema forbids
		// them but they say what the upstream expects, so they are read.
		cp.Type = o.s("type")
		o.enum("type", cp.Type, paramTypes)
		if b := o.boolean("required"); b != nil {
			cp.Required = *b
		}
		cp.Description = o.s("description")
		for _, k := range []string{"type", "required", "description"} {
			o.extension(k, "")
		}
		o.done()
		out = append(out, cp)
	}
	return out
}

func (l *loader) requestBody(n *yaml.Node, path string) *RequestBody {
	b := &RequestBody{Loc: l.loc(n, path)}
	if n.Kind == yaml.ScalarNode {
		b.Raw, b.IsRaw = n.Value, true
		l.template(n, path, b.Raw)
		return b
	}
	o := l.object(n, path, "request body")
	if o == nil {
		return nil
	}
	b.Type = o.required("type", true)
	if alias, ok := bodyAliases[b.Type]; ok {
		l.warnf(o.vals["type"], o.sub("type"), fmt.Sprintf("write %q", alias), "request body type %q is read as %q", b.Type, alias)
		b.Type = alias
	}
	o.enum("type", b.Type, bodyTypes)
	d := o.raw("data")
	if d == nil {
		l.warnf(o.node, path, "", "request body has no \"data\" (required by the alpha2 schema); no body is sent")
		o.done()
		return b
	}
	dp := o.sub("data")
	switch b.Type {
	case "multipartForm":
		if d.Kind != yaml.SequenceNode {
			l.errorf(d, dp, "", "multipartForm data must be a list of parts, not %s", kindName(d))
			break
		}
		for i, pn := range d.Content {
			pp := indexPath(dp, i)
			po := l.object(pn, pp, "multipart part")
			if po == nil {
				continue
			}
			part := &MultipartPart{Loc: l.loc(po.node, pp)}
			part.Name = po.required("name", true)
			part.Value = po.required("value", true)
			l.template(po.vals["value"], po.sub("value"), part.Value)
			part.Filename = po.s("filename")
			part.ContentType = po.s("contentType")
			po.done()
			b.Parts = append(b.Parts, part)
		}
	case "text", "xml", "sparql":
		if d.Kind != yaml.ScalarNode {
			l.errorf(d, dp, "", "%s data must be a string, not %s", b.Type, kindName(d))
			break
		}
		b.Data = d.Value
		l.template(d, dp, d.Value)
	case "formUrlEncoded":
		if d.Kind == yaml.SequenceNode {
			l.errorf(d, dp, "", "formUrlEncoded data must be a string or a map, not a list")
			break
		}
		b.Data = l.toAny(d, dp, 0)
		l.templatesIn(d, dp)
	default:
		b.Data = l.toAny(d, dp, 0)
		l.templatesIn(d, dp)
	}
	o.done()
	return b
}

// templatesIn checks every string of a free-form value as a template.
func (l *loader) templatesIn(n *yaml.Node, path string) {
	budget := 10000
	var walk func(n *yaml.Node, path string, depth int)
	walk = func(n *yaml.Node, path string, depth int) {
		n = resolve(n)
		budget--
		if n == nil || budget < 0 || depth > 100 {
			return
		}
		switch n.Kind {
		case yaml.ScalarNode:
			l.template(n, path, n.Value)
		case yaml.SequenceNode:
			for i, c := range n.Content {
				walk(c, indexPath(path, i), depth+1)
			}
		case yaml.MappingNode:
			for i := 0; i+1 < len(n.Content); i += 2 {
				walk(n.Content[i+1], joinPath(path, n.Content[i].Value), depth+1)
			}
		}
	}
	walk(n, path, 0)
}

func (l *loader) auth(n *yaml.Node, path string) *Auth {
	o := l.object(n, path, "authentication")
	if o == nil {
		return nil
	}
	a := &Auth{Loc: l.loc(o.node, path)}
	a.Type = o.required("type", true)
	if lower := strings.ToLower(a.Type); lower != a.Type && oneOf(lower, authTypes) {
		// `apiKey`, `Bearer`: the author's intent is plain.
		l.warnf(o.vals["type"], o.sub("type"), fmt.Sprintf("write %q", lower), "authentication type %q is read as %q", a.Type, lower)
		a.Type = lower
	}
	if a.Type == "header" && (o.has("header") || o.has("name") || o.has("key")) {
		// `type: header` with a header name and a value is an API key.
		l.warnf(o.vals["type"], o.sub("type"), "write `type: apikey` with key, value and `placement: header`", "authentication type \"header\" is read as \"apikey\" in a header")
		a.Type, a.Placement = "apikey", "header"
	}
	if a.Type != "" && !oneOf(a.Type, authTypes) {
		// oauth1, aws-sig-v4, hmac, certificate…: a signing scheme the
		// engine does not implement. Sending the calls unsigned would not
		// be what the author wrote.
		l.errorf(o.vals["type"], o.sub("type"), "implemented: "+strings.Join(authTypes, ", "), "not supported yet: %s authentication", a.Type)
		return nil
	}
	tpl := func(key string) string {
		s := o.s(key)
		l.template(o.vals[key], o.sub(key), s)
		return s
	}
	switch a.Type {
	case "basic", "digest":
		a.Username = tpl("username")
		a.Password = tpl("password")
	case "apikey":
		a.Key = tpl("key")
		a.Value = tpl("value")
		if p := o.s("placement"); p != "" || a.Placement == "" {
			a.Placement = p
		}
		// The OpenAPI spelling (`in`, `name`) and `header: X-Key` with a
		// `token`: the intent is plain.
		alias := func(from, to string, dst *string) {
			if v, ok := o.str(from); ok && *dst == "" {
				l.warnf(o.keyNodes[from], o.sub(from), "write "+to, "apikey %q is read as %q", from, to)
				l.template(o.vals[from], o.sub(from), v)
				*dst = v
			}
		}
		alias("in", "placement", &a.Placement)
		alias("name", "key", &a.Key)
		alias("token", "value", &a.Value)
		if v, ok := o.str("header"); ok && a.Key == "" {
			l.warnf(o.keyNodes["header"], o.sub("header"), "write key and `placement: header`", "apikey \"header\" is read as the key of a header")
			a.Key = v
			if a.Placement == "" {
				a.Placement = "header"
			}
		}
		a.Placement = strings.ToLower(a.Placement)
		o.enum("placement", a.Placement, []string{"header", "query"})
	case "bearer":
		a.Token = tpl("token")
	case "oauth2":
		a.TokenEndpoint = o.s("tokenEndpoint")
		// With a token endpoint the engine can do without the issuer.
		a.AuthorizationServerURI = o.required("authorizationServerUri", a.TokenEndpoint == "")
		a.Resource = o.required("resource", true)
		a.Scopes = o.strs("scopes")
		a.Audience = o.s("audience")
		a.TokenValidation = o.s("tokenValidation")
		o.enum("tokenValidation", a.TokenValidation, []string{"jwks", "introspection"})
		// Client credentials towards an upstream (an engine extension); the
		// snake_case spellings of RFC 6749 are read too.
		a.ClientID = l.authExtension(o, tpl, "clientId", "client_id")
		a.ClientSecret = l.authExtension(o, tpl, "clientSecret", "client_secret")
	}
	o.done()
	return a
}

// authExtension reads an oauth2 key that the alpha2 schema does not have,
// under its camelCase name or its RFC 6749 spelling, with a warning.
func (l *loader) authExtension(o *obj, tpl func(string) string, key, alt string) string {
	v := tpl(key)
	o.extension(key, "the engine uses it for the client-credentials grant")
	if v == "" {
		v = tpl(alt)
		o.extension(alt, "the engine reads it as "+key)
	}
	return v
}

// ---------------------------------------------------------------- exposes

func (l *loader) expose(n *yaml.Node, path string) *Expose {
	o := l.object(n, path, "adapter")
	if o == nil {
		return nil
	}
	a := &Expose{Loc: l.loc(o.node, path)}
	a.Type = o.s("type")
	if a.Type == "api" {
		// naftiko 0.3/0.4 called the REST adapter `api`.
		l.warnf(o.vals["type"], o.sub("type"), "write `type: rest`", "adapter type \"api\" is read as \"rest\"")
		a.Type = "rest"
	}
	if a.Type == "" {
		l.errorf(o.node, path, "allowed types: "+strings.Join(adapterTypes, ", "), "adapter is missing \"type\"")
		return nil
	}
	if !oneOf(a.Type, adapterTypes) {
		hint := strings.TrimSpace(suggest(a.Type, adapterTypes) + " allowed types: " + strings.Join(adapterTypes, ", "))
		l.errorf(o.vals["type"], o.sub("type"), hint, "unknown adapter type %q", a.Type)
		return nil
	}
	o.what = a.Type + " adapter"
	if a.Type != "control" {
		a.Namespace = o.required("namespace", true)
		o.identifier("namespace", a.Namespace)
	}
	a.Port, a.HasPort = o.integer("port")
	if a.HasPort && (a.Port < 1 || a.Port > 65535) {
		l.errorf(o.vals["port"], o.sub("port"), "", "port %d is out of range 1-65535", a.Port)
	}
	a.Address = o.s("address")
	if o.has("description") {
		a.Description = o.s("description")
		if a.Type == "rest" || a.Type == "control" {
			o.extension("description", "it is kept as documentation")
		}
	}
	if v := o.raw("authentication"); v != nil {
		a.Authentication = l.auth(v, o.sub("authentication"))
	}
	needPort := true
	switch a.Type {
	case "rest":
		a.Rest = &RestAdapter{}
		for i, r := range o.list("resources") {
			if res := l.restResource(r, indexPath(o.sub("resources"), i)); res != nil {
				a.Rest.Resources = append(a.Rest.Resources, res)
			}
		}
	case "mcp":
		a.MCP = l.mcpAdapter(o)
		if a.MCP.Transport == "stdio" {
			needPort = false
			if a.HasPort {
				l.warnf(o.vals["port"], o.sub("port"), "", "port is ignored with `transport: stdio`")
			}
		}
	case "skill":
		a.Skill = &SkillAdapter{}
		for i, s := range o.list("skills") {
			if sk := l.skill(s, indexPath(o.sub("skills"), i)); sk != nil {
				a.Skill.Skills = append(a.Skill.Skills, sk)
			}
		}
		if !o.has("skills") {
			l.warnf(o.node, path, "", "skill adapter is missing \"skills\" (required by the alpha2 schema)")
		}
	case "control":
		a.Control = &ControlAdapter{}
		if m := o.raw("management"); m != nil {
			a.Control.Management = l.management(m, o.sub("management"))
		}
		if m := o.raw("observability"); m != nil {
			a.Control.Observability = l.observability(m, o.sub("observability"))
		}
	}
	if needPort && !o.has("port") && a.MCP != nil && !o.has("transport") {
		l.warnf(o.node, path, "add `port: <number>`, or pass --port "+a.Namespace+"=PORT", "mcp adapter has neither \"port\" nor \"transport\"; it serves HTTP on a free port (logged at start)")
		needPort = false
	}
	if needPort && !o.has("port") {
		l.errorf(o.node, path, "add `port: <number>`", "%s is missing \"port\"", o.what)
	}
	o.done()
	return a
}

func (l *loader) restResource(n *yaml.Node, path string) *RestResource {
	o := l.object(n, path, "REST resource")
	if o == nil {
		return nil
	}
	r := &RestResource{Loc: l.loc(o.node, path)}
	r.Path = o.required("path", true)
	if r.Path != "" && !strings.HasPrefix(r.Path, "/") {
		l.errorf(o.vals["path"], o.sub("path"), "write /"+r.Path, "REST path %q must start with /", r.Path)
	}
	r.Name = o.s("name")
	r.Label = o.s("label")
	r.Description = o.s("description")
	r.InputParameters = l.exposedParams(o.list("inputParameters"), o.sub("inputParameters"))
	for i, op := range o.list("operations") {
		if rop := l.restOperation(op, indexPath(o.sub("operations"), i)); rop != nil {
			rop.Resource = r
			r.Operations = append(r.Operations, rop)
		}
	}
	if f := o.raw("forward"); f != nil {
		fp := o.sub("forward")
		if fo := l.object(f, fp, "forward"); fo != nil {
			r.Forward = &Forward{Loc: l.loc(fo.node, fp), TargetNamespace: fo.required("targetNamespace", true), TrustedHeaders: fo.strs("trustedHeaders")}
			fo.done()
		}
	}
	if !o.has("operations") && !o.has("forward") {
		l.errorf(o.node, path, "", "REST resource %q has neither \"operations\" nor \"forward\"", r.Path)
	}
	o.done()
	return r
}

func (l *loader) restOperation(n *yaml.Node, path string) *RestOperation {
	o := l.object(n, path, "REST operation")
	if o == nil {
		return nil
	}
	op := &RestOperation{}
	op.Method = o.method()
	l.endpoint(o, &op.Endpoint, path)
	op.InputParameters = l.exposedParams(o.list("inputParameters"), o.sub("inputParameters"))
	o.done()
	return op
}

// endpoint reads the keys REST operations, MCP tools, MCP resources and
// aggregate functions share.
func (l *loader) endpoint(o *obj, ep *Endpoint, path string) {
	ep.Loc = l.loc(o.node, path)
	ep.Name = o.s("name")
	ep.Label = o.s("label")
	ep.Description = o.s("description")
	ep.Ref = o.s("ref")
	ep.Call = o.s("call")
	ep.With = l.with(o.raw("with"), o.sub("with"))
	for i, s := range o.list("steps") {
		if st := l.step(s, indexPath(o.sub("steps"), i)); st != nil {
			ep.Steps = append(ep.Steps, st)
		}
	}
	for i, m := range o.list("mappings") {
		mp := indexPath(o.sub("mappings"), i)
		mo := l.object(m, mp, "step mapping")
		if mo == nil {
			continue
		}
		ep.Mappings = append(ep.Mappings, &StepMapping{Loc: l.loc(mo.node, mp), TargetName: mo.required("targetName", true), Value: mo.required("value", true)})
		mo.done()
	}
	ep.OutputParameters = l.outputs(o.list("outputParameters"), o.sub("outputParameters"))
}

func (l *loader) with(n *yaml.Node, path string) []*WithEntry {
	if n == nil {
		return nil
	}
	o := l.object(n, path, "with")
	if o == nil {
		return nil
	}
	var out []*WithEntry
	for _, k := range o.keys {
		v := o.raw(k.Value)
		kp := o.sub(k.Value)
		e := &WithEntry{Loc: l.loc(k, kp), Key: k.Value}
		switch {
		case v == nil:
			l.errorf(k, kp, "", "with %q has no value", k.Value)
			continue
		case v.Kind != yaml.ScalarNode:
			l.errorf(v, kp, "", "with %q must be a string or a number, not %s", k.Value, kindName(v))
			continue
		case v.ShortTag() == "!!int" || v.ShortTag() == "!!float":
			e.Value = l.toAny(v, kp, 0)
		case v.ShortTag() == "!!bool":
			l.warnf(v, kp, "quote it", "with %q is a boolean; the schema allows strings and numbers, so it is read as the string %q", k.Value, v.Value)
			e.Value = v.Value
		default:
			e.Value = v.Value
			l.template(v, kp, v.Value)
		}
		out = append(out, e)
	}
	return out
}

func (l *loader) step(n *yaml.Node, path string) *Step {
	o := l.object(n, path, "step")
	if o == nil {
		return nil
	}
	s := &Step{Loc: l.loc(o.node, path)}
	s.Type = o.required("type", true)
	o.enum("type", s.Type, stepTypes)
	s.Name = o.required("name", true)
	switch s.Type {
	case "call":
		s.Call = o.required("call", true)
		s.With = l.with(o.raw("with"), o.sub("with"))
	case "lookup":
		s.Index = o.required("index", true)
		s.Match = o.required("match", true)
		s.LookupValue = o.required("lookupValue", true)
		s.LookupOutputs = o.strs("outputParameters")
		if len(s.LookupOutputs) == 0 {
			l.errorf(o.node, path, "list the fields to extract", "lookup step %q has no \"outputParameters\"", s.Name)
		}
	case "script":
		s.Language = o.s("language")
		o.enum("language", s.Language, scriptLanguages)
		s.Location = o.s("location")
		s.File = o.required("file", true)
		s.Dependencies = o.strs("dependencies")
		s.With = l.with(o.raw("with"), o.sub("with"))
	}
	o.done()
	return s
}

// outputs reads exposed output parameters (mapped, orchestrated or mock).
func (l *loader) outputs(items []*yaml.Node, path string) []*OutputParam {
	var out []*OutputParam
	for i, n := range items {
		if p := l.output(n, indexPath(path, i), "", 0); p != nil {
			out = append(out, p)
		}
	}
	return out
}

func (l *loader) output(n *yaml.Node, path, name string, depth int) *OutputParam {
	if depth > 50 {
		l.errorf(n, path, "", "output parameters are nested too deeply")
		return nil
	}
	o := l.object(n, path, "output parameter")
	if o == nil {
		return nil
	}
	p := &OutputParam{Loc: l.loc(o.node, path), Name: name}
	if s, ok := o.str("name"); ok {
		p.Name = s
	}
	p.Type = o.s("type")
	if p.Type == "" {
		l.warnf(o.node, path, "", "output parameter is missing \"type\" (required by the alpha2 schema)")
	}
	o.enum("type", p.Type, outputTypes)
	p.Mapping, p.HasMapping = o.str("mapping")
	if p.HasMapping {
		l.jsonPath(o.vals["mapping"], o.sub("mapping"), p.Mapping)
	}
	p.Value, p.HasValue = o.str("value")
	l.template(o.vals["value"], o.sub("value"), p.Value)
	if o.has("const") {
		p.Const, p.HasConst = l.toAny(o.raw("const"), o.sub("const"), 0), true
	}
	if props := o.raw("properties"); props != nil {
		po := l.object(props, o.sub("properties"), "properties")
		if po != nil {
			for _, k := range po.keys {
				if c := l.output(po.raw(k.Value), po.sub(k.Value), k.Value, depth+1); c != nil {
					p.Properties = append(p.Properties, c)
				}
			}
		}
	}
	if it := o.raw("items"); it != nil {
		if it.Kind == yaml.SequenceNode {
			for i, c := range it.Content {
				if cp := l.output(c, indexPath(o.sub("items"), i), "", depth+1); cp != nil {
					p.ItemList = append(p.ItemList, cp)
				}
			}
		} else {
			p.Items = l.output(it, o.sub("items"), "", depth+1)
		}
	}
	// Engine extensions of the reference implementation.
	p.In = o.s("in")
	o.extension("in", "")
	if v, ok := o.integer("maxLength"); ok {
		p.MaxLength = v
	}
	o.extension("maxLength", "")
	switch {
	case p.Type == "object" && len(p.Properties) == 0 && p.HasMapping:
		l.warnf(o.node, path, "add properties, or use a scalar type to pass the value through", "object output with a mapping but no \"properties\" (the alpha2 schema requires properties); the value at %q passes through", p.Mapping)
	case p.Type == "object" && len(p.Properties) == 0:
		l.warnf(o.node, path, "", "object output without \"properties\" (required by the alpha2 schema)")
	case p.Type == "array" && p.Items == nil && len(p.ItemList) == 0:
		l.warnf(o.node, path, "", "array output without \"items\" (required by the alpha2 schema)")
	}
	o.done()
	return p
}

func (l *loader) exposedParams(items []*yaml.Node, path string) []*ExposedParam {
	var out []*ExposedParam
	for i, n := range items {
		p := indexPath(path, i)
		o := l.object(n, p, "exposed input parameter")
		if o == nil {
			continue
		}
		ep := &ExposedParam{Loc: l.loc(o.node, p)}
		ep.Name = o.required("name", true)
		ep.In = o.required("in", true)
		o.enum("in", ep.In, exposedIns)
		ep.Type = o.required("type", false)
		o.enum("type", ep.Type, paramTypes)
		ep.Description = o.required("description", false)
		ep.Pattern = o.s("pattern")
		if ep.Pattern != "" {
			if _, err := regexp.Compile(ep.Pattern); err != nil {
				l.errorf(o.vals["pattern"], o.sub("pattern"), "", "invalid pattern: %v", err)
			}
		}
		ep.Value, ep.HasValue = o.str("value")
		if b := o.boolean("required"); b != nil {
			ep.Required, ep.HasRequired = *b, true
		}
		o.extension("required", "")
		o.done()
		out = append(out, ep)
	}
	return out
}

// ---------------------------------------------------------------- mcp

func (l *loader) mcpAdapter(o *obj) *MCPAdapter {
	m := &MCPAdapter{Transport: "http"}
	if t, ok := o.str("transport"); ok && t != "" {
		m.Transport = strings.ToLower(t)
		o.enum("transport", m.Transport, []string{"http", "stdio"})
	}
	for i, t := range o.list("tools") {
		p := indexPath(o.sub("tools"), i)
		to := l.object(t, p, "tool")
		if to == nil {
			continue
		}
		tool := &Tool{}
		l.endpoint(to, &tool.Endpoint, p)
		tool.InputParameters = l.toolParams(to.list("inputParameters"), to.sub("inputParameters"))
		if h := to.raw("hints"); h != nil {
			hp := to.sub("hints")
			if ho := l.object(h, hp, "hints"); ho != nil {
				tool.Hints = &Hints{Loc: l.loc(ho.node, hp), ReadOnly: ho.boolean("readOnly"), Destructive: ho.boolean("destructive"), Idempotent: ho.boolean("idempotent"), OpenWorld: ho.boolean("openWorld")}
				ho.done()
			}
		}
		to.done()
		m.Tools = append(m.Tools, tool)
	}
	if !o.has("tools") {
		l.warnf(o.node, o.path, "", "mcp adapter is missing \"tools\" (required by the alpha2 schema)")
	}
	for i, r := range o.list("resources") {
		p := indexPath(o.sub("resources"), i)
		ro := l.object(r, p, "MCP resource")
		if ro == nil {
			continue
		}
		res := &MCPResource{}
		l.endpoint(ro, &res.Endpoint, p)
		res.Name = ro.required("name", true)
		res.URI = ro.required("uri", true)
		res.MimeType = ro.s("mimeType")
		res.Location = ro.s("location")
		if res.Location != "" && (res.Call != "" || len(res.Steps) > 0) {
			l.errorf(ro.node, p, "", "MCP resource %q has both a \"location\" and a call or steps", res.Name)
		}
		if res.Location == "" && res.Call == "" && len(res.Steps) == 0 {
			l.errorf(ro.node, p, "", "MCP resource %q needs a \"call\", \"steps\" or a \"location\"", res.Name)
		}
		ro.done()
		m.Resources = append(m.Resources, res)
	}
	for i, pn := range o.list("prompts") {
		if pr := l.prompt(pn, indexPath(o.sub("prompts"), i)); pr != nil {
			m.Prompts = append(m.Prompts, pr)
		}
	}
	return m
}

func (l *loader) toolParams(items []*yaml.Node, path string) []*ToolParam {
	var out []*ToolParam
	for i, n := range items {
		p := indexPath(path, i)
		o := l.object(n, p, "tool input parameter")
		if o == nil {
			continue
		}
		tp := &ToolParam{Loc: l.loc(o.node, p), Required: true}
		tp.Name = o.required("name", true)
		tp.Type = o.required("type", false)
		o.enum("type", tp.Type, paramTypes)
		tp.Description = o.required("description", false)
		if b := o.boolean("required"); b != nil {
			tp.Required = *b
		}
		o.done()
		out = append(out, tp)
	}
	return out
}

func (l *loader) prompt(n *yaml.Node, path string) *MCPPrompt {
	o := l.object(n, path, "MCP prompt")
	if o == nil {
		return nil
	}
	pr := &MCPPrompt{Loc: l.loc(o.node, path)}
	pr.Name = o.required("name", true)
	pr.Label = o.required("label", false)
	pr.Description = o.required("description", false)
	for i, a := range o.list("arguments") {
		ap := indexPath(o.sub("arguments"), i)
		ao := l.object(a, ap, "prompt argument")
		if ao == nil {
			continue
		}
		arg := &PromptArgument{Loc: l.loc(ao.node, ap), Required: true}
		arg.Name = ao.required("name", true)
		arg.Label = ao.s("label")
		arg.Description = ao.required("description", false)
		if b := ao.boolean("required"); b != nil {
			arg.Required = *b
		}
		ao.done()
		pr.Arguments = append(pr.Arguments, arg)
	}
	for i, m := range o.list("template") {
		mp := indexPath(o.sub("template"), i)
		mo := l.object(m, mp, "prompt message")
		if mo == nil {
			continue
		}
		msg := &PromptMessage{Loc: l.loc(mo.node, mp), Role: mo.required("role", true), Content: mo.required("content", true)}
		mo.enum("role", msg.Role, []string{"user", "assistant"})
		mo.done()
		pr.Template = append(pr.Template, msg)
	}
	pr.Location = o.s("location")
	if (len(pr.Template) > 0) == (pr.Location != "") {
		l.errorf(o.node, path, "", "MCP prompt %q needs exactly one of \"template\" and \"location\"", pr.Name)
	}
	o.done()
	return pr
}

// ---------------------------------------------------------------- skill

func (l *loader) skill(n *yaml.Node, path string) *Skill {
	o := l.object(n, path, "skill")
	if o == nil {
		return nil
	}
	s := &Skill{Loc: l.loc(o.node, path)}
	s.Name = o.required("name", true)
	s.Description = o.required("description", false)
	s.License = o.s("license")
	s.Compatibility = o.s("compatibility")
	if md := o.raw("metadata"); md != nil {
		if mo := l.object(md, o.sub("metadata"), "skill metadata"); mo != nil {
			s.Metadata = map[string]string{}
			for _, k := range mo.keys {
				s.Metadata[k.Value] = mo.s(k.Value)
			}
		}
	}
	s.AllowedTools = o.s("allowed-tools")
	s.ArgumentHint = o.s("argument-hint")
	s.UserInvocable = o.boolean("user-invocable")
	s.DisableModelInvocation = o.boolean("disable-model-invocation")
	s.Location = o.s("location")
	for i, t := range o.list("tools") {
		tp := indexPath(o.sub("tools"), i)
		to := l.object(t, tp, "skill tool")
		if to == nil {
			continue
		}
		st := &SkillTool{Loc: l.loc(to.node, tp)}
		st.Name = to.required("name", true)
		st.Description = to.required("description", false)
		if f := to.raw("from"); f != nil {
			fp := to.sub("from")
			if fo := l.object(f, fp, "skill tool source"); fo != nil {
				st.From = &SkillFrom{Loc: l.loc(fo.node, fp), SourceNamespace: fo.required("sourceNamespace", true), Action: fo.required("action", true)}
				fo.done()
			}
		}
		st.Instruction = to.s("instruction")
		if (to.has("from")) == (st.Instruction != "") {
			l.errorf(to.node, tp, "", "skill tool %q needs exactly one of \"from\" and \"instruction\"", st.Name)
		}
		if st.Instruction != "" && s.Location == "" {
			l.errorf(to.node, tp, "set the skill's location", "skill tool %q uses \"instruction\" but skill %q has no \"location\"", st.Name, s.Name)
		}
		to.done()
		s.Tools = append(s.Tools, st)
	}
	o.done()
	return s
}

// ---------------------------------------------------------------- control

func (l *loader) management(n *yaml.Node, path string) *Management {
	o := l.object(n, path, "management")
	if o == nil {
		return nil
	}
	m := &Management{Loc: l.loc(o.node, path)}
	m.Health = o.boolean("health")
	m.Info = o.boolean("info")
	m.Reload = o.boolean("reload")
	m.Validate = o.boolean("validate")
	if lg := o.raw("logs"); lg != nil {
		switch {
		case lg.Kind == yaml.ScalarNode && lg.ShortTag() == "!!bool":
			m.Logs = l.toAny(lg, o.sub("logs"), 0)
		case lg.Kind == yaml.MappingNode:
			lo := l.object(lg, o.sub("logs"), "logs")
			lo.boolean("level-control")
			lo.boolean("stream")
			lo.integer("max-subscribers")
			lo.done()
			m.Logs = l.toAny(lg, o.sub("logs"), 0)
		default:
			l.errorf(lg, o.sub("logs"), "", "\"logs\" must be a boolean or a map, not %s", kindName(lg))
		}
	}
	if sc := o.raw("scripting"); sc != nil {
		sp := o.sub("scripting")
		if so := l.object(sc, sp, "scripting"); so != nil {
			s := &Scripting{Loc: l.loc(so.node, sp)}
			s.Enabled = so.boolean("enabled")
			s.DefaultLocation = so.s("defaultLocation")
			s.DefaultLanguage = so.s("defaultLanguage")
			so.enum("defaultLanguage", s.DefaultLanguage, scriptLanguages)
			s.Timeout, _ = so.integer("timeout")
			s.StatementLimit, _ = so.integer("statementLimit")
			s.AllowedLanguages = so.strs("allowedLanguages")
			so.done()
			m.Scripting = s
		}
	}
	o.done()
	return m
}

func (l *loader) observability(n *yaml.Node, path string) *Observability {
	o := l.object(n, path, "observability")
	if o == nil {
		return nil
	}
	ob := &Observability{Loc: l.loc(o.node, path)}
	ob.Enabled = o.boolean("enabled")
	sub := func(parent *obj, key, what string) *obj {
		v := parent.raw(key)
		if v == nil {
			return nil
		}
		return l.object(v, parent.sub(key), what)
	}
	if mo := sub(o, "metrics", "metrics"); mo != nil {
		if lo := sub(mo, "local", "local metrics"); lo != nil {
			ob.MetricsLocal = lo.boolean("enabled")
			lo.done()
		}
		mo.done()
	}
	if to := sub(o, "traces", "traces"); to != nil {
		if f, ok := to.number("sampling"); ok {
			if f < 0 || f > 1 {
				l.errorf(to.vals["sampling"], to.sub("sampling"), "", "traces sampling %v is out of range 0-1", f)
			}
			ob.TracesSampling = &f
		}
		ob.TracesPropagate = to.s("propagation")
		to.enum("propagation", ob.TracesPropagate, []string{"w3c", "b3"})
		if lo := sub(to, "local", "local traces"); lo != nil {
			ob.TracesLocal = lo.boolean("enabled")
			ob.TracesBufferSize, _ = lo.integer("buffer-size")
			lo.done()
		}
		to.done()
	}
	if eo := sub(o, "exporters", "exporters"); eo != nil {
		if oo := sub(eo, "otlp", "otlp exporter"); oo != nil {
			ob.OTLPEndpoint = oo.required("endpoint", true)
			oo.done()
		}
		eo.done()
	}
	o.done()
	return ob
}

// ---------------------------------------------------------------- aggregates

func (l *loader) aggregate(n *yaml.Node, path string) *Aggregate {
	o := l.object(n, path, "aggregate")
	if o == nil {
		return nil
	}
	ag := &Aggregate{Loc: l.loc(o.node, path)}
	ag.Label = o.required("label", false)
	ag.Namespace = o.required("namespace", true)
	o.identifier("namespace", ag.Namespace)
	for i, f := range o.list("functions") {
		fp := indexPath(o.sub("functions"), i)
		fo := l.object(f, fp, "aggregate function")
		if fo == nil {
			continue
		}
		fn := &Function{Aggregate: ag}
		l.endpoint(fo, &fn.Endpoint, fp)
		if fn.Name == "" {
			l.errorf(fo.node, fp, "", "aggregate function is missing \"name\"")
		}
		fo.identifier("name", fn.Name)
		fn.InputParameters = l.toolParams(fo.list("inputParameters"), fo.sub("inputParameters"))
		if s := fo.raw("semantics"); s != nil {
			sp := fo.sub("semantics")
			if so := l.object(s, sp, "semantics"); so != nil {
				fn.Semantics = &Semantics{Loc: l.loc(so.node, sp), Safe: so.boolean("safe"), Idempotent: so.boolean("idempotent"), Cacheable: so.boolean("cacheable")}
				so.done()
			}
		}
		fo.done()
		ag.Functions = append(ag.Functions, fn)
	}
	if len(ag.Functions) == 0 {
		l.errorf(o.node, path, "", "aggregate %q has no \"functions\"", ag.Namespace)
	}
	o.done()
	return ag
}

// apikeyHeaders reads an apikey authentication written as a map of headers
// (`headers: {DD-API-KEY: …, DD-APPLICATION-KEY: …}`) as header parameters
// of the consumer; ok is false for any other authentication.
func (l *loader) apikeyHeaders(n *yaml.Node, path string) ([]*ConsumedParam, bool) {
	n = resolve(n)
	if n == nil || n.Kind != yaml.MappingNode {
		return nil, false
	}
	o := l.object(n, path, "authentication")
	hn := resolve(o.vals["headers"])
	if t := resolve(o.vals["type"]); t == nil || !strings.EqualFold(t.Value, "apikey") || hn == nil || hn.Kind != yaml.MappingNode {
		return nil, false
	}
	o.s("type")
	l.warnf(o.keyNodes["headers"], o.sub("headers"), "declare them as consumer inputParameters with `in: header`", "apikey \"headers\" are read as headers sent with every request")
	ho := l.object(o.raw("headers"), o.sub("headers"), "apikey headers")
	var out []*ConsumedParam
	for _, k := range ho.keys {
		v, ok := ho.str(k.Value)
		if !ok {
			continue
		}
		l.template(ho.vals[k.Value], ho.sub(k.Value), v)
		out = append(out, &ConsumedParam{Loc: l.loc(k, ho.sub(k.Value)), Name: k.Value, In: "header", Value: v, HasValue: true})
	}
	o.done()
	return out, true
}

// externalRefs reads the `externalRefs` of naftiko 0.4/0.5 — what alpha2
// calls binds: `keys` read from the environment, or from a file `uri`.
func (l *loader) externalRefs(o *obj) []*Bind {
	items := o.list("externalRefs")
	if len(items) == 0 {
		return nil
	}
	l.warnf(o.keyNodes["externalRefs"], "externalRefs", "write binds (namespace, keys)", "\"externalRefs\" is read as \"binds\"")
	var out []*Bind
	for i, n := range items {
		p := indexPath("externalRefs", i)
		ro := l.object(n, p, "external reference")
		if ro == nil {
			continue
		}
		b := &Bind{Loc: l.loc(ro.node, p)}
		b.Namespace = ro.s("name")
		b.Description = ro.s("description")
		b.Location = ro.s("uri")
		ro.s("type")
		ro.s("resolution")
		if k := ro.raw("keys"); k != nil {
			if ko := l.object(k, ro.sub("keys"), "external reference keys"); ko != nil {
				for _, kn := range ko.keys {
					if v, ok := ko.str(kn.Value); ok {
						b.Keys = append(b.Keys, &BindKey{Loc: l.loc(kn, ko.sub(kn.Value)), Variable: kn.Value, Source: v})
					}
				}
			}
		}
		ro.done()
		out = append(out, b)
	}
	return out
}

// versionClass says how a `naftiko:` version relates to the dialect read.
type versionClass int

const (
	versionCurrent versionClass = iota
	versionEarlier              // 0.2 … 1.0.0-alpha1: read with a warning
	versionLater                // 1.0.0-alpha3 and later: rejected
	versionUnknown
)

var alphaVersion = regexp.MustCompile(`^1\.0\.0-alpha(\d+)$`)

func versionKind(v string) versionClass {
	v = strings.TrimSpace(v)
	switch {
	case v == Dialect:
		return versionCurrent
	case strings.HasPrefix(v, "0."):
		return versionEarlier
	}
	if m := alphaVersion.FindStringSubmatch(v); m != nil {
		if m[1] == "1" {
			return versionEarlier
		}
		return versionLater
	}
	if strings.HasPrefix(v, "1.") || strings.HasPrefix(v, "2.") {
		return versionLater
	}
	return versionUnknown
}
