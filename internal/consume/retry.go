package consume

import (
	"context"
	"errors"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"syscall"
	"time"
)

// MaxRetries is the most retries a RetryPolicy may ask for: a failing
// upstream must not be hammered, and every call has a timeout to respect.
const MaxRetries = 2

// RetryPolicy says which failed upstream calls are sent again. Only
// idempotent calls are ever retried: GET, HEAD, OPTIONS, PUT and DELETE, and
// any other method (POST) when the call's context was marked with
// WithIdempotent. Retries wait with exponential backoff and jitter, and stop
// when the next attempt would not fit in the call's timeout.
type RetryPolicy struct {
	// Retries is the number of attempts after the first, at most
	// MaxRetries. 0 disables retries.
	Retries int
	// OnStatus also retries answers 502, 503 and 504. Without it only
	// connect errors are retried: the request never reached the upstream.
	OnStatus bool
	// BaseDelay is the backoff unit: retry n waits between BaseDelay·2ⁿ/2
	// and BaseDelay·2ⁿ. Default 100ms.
	BaseDelay time.Duration
	// MaxDelay caps one wait. Default 1s.
	MaxDelay time.Duration
}

// DefaultRetry is the policy of a Client whose Options.Retry is nil: one
// retry of an idempotent call whose connection could not be established.
// It is safe for every upstream, as nothing was sent.
var DefaultRetry = RetryPolicy{Retries: 1}

// normalize returns the effective policy: DefaultRetry for nil, Retries
// clamped to [0, MaxRetries], default delays filled in.
func (p *RetryPolicy) normalize() RetryPolicy {
	r := DefaultRetry
	if p != nil {
		r = *p
	}
	r.Retries = min(max(r.Retries, 0), MaxRetries)
	if r.BaseDelay <= 0 {
		r.BaseDelay = 100 * time.Millisecond
	}
	if r.MaxDelay <= 0 {
		r.MaxDelay = time.Second
	}
	return r
}

// backoff is the wait before retry n (0-based): "equal jitter", so that
// concurrent callers spread out yet always back off.
func (p RetryPolicy) backoff(n int) time.Duration {
	d := min(p.BaseDelay<<n, p.MaxDelay)
	half := d / 2
	return half + rand.N(half+1)
}

type idempotentKey struct{}

// WithIdempotent marks the calls made with ctx as idempotent, so that a
// RetryPolicy may retry them whatever their method (a POST whose endpoint's
// hints say idempotent).
func WithIdempotent(ctx context.Context) context.Context {
	return context.WithValue(ctx, idempotentKey{}, true)
}

func idempotent(ctx context.Context, method string) bool {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodPut, http.MethodDelete:
		return true
	}
	marked, _ := ctx.Value(idempotentKey{}).(bool)
	return marked
}

// send sends req, adding the credentials that need a round trip (digest,
// OAuth 2), and retries it as the client's policy allows. The request body
// is replayed from req.GetBody for every attempt.
func (c *Client) send(ctx context.Context, o *operation, req *http.Request, ca callAuth) (*http.Response, error) {
	retries := 0
	if idempotent(ctx, o.method) {
		retries = c.retry.Retries
	}
	// The first attempt sends req itself; later ones (retries, a digest
	// challenge's answer) send copies with a fresh body. Authentication
	// sets its header on every request it sends, so a header the first
	// attempt left on req is always replaced.
	sent := false
	newReq := func() (*http.Request, error) {
		if !sent {
			sent = true
			return req, nil
		}
		return replay(req)
	}
	for n := 0; ; n++ {
		resp, err := c.attempt(ctx, newReq, ca)
		if n >= retries || !c.retryable(ctx, resp, err) {
			return resp, err
		}
		delay := c.retry.backoff(n)
		if deadline, ok := ctx.Deadline(); ok && time.Until(deadline) < 2*delay {
			return resp, err // no room left for another attempt
		}
		if resp != nil {
			discard(resp)
		}
		t := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, ctx.Err()
		case <-t.C:
		}
	}
}

// attempt sends one request with the authentication that needs a round trip.
func (c *Client) attempt(ctx context.Context, newReq func() (*http.Request, error), ca callAuth) (*http.Response, error) {
	switch {
	case c.auth != nil && c.auth.oauth != nil:
		return c.auth.oauth.do(ctx, c.http, c.timeout, newReq)
	case c.auth != nil && c.auth.digest != nil:
		return c.auth.digest.do(c.http, newReq, ca.digestUser, ca.digestPass)
	}
	r, err := newReq()
	if err != nil {
		return nil, err
	}
	return c.http.Do(r)
}

func (c *Client) retryable(ctx context.Context, resp *http.Response, err error) bool {
	if ctx.Err() != nil {
		return false
	}
	if err != nil {
		return isConnectError(err)
	}
	switch resp.StatusCode {
	case http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return c.retry.OnStatus
	}
	return false
}

// isConnectError reports whether err happened while connecting, before any
// byte of the request was sent.
func isConnectError(err error) bool {
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return true
	}
	return errors.Is(err, syscall.ECONNREFUSED)
}

// replay returns a copy of req with a fresh body.
func replay(req *http.Request) (*http.Request, error) {
	r := req.Clone(req.Context())
	if req.GetBody != nil {
		b, err := req.GetBody()
		if err != nil {
			return nil, err
		}
		r.Body = b
	}
	return r, nil
}

// discard drains a little of a response that will not be used, so that its
// connection can be reused, and closes it.
func discard(resp *http.Response) {
	_, _ = io.CopyN(io.Discard, resp.Body, 64<<10)
	_ = resp.Body.Close()
}

// credentialError is a configuration problem found while sending (a client
// credential that renders empty): Call reports it as a *ConfigError.
type credentialError struct{ err error }

func (e *credentialError) Error() string { return e.err.Error() }
func (e *credentialError) Unwrap() error { return e.err }

// sendErr types an error of send: configuration problems become
// *ConfigError, the rest *TransportError without any secret.
func (c *Client) sendErr(ctx context.Context, o *operation, u *url.URL, err error, callSecrets []string) error {
	var ce *credentialError
	if errors.As(err, &ce) {
		return &ConfigError{Namespace: c.ns, Operation: o.name, Err: ce.err}
	}
	return c.transportErr(o, u, err, isTimeout(ctx, err), callSecrets)
}
