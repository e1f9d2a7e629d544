package engine

import (
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/naftiko-go/naftiko/internal/expose"
	"github.com/naftiko-go/naftiko/internal/expose/control"
	"github.com/naftiko-go/naftiko/internal/expose/skill"
	"github.com/naftiko-go/naftiko/internal/openapi"
	"github.com/naftiko-go/naftiko/internal/spec"
)

// This file builds the adapters other than the REST and MCP handlers
// themselves: the observed invoker they call, the live OpenAPI document of
// REST adapters, skill and control adapters, and the stdio transport rule.

// invokerFor is the Invoker the adapter x calls: the engine, observed, with
// each endpoint's operation id for metrics ("METHOD /path" for REST, the
// tool name or resource URI for MCP).
func (e *Engine) invokerFor(x *spec.Expose) expose.Invoker {
	o := &observedInvoker{e: e, typ: x.Type, eps: map[*spec.Endpoint]epNames{}}
	switch {
	case x.Rest != nil:
		for _, r := range x.Rest.Resources {
			for _, op := range r.Operations {
				method := strings.ToUpper(op.Method)
				o.eps[&op.Endpoint] = epNames{op: op.Method + " " + r.Path, route: r.Path, method: method}.withSpan(x, x.Type)
			}
		}
	case x.MCP != nil:
		for _, t := range x.MCP.Tools {
			o.eps[&t.Endpoint] = epNames{op: t.Name, tool: t.Name}.withSpan(x, x.Type)
		}
		for _, r := range x.MCP.Resources {
			o.eps[&r.Endpoint] = epNames{op: r.URI, uri: r.URI}.withSpan(x, x.Type)
		}
	}
	return o
}

// withOpenAPI serves the REST adapter's OpenAPI document at GET
// /openapi.json in front of h, unless the adapter declares that path itself:
// then the declared route wins, with a warning.
func (e *Engine) withOpenAPI(x *spec.Expose, h http.Handler) (http.Handler, spec.Diagnostics) {
	var diags spec.Diagnostics
	if openapi.Declares(x) {
		diags.Warnf(x.Loc, "rename the resource to get the generated document back",
			"adapter %q declares %s itself: the declared route wins over the generated OpenAPI document", x.Namespace, openapi.LivePath)
	}
	mounted, err := openapi.Mount(h, e.doc, x)
	if err != nil {
		diags.Errorf(x.Loc, "", "adapter %q: openapi: %v", x.Namespace, err)
		return h, diags
	}
	return mounted, diags
}

// buildSkill validates the skill adapter x against its siblings (the
// reference engine's start-up rules) and builds its handler.
func (e *Engine) buildSkill(x *spec.Expose) (http.Handler, spec.Diagnostics) {
	var diags spec.Diagnostics
	var siblings []*spec.Expose
	if e.doc != nil && e.doc.Capability != nil {
		siblings = e.doc.Capability.Exposes
	}
	for _, p := range skill.Check(x, siblings) {
		if p.Warning {
			diags.Warnf(p.Loc, "", "%s", p.Message)
		} else {
			diags.Errorf(p.Loc, "", "%s", p.Message)
		}
	}
	if diags.HasErrors() {
		return nil, diags
	}
	h, err := skill.New(x, siblings, skill.Options{Logger: e.opts.Logger})
	if err != nil {
		diags.Errorf(x.Loc, "", "adapter %q: %v", x.Namespace, err)
	}
	return h, diags
}

// buildControl builds a control adapter. The first one that enables
// /metrics takes the engine's metrics registry (Options.Metrics, else a new
// one), which every adapter's invocations and every upstream call then feed.
func (e *Engine) buildControl(x *spec.Expose) (http.Handler, spec.Diagnostics) {
	var diags spec.Diagnostics
	en := control.EndpointsOf(x)
	if en.Metrics && e.metrics == nil {
		e.metrics = e.opts.Metrics
		if e.metrics == nil {
			e.metrics = control.NewMetrics()
		}
		e.observer = e.metrics
	}
	if o := x.Control.Observability; o != nil {
		if p := strings.ToLower(o.TracesPropagate); p != "" && p != "tracecontext" && p != "w3c" {
			diags.Warnf(o.Loc, "use tracecontext", "trace propagation %q is not supported: W3C trace context (traceparent) is propagated instead; OTLP export is unaffected", o.TracesPropagate)
		}
		if u, err := url.Parse(o.OTLPEndpoint); err == nil && u.Port() == "4317" {
			diags.Warnf(o.Loc, "use the collector's OTLP/HTTP port (usually 4318)", "OTLP export uses HTTP with JSON; port 4317 is usually OTLP over gRPC")
		}
	}
	opts := control.Options{
		Logger:    e.opts.Logger,
		Version:   e.opts.Version,
		Adapters:  e.adapterStates,
		Upstreams: e.upstreams(e.doc),
	}
	if en.Metrics {
		opts.Metrics = e.metrics
	}
	if en.Traces {
		opts.Traces = e.opts.Traces
	}
	h, err := control.New(x, e.doc, opts)
	if err != nil {
		diags.Errorf(x.Loc, "", "control adapter: %v", err)
	}
	return h, diags
}

// checkStdio refuses a second stdio adapter: the process has one stdin.
func (e *Engine) checkStdio(x *spec.Expose) spec.Diagnostics {
	var diags spec.Diagnostics
	for _, a := range e.adapters {
		if a.stdio {
			diags.Errorf(x.Loc, "serve the other one over http (transport: http and a port)",
				"adapter %q: only one MCP adapter can use transport stdio (adapter %q already does): the process has one stdin", x.Namespace, a.spec.Namespace)
		}
	}
	return diags
}

// isStdio reports whether x is an MCP adapter on the stdio transport.
func isStdio(x *spec.Expose) bool { return x.MCP != nil && x.MCP.Transport == "stdio" }

// splitPort returns the host and numeric port of a host:port address.
func splitPort(addr string) (string, int, bool) {
	host, p, err := net.SplitHostPort(addr)
	if err != nil {
		return "", 0, false
	}
	n, err := strconv.Atoi(p)
	return host, n, err == nil
}
