package engine

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"time"

	"github.com/naftiko-go/naftiko/internal/consume"
	"github.com/naftiko-go/naftiko/internal/expose"
	"github.com/naftiko-go/naftiko/internal/spec"
)

// Invoke runs one exposed endpoint: it resolves `with` against the caller's
// inputs (SPEC §7), calls the upstream operation with the resulting value
// pool (SPEC §5) and shapes the answer (SPEC §8). Upstream answers of any
// status are Results; engine failures are *expose.Error values.
func (e *Engine) Invoke(ctx context.Context, _ *spec.Expose, ep *spec.Endpoint, in expose.Inputs) (*expose.Result, error) {
	p := e.plans[ep]
	if p == nil {
		return nil, &expose.Error{Kind: expose.KindInternal, Detail: fmt.Sprintf("endpoint %q has no plan", ep.Name)}
	}
	start := time.Now()
	res, err := e.invoke(ctx, p, in)
	if err != nil {
		xe := toExposeError(p, err)
		e.log.LogAttrs(ctx, levelFor(xe), "call failed", attrEndpoint(p.name), attrKind(xe.Kind), attrDetail(xe.Detail), attrDuration(time.Since(start)))
		return nil, xe
	}
	e.log.LogAttrs(ctx, debugLevel, "call", attrEndpoint(p.name), attrStatus(res.Status), attrDuration(time.Since(start)))
	return res, nil
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
	for k, v := range p.with.Apply(in.Values, in.Body, in.HasBody, pool) {
		pool[k] = v
	}

	resp, err := p.client.Call(ctx, p.op, pool)
	if err != nil {
		return nil, err
	}
	return e.result(p, resp, pool)
}

// result turns an upstream response into what the adapters return: upstream
// errors and passthrough outputs unchanged, shaped outputs as compact JSON.
func (e *Engine) result(p *plan, resp *consume.Response, pool map[string]any) (*expose.Result, error) {
	ct := resp.Header.Get("Content-Type")
	res := &expose.Result{Status: resp.Status, ContentType: ct, Body: resp.Body}
	if len(resp.Body) == 0 {
		res.ContentType = ""
		return res, nil
	}
	isJSON := isJSONType(ct) || (ct == "" && json.Valid(resp.Body))
	if isJSON {
		doc, err := decodeJSON(resp.Body)
		if err != nil {
			if resp.Status >= 400 {
				return res, nil // an upstream error passes through as sent
			}
			return nil, &expose.Error{Kind: expose.KindUnreachable, Upstream: upstreamName(p),
				Detail: fmt.Sprintf("upstream %s answered HTTP %d with a body that is not valid JSON", upstreamName(p), resp.Status), Err: err}
		}
		res.Value, res.IsJSON = doc, true
	}
	if resp.Status >= 400 || p.shaper.Passthrough() || !res.IsJSON {
		return res, nil
	}
	shaped := p.shaper.Apply(res.Value, pool)
	if shaped == nil {
		return res, nil
	}
	body, err := json.Marshal(shaped)
	if err != nil {
		return nil, fmt.Errorf("encode shaped output: %w", err)
	}
	// Re-decode so that Value reflects exactly what Body holds (ordered
	// objects become plain maps).
	value, _ := decodeJSON(body)
	return &expose.Result{Status: resp.Status, ContentType: "application/json", Body: body, Value: value, IsJSON: true}, nil
}

func decodeJSON(b []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if dec.More() {
		return nil, errors.New("trailing data after JSON value")
	}
	return v, nil
}

func isJSONType(ct string) bool {
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		return false
	}
	return mt == "application/json" || (len(mt) > 5 && mt[len(mt)-5:] == "+json")
}

func upstreamName(p *plan) string {
	return p.op.Consumer.Namespace + "." + p.op.Name
}

// toExposeError maps consume's typed errors to the adapters' error kinds.
func toExposeError(p *plan, err error) *expose.Error {
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
		return &expose.Error{Kind: expose.KindInternal, Upstream: upstreamName(p), Detail: ce.Error(), Err: err}
	}
	var te *consume.TransportError
	if errors.As(err, &te) {
		kind := expose.KindUnreachable
		if te.Timeout {
			kind = expose.KindTimeout
		}
		return &expose.Error{Kind: kind, Upstream: upstreamName(p), Detail: te.Error(), Err: err}
	}
	if errors.Is(err, context.Canceled) {
		return &expose.Error{Kind: expose.KindUnreachable, Upstream: upstreamName(p), Detail: "the request was cancelled", Err: err}
	}
	return &expose.Error{Kind: expose.KindInternal, Detail: "internal error while calling " + upstreamName(p), Err: err}
}
