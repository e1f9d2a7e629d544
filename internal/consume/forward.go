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
	ca, err := c.authorize(o, r, scope)
	if err != nil {
		return nil, err
	}

	u := *c.base
	full := joinPath(c.base.EscapedPath(), escPath)
	if u.Path, err = url.PathUnescape(full); err != nil {
		return nil, &InputError{Param: "path", Reason: "invalid escape in the forwarded path"}
	}
	u.RawPath = full
	u.RawQuery = joinQuery(c.base.RawQuery, fr.RawQuery, strings.Join(r.query, "&"))

	var rd io.Reader
	if len(fr.Body) > 0 {
		rd = bytes.NewReader(fr.Body)
	}
	// exchange adds digest and OAuth 2 credentials and retries, as for Call.
	return c.exchange(ctx, o, &u, c.timeout, rd, r, ca)
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
