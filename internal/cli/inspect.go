package cli

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"strings"

	mcpx "github.com/naftiko-go/naftiko/internal/expose/mcp"
	"github.com/naftiko-go/naftiko/internal/spec"
)

// Report is what `naftiko inspect` tells about one capability file: what it
// serves, what each route or tool calls upstream, and what it needs from the
// environment. It is built from the file alone: no bind value, no base-URI
// placeholder value and no network are needed.
type Report struct {
	File        string        `json:"file"`
	Version     string        `json:"naftiko,omitempty"`
	Label       string        `json:"label,omitempty"`
	Errors      []string      `json:"errors,omitempty"`
	Needs       []Need        `json:"needs"`
	Consumers   []ConsumerRef `json:"consumers"`
	Routes      []Route       `json:"routes"`
	Tools       []ToolRef     `json:"tools"`
	Unsupported []string      `json:"notes,omitempty"`
}

// Need is one environment variable the file reads when served.
type Need struct {
	EnvVar string `json:"envVar"`
	// For is what it fills: "bind env.LOGTO_API_KEY" or
	// "base URI placeholder [tenant_id] of consumer logto".
	For string `json:"for"`
}

// ConsumerRef is one consumed upstream API.
type ConsumerRef struct {
	Namespace      string `json:"namespace"`
	BaseURI        string `json:"baseUri"`
	Authentication string `json:"authentication,omitempty"`
	Import         string `json:"import,omitempty"`
}

// Upstream is one upstream call an endpoint makes.
type Upstream struct {
	Call   string `json:"call"` // consumer.operation
	Method string `json:"method"`
	URL    string `json:"url"` // base URI + resource path, placeholders as written
}

// InputRef is one input of a route or tool, declared or inferred (SPEC §6).
type InputRef struct {
	Name        string `json:"name"`
	In          string `json:"in,omitempty"`
	Type        string `json:"type"`
	Required    bool   `json:"required"`
	Declared    bool   `json:"declared"`
	Description string `json:"description,omitempty"`
}

// Route is one REST route.
type Route struct {
	Adapter string     `json:"adapter"`
	Port    int        `json:"port,omitempty"`
	Method  string     `json:"method"`
	Path    string     `json:"path"`
	Inputs  []InputRef `json:"inputs"`
	Calls   []Upstream `json:"calls"`
}

// ToolRef is one MCP tool.
type ToolRef struct {
	Adapter     string          `json:"adapter"`
	Port        int             `json:"port,omitempty"`
	Name        string          `json:"name"`
	Description string          `json:"description,omitempty"`
	Hints       []string        `json:"hints,omitempty"`
	InputSchema json.RawMessage `json:"inputSchema"`
	Inputs      []InputRef      `json:"-"`
	Calls       []Upstream      `json:"calls"`
}

func (a *App) inspect(args []string) int {
	fs := flag.NewFlagSet("inspect", flag.ContinueOnError)
	fs.SetOutput(a.Stderr)
	format := fs.String("format", "text", "output `format`: text or json")
	fs.Usage = func() {
		fmt.Fprintln(a.Stderr, "Usage: naftiko inspect [--format text|json] FILE...\n\nShows the REST routes and MCP tools of each file, their inputs, the upstream call each makes,\nand the environment variables the file needs (no values needed); exits 1 on load errors.")
		fs.PrintDefaults()
	}
	if err := parseInterspersed(fs, args); err != nil {
		return flagExit(err)
	}
	if fs.NArg() == 0 || (*format != "text" && *format != "json") {
		fs.Usage()
		return exitUsage
	}
	code := exitOK
	var reports []*Report
	for _, f := range fs.Args() {
		doc, diags := spec.Load(f)
		r := Inspect(f, doc, diags)
		if len(r.Errors) > 0 {
			code = exitFailure
		}
		reports = append(reports, r)
	}
	if *format == "json" {
		enc := json.NewEncoder(a.Stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(reports); err != nil {
			fmt.Fprintf(a.Stderr, "naftiko: %v\n", err)
			return exitFailure
		}
		return code
	}
	for i, r := range reports {
		if i > 0 {
			fmt.Fprintln(a.Stdout)
		}
		r.WriteText(a.Stdout)
	}
	return code
}

// Inspect builds the report of one loaded file. Diagnostics with errors are
// listed; whatever loaded is still described.
func Inspect(file string, doc *spec.Document, diags spec.Diagnostics) *Report {
	r := &Report{File: file, Needs: []Need{}, Consumers: []ConsumerRef{}, Routes: []Route{}, Tools: []ToolRef{}}
	for _, d := range diags.Errors() {
		r.Errors = append(r.Errors, d.String())
	}
	if doc == nil {
		return r
	}
	r.Version = doc.Naftiko
	if doc.Info != nil {
		r.Label = doc.Info.Label
	}
	seen := map[string]bool{}
	need := func(env, what string) {
		if key := env + "\x00" + what; !seen[key] {
			seen[key] = true
			r.Needs = append(r.Needs, Need{EnvVar: env, For: what})
		}
	}
	binds := append([]*spec.Bind(nil), doc.Binds...)
	var consumers []*spec.Consumer
	if c := doc.Capability; c != nil {
		binds = append(binds, c.Binds...)
		consumers = c.Consumes
	} else {
		consumers = doc.Consumes
	}
	bindVars := map[string]bool{}
	for _, b := range binds {
		for _, k := range b.Keys {
			bindVars[k.Variable] = true
			name := k.Variable
			if b.Namespace != "" {
				name = b.Namespace + "." + k.Variable
			}
			if b.Location == "" {
				need(k.Source, "bind "+name)
			} else {
				r.Unsupported = append(r.Unsupported, fmt.Sprintf("bind %s reads key %q of %s", name, k.Source, b.Location))
			}
		}
	}
	for _, c := range consumers {
		ref := ConsumerRef{Namespace: c.Namespace, BaseURI: c.BaseURI}
		if c.Authentication != nil {
			ref.Authentication = c.Authentication.Type
		}
		if c.IsImport() {
			ref.Import = c.Location
		}
		r.Consumers = append(r.Consumers, ref)
		if strings.TrimSpace(c.BaseURI) == "" {
			r.Unsupported = append(r.Unsupported, fmt.Sprintf("consumer %s has no base URI: serve it with --base-uri %s=URL", c.Namespace, c.Namespace))
		}
		for _, p := range spec.BaseURIPlaceholders(c.BaseURI) {
			if p.Template && bindVars[p.Name[strings.LastIndexByte(p.Name, '.')+1:]] {
				continue // a bind, listed above
			}
			need(p.EnvVar, fmt.Sprintf("base URI placeholder %s of consumer %s (or --base-uri %s=URL)", p.Text, c.Namespace, c.Namespace))
		}
	}
	if doc.Capability == nil {
		return r
	}
	for _, x := range doc.Capability.Exposes {
		switch {
		case x.Rest != nil:
			for _, res := range x.Rest.Resources {
				for _, op := range res.Operations {
					r.Routes = append(r.Routes, Route{Adapter: x.Namespace, Port: x.Port, Method: op.Method, Path: res.Path,
						Inputs: inputRefs(spec.RestInputs(x, res, op)), Calls: upstreams(&op.Endpoint)})
				}
			}
		case x.MCP != nil:
			for _, t := range x.MCP.Tools {
				ins := spec.ToolInputs(x, t)
				schema, err := mcpx.InputSchema(ins)
				if err != nil {
					r.Unsupported = append(r.Unsupported, fmt.Sprintf("tool %s: input schema: %v", t.Name, err))
				}
				r.Tools = append(r.Tools, ToolRef{Adapter: x.Namespace, Port: x.Port, Name: t.Name, Description: t.Description,
					Hints: hints(t.Hints), Inputs: inputRefs(ins), InputSchema: schema, Calls: upstreams(&t.Endpoint)})
			}
		default:
			r.Unsupported = append(r.Unsupported, fmt.Sprintf("%s adapter %s is not described", x.Type, x.Namespace))
		}
	}
	return r
}

func inputRefs(ins []spec.Input) []InputRef {
	out := make([]InputRef, 0, len(ins))
	for _, in := range ins {
		out = append(out, InputRef{Name: in.Name, In: in.In, Type: in.Type, Required: in.Required, Declared: in.Declared, Description: in.Description})
	}
	return out
}

func hints(h *spec.Hints) []string {
	if h == nil {
		return nil
	}
	var out []string
	for _, x := range []struct {
		name string
		v    *bool
	}{{"readOnly", h.ReadOnly}, {"destructive", h.Destructive}, {"idempotent", h.Idempotent}, {"openWorld", h.OpenWorld}} {
		if x.v != nil {
			out = append(out, fmt.Sprintf("%s=%t", x.name, *x.v))
		}
	}
	return out
}

// upstreams lists the upstream calls of an endpoint: its call, its call
// steps, or those of the aggregate function it refers to.
func upstreams(ep *spec.Endpoint) []Upstream {
	out := []Upstream{}
	add := func(call string, op *spec.ConsumedOperation) {
		u := Upstream{Call: call}
		if op != nil {
			u.Method = op.Method
			if op.Resource != nil && op.Consumer != nil {
				u.URL = strings.TrimRight(op.Consumer.BaseURI, "/") + op.Resource.Path
			}
		}
		out = append(out, u)
	}
	if ep.Function != nil {
		ep = &ep.Function.Endpoint
	}
	if ep.Call != "" {
		add(ep.Call, ep.Target)
	}
	for _, s := range ep.Steps {
		if s.Type == "call" && s.Call != "" {
			add(s.Call, s.Target)
		}
	}
	return out
}

// WriteText writes the report for a human reader.
func (r *Report) WriteText(w io.Writer) {
	title := r.File
	if r.Version != "" {
		title += " (naftiko " + r.Version + ")"
	}
	fmt.Fprintln(w, title)
	if r.Label != "" {
		fmt.Fprintf(w, "  %s\n", r.Label)
	}
	for _, e := range r.Errors {
		fmt.Fprintf(w, "  error: %s\n", e)
	}
	fmt.Fprintln(w, "needs:")
	if len(r.Needs) == 0 {
		fmt.Fprintln(w, "  nothing from the environment")
	}
	for _, n := range r.Needs {
		fmt.Fprintf(w, "  %s  %s\n", n.EnvVar, n.For)
	}
	fmt.Fprintln(w, "consumes:")
	for _, c := range r.Consumers {
		line := fmt.Sprintf("  %s  %s", c.Namespace, orDash(c.BaseURI))
		if c.Authentication != "" {
			line += "  (" + c.Authentication + " authentication)"
		}
		if c.Import != "" {
			line += "  imported from " + c.Import
		}
		fmt.Fprintln(w, line)
	}
	if len(r.Routes) > 0 {
		fmt.Fprintln(w, "rest routes:")
	}
	for _, rt := range r.Routes {
		fmt.Fprintf(w, "  %s %s  [%s %s]\n", rt.Method, rt.Path, rt.Adapter, portText(rt.Port))
		writeCalls(w, rt.Calls)
		writeInputs(w, rt.Inputs)
	}
	if len(r.Tools) > 0 {
		fmt.Fprintln(w, "mcp tools:")
	}
	for _, t := range r.Tools {
		line := fmt.Sprintf("  %s  [%s %s]", t.Name, t.Adapter, portText(t.Port))
		if len(t.Hints) > 0 {
			line += "  " + strings.Join(t.Hints, " ")
		}
		fmt.Fprintln(w, line)
		writeCalls(w, t.Calls)
		writeInputs(w, t.Inputs)
	}
	for _, n := range r.Unsupported {
		fmt.Fprintf(w, "note: %s\n", n)
	}
}

func writeCalls(w io.Writer, calls []Upstream) {
	if len(calls) == 0 {
		fmt.Fprintln(w, "    calls nothing upstream")
	}
	for _, c := range calls {
		if c.Method == "" {
			fmt.Fprintf(w, "    calls %s (unresolved)\n", c.Call)
			continue
		}
		fmt.Fprintf(w, "    calls %s %s  (%s)\n", c.Method, c.URL, c.Call)
	}
}

func writeInputs(w io.Writer, ins []InputRef) {
	if len(ins) == 0 {
		fmt.Fprintln(w, "    no inputs")
	}
	for _, in := range ins {
		req := "optional"
		if in.Required {
			req = "required"
		}
		where := ""
		if in.In != "" {
			where = in.In + ", "
		}
		src := "inferred"
		if in.Declared {
			src = "declared"
		}
		line := fmt.Sprintf("    input %s: %s%s, %s, %s", in.Name, where, in.Type, req, src)
		if in.Description != "" {
			line += " — " + in.Description
		}
		fmt.Fprintln(w, line)
	}
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func portText(p int) string {
	if p == 0 {
		return "free port"
	}
	return fmt.Sprintf(":%d", p)
}
