package engine

import (
	"context"
	"errors"
	"net/url"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"github.com/naftiko-go/naftiko/internal/consume"
	"github.com/naftiko-go/naftiko/internal/expose"
	"github.com/naftiko-go/naftiko/internal/expose/control"
	"github.com/naftiko-go/naftiko/internal/spec"
)

// observedInvoker is the Invoker an adapter receives: the engine's Invoke in
// a span, reported to the engine's observer (the control adapter's metrics)
// when there is one. Wrapping here keeps metrics and traces out of the
// invocation logic.
type observedInvoker struct {
	e   *Engine
	typ string                     // adapter type: rest, mcp
	eps map[*spec.Endpoint]epNames // per endpoint
}

// epNames name an endpoint in metrics, spans and the access log.
type epNames struct {
	op     string // metrics: "METHOD /path", the tool name or the resource URI
	route  string // REST: the resource path pattern
	method string // REST: the HTTP method
	tool   string // MCP: the tool name
	uri    string // MCP: the resource URI

	// The invocation span's name and start options, computed once for the
	// adapter x (invokerFor).
	x        *spec.Expose
	span     string
	spanOpts []trace.SpanStartOption
}

// withSpan returns n with its span name and options for adapter x of type typ.
func (n epNames) withSpan(x *spec.Expose, typ string) epNames {
	n.x = x
	n.span, n.spanOpts = invocationSpan(x, typ, n)
	return n
}

// Invoke runs the endpoint in a span and reports its outcome.
func (o *observedInvoker) Invoke(ctx context.Context, x *spec.Expose, ep *spec.Endpoint, in expose.Inputs) (*expose.Result, error) {
	n := o.eps[ep]
	if n.op == "" {
		n.op = ep.Name
	}
	if n.x != x || n.spanOpts == nil {
		n = n.withSpan(x, o.typ)
	}
	ctx, span := o.e.tracer.Start(ctx, n.span, n.spanOpts...)
	defer span.End()
	if info := requestInfoFrom(ctx); info != nil {
		info.set(n.route, n.tool+n.uri, span.SpanContext())
	}
	start := time.Now()
	res, err := o.e.Invoke(ctx, x, ep, in)
	inv := expose.Invocation{AdapterType: o.typ, Adapter: x.Namespace, Operation: n.op, Duration: time.Since(start)}
	recording := span.IsRecording()
	switch {
	case err != nil:
		inv.Err = expose.AsError(err)
		inv.Status = expose.StatusOf(inv.Err.Kind)
		if recording {
			span.SetStatus(codes.Error, inv.Err.Kind.String())
			span.SetAttributes(attribute.String("error.type", inv.Err.Kind.String()))
		}
	case res != nil:
		inv.Status = res.Status
		if recording {
			if o.typ == "rest" {
				span.SetAttributes(attribute.Int("http.response.status_code", res.Status))
			}
			if res.Status >= 500 {
				span.SetStatus(codes.Error, "")
			}
		}
	}
	if obs := o.e.observer; obs != nil {
		obs.ObserveInvocation(ctx, inv)
	}
	return res, err
}

// invocationSpan is the name and the start options of the server span of
// one invocation, named and attributed as the HTTP and MCP semantic
// conventions say.
func invocationSpan(x *spec.Expose, typ string, n epNames) (string, []trace.SpanStartOption) {
	attrs := []attribute.KeyValue{attribute.String("naftiko.adapter", x.Namespace), attribute.String("naftiko.adapter.type", typ)}
	name := n.op
	switch {
	case n.method != "":
		name = n.method + " " + n.route
		attrs = append(attrs, attribute.String("http.request.method", n.method), attribute.String("http.route", n.route))
	case n.tool != "":
		name = "tools/call " + n.tool
		attrs = append(attrs, attribute.String("mcp.method.name", "tools/call"), attribute.String("gen_ai.tool.name", n.tool))
	case n.uri != "":
		name = "resources/read " + n.uri
		attrs = append(attrs, attribute.String("mcp.method.name", "resources/read"), attribute.String("mcp.resource.uri", n.uri))
	}
	return name, []trace.SpanStartOption{trace.WithSpanKind(trace.SpanKindServer), trace.WithAttributes(attrs...)}
}

// upstreamSpan is the name and start options of the client span of calls
// to one consumed operation, computed once per operation.
type upstreamSpan struct {
	name string
	opts []trace.SpanStartOption
}

func (e *Engine) upstreamSpanOf(op *spec.ConsumedOperation) *upstreamSpan {
	if v, ok := e.upSpans.Load(op); ok {
		return v.(*upstreamSpan)
	}
	s := &upstreamSpan{name: op.Method + " " + opName(op), opts: []trace.SpanStartOption{trace.WithSpanKind(trace.SpanKindClient),
		trace.WithAttributes(attribute.String("http.request.method", op.Method), attribute.String("naftiko.consumer", op.Consumer.Namespace),
			attribute.String("naftiko.consumer.operation", op.Name))}}
	v, _ := e.upSpans.LoadOrStore(op, s)
	return v.(*upstreamSpan)
}

// callUpstream is the one place where the engine calls a consumed operation,
// so that every upstream call has its client span (whose context consume
// sends as traceparent) and the observer sees it with its latency.
func (e *Engine) callUpstream(ctx context.Context, c *consume.Client, op *spec.ConsumedOperation, pool map[string]any) (*consume.Response, error) {
	us := e.upstreamSpanOf(op)
	ctx, span := e.tracer.Start(ctx, us.name, us.opts...)
	defer span.End()
	recording := span.IsRecording()
	start := time.Now()
	resp, err := c.Call(ctx, op, pool)
	call := expose.UpstreamCall{Namespace: op.Consumer.Namespace, Operation: op.Name, Method: op.Method, Duration: time.Since(start)}
	if resp != nil {
		call.Status = resp.Status
		if recording {
			span.SetAttributes(attribute.Int("http.response.status_code", resp.Status))
			if resp.Status >= 400 {
				span.SetStatus(codes.Error, "")
			}
		}
	}
	if err != nil {
		var te *consume.TransportError
		if !errors.As(err, &te) {
			// Input and configuration errors happen before anything is sent:
			// not an upstream call.
			span.SetStatus(codes.Error, "not sent")
			return resp, err
		}
		call.Err = &expose.Error{Kind: expose.KindUnreachable}
		if te.Timeout {
			call.Err.Kind = expose.KindTimeout
		}
		if recording {
			span.SetStatus(codes.Error, call.Err.Kind.String())
			span.SetAttributes(attribute.String("error.type", call.Err.Kind.String()))
		}
	}
	if obs := e.observer; obs != nil {
		obs.ObserveUpstream(ctx, call)
	}
	return resp, err
}

// adapterState is what the control adapter reports about an adapter, kept
// up to date by Listen and Serve.
type adapterState struct {
	started atomic.Bool
	bound   atomic.Pointer[string]
}

// adapterStates returns the state of every adapter, for the control adapters.
func (e *Engine) adapterStates() []control.AdapterState {
	out := make([]control.AdapterState, 0, len(e.adapters))
	for _, a := range e.adapters {
		s := control.AdapterState{Type: a.spec.Type, Namespace: a.spec.Namespace, Address: a.addr, State: control.StateStopped}
		if b := a.state.bound.Load(); b != nil {
			s.Address = *b
		}
		if a.stdio {
			s.Address = "stdio"
		} else if _, port, ok := splitPort(s.Address); ok {
			s.Port = port
		}
		if a.state.started.Load() {
			s.State = control.StateStarted
		}
		counts(a.spec, &s)
		out = append(out, s)
	}
	return out
}

// counts fills what an adapter serves.
func counts(x *spec.Expose, s *control.AdapterState) {
	switch {
	case x.Rest != nil:
		for _, r := range x.Rest.Resources {
			s.Routes += len(r.Operations)
		}
	case x.MCP != nil:
		s.Tools, s.Resources, s.Prompts = len(x.MCP.Tools), len(x.MCP.Resources), len(x.MCP.Prompts)
	case x.Skill != nil:
		s.Skills = len(x.Skill.Skills)
	}
}

// upstreams lists the consumers of doc with their base URI as written (or
// as --base-uri replaced it), without user-info: never a resolved secret.
func (e *Engine) upstreams(doc *spec.Document) []control.Upstream {
	var out []control.Upstream
	if doc == nil || doc.Capability == nil {
		return out
	}
	for _, c := range doc.Capability.Consumes {
		base := c.BaseURI
		if o, ok := e.opts.BaseURIs[c.Namespace]; ok {
			base = o
		}
		if u, err := url.Parse(base); err == nil && u.User != nil {
			u.User = nil
			base = u.String()
		}
		out = append(out, control.Upstream{Namespace: c.Namespace, BaseURI: base})
	}
	return out
}
