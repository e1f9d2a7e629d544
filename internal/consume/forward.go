package consume

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// ForwardRequest is a request that a REST `forward` passes through to a
// consumer unchanged but for its target: the method, the headers the
// capability trusts, and the body as the caller sent it.
type ForwardRequest struct {
	Method string
	// Path is below the consumer's base URI, escaped as on the wire
	// ("a/b%2Fc"). Segments "." and ".." are refused.
	Path string
	// RawQuery is the query string to send, already encoded ("" for none).
	RawQuery string
	// Header holds the headers to copy (the trusted ones, selected by the
	// caller). Authorization is replaced when the consumer has authentication.
	Header http.Header
	Body   []byte
}

// Forward sends r to the consumer: base URI + r.Path, the consumer-level
// header and query parameters and the consumer's authentication applied, and
// returns the upstream's answer for every HTTP status. Errors are those of
// Call; a path that tries to climb above the base URI is an *InputError.
func (c *Client) Forward(ctx context.Context, fr ForwardRequest) (*Response, error) {
	o := &operation{name: "forward", method: strings.ToUpper(fr.Method)}
	if !validHeaderName(o.method) {
		return nil, &InputError{Param: "method", Reason: fmt.Sprintf("%q is not an HTTP method", fr.Method)}
	}
	if c.baseErr != nil {
		return nil, &TransportError{Namespace: c.ns, Operation: o.name, Err: c.baseErr}
	}
	escPath, err := forwardPath(fr.Path)
	if err != nil {
		return nil, err
	}

	scope := make(map[string]any, len(c.vars))
	for k, v := range c.vars {
		scope[k] = v
	}
	r := &request{header: make(http.Header, len(fr.Header)+2)}
	for k, vs := range fr.Header {
		for _, v := range vs {
			r.header.Add(k, v)
		}
	}
	if r.header.Get("User-Agent") == "" {
		r.header.Set("User-Agent", c.userAgent)
	}
	if err := r.apply(c.params, scope, c.lookupEnv); err != nil {
		return nil, err
	}
	var ca callAuth
	if c.auth != nil {
		if ca, err = c.auth.apply(r, scope); err != nil {
			return nil, &ConfigError{Namespace: c.ns, Operation: o.name, Err: err}
		}
	}
	callSecrets := ca.secrets

	u := *c.base
	full := joinPath(c.base.EscapedPath(), escPath)
	if u.Path, err = url.PathUnescape(full); err != nil {
		return nil, &InputError{Param: "path", Reason: "invalid escape in the forwarded path"}
	}
	u.RawPath = full
	u.RawQuery = joinQuery(c.base.RawQuery, fr.RawQuery, strings.Join(r.query, "&"))

	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	if err := c.acquire(ctx, o, c.timeout); err != nil {
		return nil, err
	}
	defer c.release()
	var rd io.Reader
	if len(fr.Body) > 0 {
		rd = bytes.NewReader(fr.Body)
	}
	req, err := http.NewRequestWithContext(ctx, o.method, u.String(), rd)
	if err != nil {
		return nil, c.transportErr(o, &u, err, false, callSecrets)
	}
	req.Header = r.header
	c.inject(ctx, req.Header)
	for _, ck := range r.cookies {
		req.AddCookie(ck)
	}
	if r.hasBasic {
		req.SetBasicAuth(r.basicUser, r.basicPass)
	}
	// send adds digest and OAuth 2 credentials and retries, as for Call.
	resp, err := c.send(ctx, o, req, ca)
	if err != nil {
		return nil, c.sendErr(ctx, o, &u, err, callSecrets)
	}
	defer resp.Body.Close()
	if resp.ContentLength > c.maxBytes {
		return nil, c.tooLarge(o, &u)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, c.maxBytes+1))
	if err != nil {
		return nil, c.transportErr(o, &u, err, isTimeout(ctx, err), callSecrets)
	}
	if int64(len(data)) > c.maxBytes {
		return nil, c.tooLarge(o, &u)
	}
	return &Response{Status: resp.StatusCode, Header: resp.Header, Body: data}, nil
}

// forwardPath re-escapes each segment of p and refuses "." and "..", so a
// forwarded path never climbs above the consumer's base path.
func forwardPath(p string) (string, error) {
	if p == "" {
		return "", nil
	}
	segs := strings.Split(p, "/")
	for i, s := range segs {
		plain, err := url.PathUnescape(s)
		if err != nil {
			return "", &InputError{Param: "path", Reason: "invalid escape in the forwarded path"}
		}
		if plain == "." || plain == ".." {
			return "", &InputError{Param: "path", Reason: "the forwarded path must not contain \".\" or \"..\" segments"}
		}
		segs[i] = escapeSegment(plain)
	}
	return strings.Join(segs, "/"), nil
}
