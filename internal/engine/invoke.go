package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/naftiko-go/naftiko/internal/consume"
	"github.com/naftiko-go/naftiko/internal/consume/formats"
	"github.com/naftiko-go/naftiko/internal/expose"
	"github.com/naftiko-go/naftiko/internal/expr"
	"github.com/naftiko-go/naftiko/internal/spec"
)

// Invoke runs one exposed endpoint: it resolves `with` against the caller's
// inputs (SPEC §7), then runs what the endpoint declares — one upstream call
// with the resulting value pool (SPEC §5) shaped as SPEC §8 says, mock
// values, steps and mappings, or an aggregate function. Upstream answers of
// any status are Results; engine failures are *expose.Error values.
func (e *Engine) Invoke(ctx context.Context, _ *spec.Expose, ep *spec.Endpoint, in expose.Inputs) (*expose.Result, error) {
	p := e.plans[ep]
	if p == nil {
		return nil, &expose.Error{Kind: expose.KindInternal, Detail: fmt.Sprintf("endpoint %q has no plan", ep.Name)}
	}
	start := time.Now()
	res, err := e.invoke(ctx, p, in)
	if err != nil {
		xe := toExposeError(p.name, err)
		e.log.LogAttrs(ctx, levelFor(xe), "call failed", attrEndpoint(p.name), attrKind(xe.Kind), attrDetail(xe.Detail), attrDuration(time.Since(start)))
		return nil, xe
	}
	if e.log.Enabled(ctx, debugLevel) {
		e.log.LogAttrs(ctx, debugLevel, "call", attrEndpoint(p.name), attrStatus(res.Status), attrDuration(time.Since(start)))
	}
	return res, nil
}

// call is the state of one invocation shared by everything it runs.
type call struct {
	e    *Engine
	p    *plan
	in   expose.Inputs
	rest bool
}

func (e *Engine) invoke(ctx context.Context, p *plan, in expose.Inputs) (*expose.Result, error) {
	pool := make(map[string]any, len(in.Values)+4)
	for k, v := range in.Values {
		pool[k] = v
	}
	// An implicit JSON body is visible as "body" unless an input has that
	// name (SPEC §6, §7).
	if _, named := pool["body"]; in.HasBody && !named {
		pool["body"] = in.Body
	}
	// Templates may also name inputs through the adapter's prefixes
	// ({{tools.prompt}}, {{rest.id}}), as corpus files do.
	for _, prefix := range p.prefixes {
		if _, taken := pool[prefix]; !taken {
			pool[prefix] = in.Values
		}
	}
	if p.hasWith {
		for k, v := range p.with.Apply(in.Values, in.Body, in.HasBody, pool) {
			pool[k] = v
		}
	}
	c := &call{e: e, p: p, in: in, rest: p.rest}
	return c.run(ctx, &p.body, pool, nil)
}

// run runs b against pool. fallback shapes a call's raw upstream answer
// when b has no shaping of its own: a ref'd function's call is shaped by the
// tool's or operation's outputParameters (reference §1.9).
func (c *call) run(ctx context.Context, b *body, pool map[string]any, fallback *expr.Shaper) (*expose.Result, error) {
	switch b.mode {
	case modeMock:
		return c.mockResult(b.mock, pool)
	case modeSteps:
		return c.orchestrate(ctx, b, pool)
	case modeRef:
		return c.function(ctx, b.fn, pool, b.shaper)
	}
	resp, err := c.e.callUpstream(ctx, b.client, b.op, pool) // observed: metrics
	if err != nil {
		return nil, toExposeError(opName(b.op), err)
	}
	shaper := b.shaper
	if fallback != nil && shaper.Passthrough() {
		shaper = fallback
	}
	return result(b.op, shaper, resp, pool)
}

// result turns an upstream response into what the adapters return: upstream
// errors and passthrough outputs unchanged, shaped outputs as compact JSON.
// A body in another outputRawFormat (xml, csv, …) is converted to JSON when
// outputs shape it, and otherwise passes through as sent (reference §4).
func result(op *spec.ConsumedOperation, shaper *expr.Shaper, resp *consume.Response, pool map[string]any) (*expose.Result, error) {
	upstream := opName(op)
	ct := resp.Header.Get("Content-Type")
	res := &expose.Result{Status: resp.Status, ContentType: ct, Body: resp.Body}
	if len(resp.Body) == 0 {
		res.ContentType = ""
		return res, nil
	}
	shapes := resp.Status < 400 && shaper != nil && !shaper.Passthrough()
	if !isJSONFormat(op) {
		if !shapes {
			return res, nil
		}
		doc, err := formats.Convert(op.OutputRawFormat, op.OutputSchema, resp.Body)
		if err != nil {
			return nil, &expose.Error{Kind: expose.KindUnreachable, Upstream: upstream,
				Detail: fmt.Sprintf("upstream %s answered HTTP %d with a body that is not valid %s", upstream, resp.Status, op.OutputRawFormat), Err: err}
		}
		if shaped := shaper.Apply(doc, pool); shaped != nil {
			return jsonResult(resp.Status, shaped)
		}
		return res, nil
	}
	isJSON := expose.IsJSONMediaType(ct) || (ct == "" && json.Valid(resp.Body))
	if isJSON && (resp.Status >= 400 || shaper == nil || shaper.Passthrough()) {
		// Passed through as sent: check the bytes but build no tree nobody
		// reads (the MCP adapter hands them to mcp-go as raw structuredContent).
		if json.Valid(resp.Body) {
			res.IsJSON = true
		} else if resp.Status < 400 {
			return nil, &expose.Error{Kind: expose.KindUnreachable, Upstream: upstream,
				Detail: fmt.Sprintf("upstream %s answered HTTP %d with a body that is not valid JSON", upstream, resp.Status)}
		}
		return res, nil
	}
	if isJSON {
		doc, err := expose.DecodeJSON(resp.Body)
		if err != nil {
			if resp.Status >= 400 {
				return res, nil // an upstream error passes through as sent
			}
			return nil, &expose.Error{Kind: expose.KindUnreachable, Upstream: upstream,
				Detail: fmt.Sprintf("upstream %s answered HTTP %d with a body that is not valid JSON", upstream, resp.Status), Err: err}
		}
		res.Value, res.IsJSON = doc, true
	}
	if !shapes || !res.IsJSON {
		return res, nil
	}
	shaped := shaper.Apply(res.Value, pool)
	if shaped == nil {
		return res, nil
	}
	return jsonResult(resp.Status, shaped)
}

// isJSONFormat reports whether op answers JSON (the default format).
func isJSONFormat(op *spec.ConsumedOperation) bool {
	f := op.OutputRawFormat
	return f == "" || strings.EqualFold(f, "json")
}

// jsonResult encodes v as the compact JSON answer of an engine-built result.
func jsonResult(status int, v any) (*expose.Result, error) {
	body, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("encode result: %w", err)
	}
	// Re-decode so that Value reflects exactly what Body holds (ordered
	// objects become plain maps).
	value, _ := expose.DecodeJSON(body)
	return &expose.Result{Status: status, ContentType: "application/json", Body: body, Value: value, IsJSON: true}, nil
}

// opName names a consumed operation as a call does: "<consumer>.<operation>".
func opName(op *spec.ConsumedOperation) string {
	if op == nil {
		return ""
	}
	if op.Consumer == nil {
		return op.Name
	}
	return op.Consumer.Namespace + "." + op.Name
}

// toExposeError maps consume's typed errors to the adapters' error kinds;
// upstream names the operation (or, failing that, the endpoint) involved.
func toExposeError(upstream string, err error) *expose.Error {
	var xe *expose.Error
	if errors.As(err, &xe) {
		return xe
	}
	var ie *consume.InputError
	if errors.As(err, &ie) {
		return &expose.Error{Kind: expose.KindInput, Param: ie.Param, Detail: ie.Error(), Err: err}
	}
	var ce *consume.ConfigError
	if errors.As(err, &ce) {
		return &expose.Error{Kind: expose.KindInternal, Upstream: upstream, Detail: ce.Error(), Err: err}
	}
	var te *consume.TransportError
	if errors.As(err, &te) {
		kind := expose.KindUnreachable
		if te.Timeout {
			kind = expose.KindTimeout
		}
		return &expose.Error{Kind: kind, Upstream: upstream, Detail: te.Error(), Err: err}
	}
	if errors.Is(err, context.Canceled) {
		return &expose.Error{Kind: expose.KindUnreachable, Upstream: upstream, Detail: "the request was cancelled", Err: err}
	}
	return &expose.Error{Kind: expose.KindInternal, Detail: "internal error while calling " + upstream, Err: err}
}
