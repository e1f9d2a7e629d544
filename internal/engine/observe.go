package engine

import (
	"context"
	"errors"
	"net/url"
	"sync/atomic"
	"time"

	"github.com/naftiko-go/naftiko/internal/consume"
	"github.com/naftiko-go/naftiko/internal/expose"
	"github.com/naftiko-go/naftiko/internal/expose/control"
	"github.com/naftiko-go/naftiko/internal/spec"
)

// observedInvoker is the Invoker an adapter receives: the engine's Invoke,
// reported to the engine's observer (the control adapter's metrics) when
// there is one. Wrapping here keeps metrics out of the invocation logic.
type observedInvoker struct {
	e   *Engine
	typ string                    // adapter type: rest, mcp
	ops map[*spec.Endpoint]string // operation id per endpoint
}

// Invoke runs the endpoint and reports its outcome.
func (o *observedInvoker) Invoke(ctx context.Context, x *spec.Expose, ep *spec.Endpoint, in expose.Inputs) (*expose.Result, error) {
	obs := o.e.observer
	if obs == nil {
		return o.e.Invoke(ctx, x, ep, in)
	}
	start := time.Now()
	res, err := o.e.Invoke(ctx, x, ep, in)
	inv := expose.Invocation{AdapterType: o.typ, Adapter: x.Namespace, Operation: o.ops[ep], Duration: time.Since(start)}
	if inv.Operation == "" {
		inv.Operation = ep.Name
	}
	switch {
	case err != nil:
		inv.Err = expose.AsError(err)
		inv.Status = expose.StatusOf(inv.Err.Kind)
	case res != nil:
		inv.Status = res.Status
	}
	obs.ObserveInvocation(ctx, inv)
	return res, err
}

// callUpstream is the one place where the engine calls a consumed operation,
// so that the observer sees every upstream call with its latency.
func (e *Engine) callUpstream(ctx context.Context, c *consume.Client, op *spec.ConsumedOperation, pool map[string]any) (*consume.Response, error) {
	obs := e.observer
	if obs == nil {
		return c.Call(ctx, op, pool)
	}
	start := time.Now()
	resp, err := c.Call(ctx, op, pool)
	call := expose.UpstreamCall{Namespace: op.Consumer.Namespace, Operation: op.Name, Method: op.Method, Duration: time.Since(start)}
	if resp != nil {
		call.Status = resp.Status
	}
	if err != nil {
		var te *consume.TransportError
		if !errors.As(err, &te) {
			// Input and configuration errors happen before anything is sent:
			// not an upstream call.
			return resp, err
		}
		call.Err = &expose.Error{Kind: expose.KindUnreachable}
		if te.Timeout {
			call.Err.Kind = expose.KindTimeout
		}
	}
	obs.ObserveUpstream(ctx, call)
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
