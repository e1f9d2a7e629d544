package engine

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/naftiko-go/naftiko/internal/consume"
	"github.com/naftiko-go/naftiko/internal/expose"
	"github.com/naftiko-go/naftiko/internal/spec"
)

// REST forward (reference §1.10): a resource with `forward` passes the
// requests its operations do not handle to the consumer `targetNamespace`:
// the rest of the URL captured by the resource's {path} variable below the
// consumer's base URI, the same method, the body as sent, only the
// `trustedHeaders` (case-insensitive), the consumer's header/query
// parameters and authentication. The upstream status, body and content type
// come back unchanged.
//
// Decisions beyond the reference engine (docs/COMPATIBILITY.md): the query
// string is forwarded too (a proxy that drops it is rarely what an author
// means); the caller's Authorization is sent only when listed in
// trustedHeaders (the reference reuses it whenever the consumer has no
// authentication); "." and ".." segments are refused (400) so a caller
// cannot climb above the base path.

// forwardPlan is a compiled `forward` of one REST resource.
type forwardPlan struct {
	name    string // "<consumer>.forward", for errors and logs
	client  *consume.Client
	trusted []string // canonical header names
}

func compileForward(r *spec.RestResource, clients map[string]*consume.Client) (*forwardPlan, error) {
	f := r.Forward
	cl := clients[f.TargetNamespace]
	if cl == nil {
		return nil, fmt.Errorf("forward of %s: %q is not a consumer namespace of this capability", r.Path, f.TargetNamespace)
	}
	fp := &forwardPlan{name: f.TargetNamespace + ".forward", client: cl}
	for _, h := range f.TrustedHeaders {
		fp.trusted = append(fp.trusted, http.CanonicalHeaderKey(h))
	}
	return fp, nil
}

// Forward passes r through the forward of resource res of adapter. path is
// the part of the URL that the resource's {path} variable captured, escaped
// as on the wire ("a/b%2Fc"). The REST adapter limits r.Body (an
// *http.MaxBytesError becomes a 413). Upstream answers of any status are
// Results; engine failures are *expose.Error values.
func (e *Engine) Forward(ctx context.Context, adapter *spec.Expose, res *spec.RestResource, path string, r *http.Request) (*expose.Result, error) {
	fp := e.forwards[res]
	if fp == nil {
		return nil, &expose.Error{Kind: expose.KindInternal, Detail: fmt.Sprintf("resource %s has no forward plan", res.Path)}
	}
	start := time.Now()
	name := adapter.Namespace + res.Path
	out, err := e.forward(ctx, fp, path, r)
	if err != nil {
		xe := toExposeError(fp.name, err)
		e.log.LogAttrs(ctx, levelFor(xe), "forward failed", attrEndpoint(name), attrKind(xe.Kind), attrDetail(xe.Detail), attrDuration(time.Since(start)))
		return nil, xe
	}
	e.log.LogAttrs(ctx, debugLevel, "forward", attrEndpoint(name), attrStatus(out.Status), attrDuration(time.Since(start)))
	return out, nil
}

func (e *Engine) forward(ctx context.Context, fp *forwardPlan, path string, r *http.Request) (*expose.Result, error) {
	var body []byte
	if r.Body != nil {
		var err error
		body, err = io.ReadAll(r.Body)
		if err != nil {
			var mbe *http.MaxBytesError
			if errors.As(err, &mbe) {
				return nil, &expose.Error{Kind: expose.KindTooLarge, Detail: fmt.Sprintf("the request body is larger than %d bytes", mbe.Limit)}
			}
			return nil, &expose.Error{Kind: expose.KindInput, Detail: "the request body could not be read", Err: err}
		}
	}
	header := make(http.Header, len(fp.trusted)+1)
	for _, h := range fp.trusted {
		if vs := r.Header.Values(h); len(vs) > 0 {
			header[h] = append([]string(nil), vs...)
		}
	}
	if ct := r.Header.Get("Content-Type"); len(body) > 0 && ct != "" {
		header.Set("Content-Type", ct) // the body is meaningless without it
	}
	resp, err := fp.client.Forward(ctx, consume.ForwardRequest{
		Method: r.Method, Path: path, RawQuery: r.URL.RawQuery, Header: header, Body: body,
	})
	if err != nil {
		return nil, err
	}
	out := &expose.Result{Status: resp.Status, ContentType: resp.Header.Get("Content-Type"), Body: resp.Body}
	if len(resp.Body) == 0 {
		out.ContentType = ""
		return out, nil
	}
	// Forwarded bodies pass through as sent: nothing reads Value, so the body
	// is not decoded.
	out.IsJSON = expose.IsJSONMediaType(out.ContentType)
	return out, nil
}

// Forward lets the REST adapter reach the engine's forward through the
// invoker it is given (rest.Forwarder).
func (o *observedInvoker) Forward(ctx context.Context, adapter *spec.Expose, res *spec.RestResource, path string, r *http.Request) (*expose.Result, error) {
	return o.e.Forward(ctx, adapter, res, path, r)
}
