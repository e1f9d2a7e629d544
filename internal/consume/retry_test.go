package consume

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/naftiko-go/naftiko/internal/spec"
)

// countingTransport counts round trips and fails the first `fail` of them
// with a connect error.
type countingTransport struct {
	n      atomic.Int32
	fail   int32
	base   http.RoundTripper
	onTrip func() // called on every round trip when set
}

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if c.onTrip != nil {
		c.onTrip()
	}
	if c.n.Add(1) <= c.fail {
		return nil, &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connection refused")}
	}
	return c.base.RoundTrip(r)
}

// flakyServer answers 503 to the first `failures` requests, then 200, and
// records every body.
type flakyServer struct {
	failures int
	mu       sync.Mutex
	bodies   []string
}

func (s *flakyServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	s.mu.Lock()
	s.bodies = append(s.bodies, string(b))
	n := len(s.bodies)
	s.mu.Unlock()
	if n <= s.failures {
		w.WriteHeader(http.StatusServiceUnavailable)
		return
	}
	_, _ = io.WriteString(w, `{}`)
}

func TestRetry(t *testing.T) {
	t.Parallel()
	fast := func(p RetryPolicy) *RetryPolicy {
		p.BaseDelay, p.MaxDelay = time.Millisecond, 2*time.Millisecond
		return &p
	}
	tests := []struct {
		name       string
		method     string
		idempotent bool
		policy     *RetryPolicy
		connFail   int32 // connect errors before the server is reached
		failures   int   // 503 answers from the server
		timeout    time.Duration
		wantTrips  int32
		wantStatus int // 0: an error
	}{
		{"default: GET retried once on connect error", "GET", false, nil, 1, 0, 0, 2, 200},
		{"default: second connect error is final", "GET", false, nil, 2, 0, 0, 2, 0},
		{"default: 503 not retried", "GET", false, nil, 0, 1, 0, 1, 503},
		{"default: POST never retried", "POST", false, nil, 1, 0, 0, 1, 0},
		{"PUT retried on connect error", "PUT", false, fast(RetryPolicy{Retries: 1}), 1, 0, 0, 2, 200},
		{"OnStatus: 503 retried twice", "GET", false, fast(RetryPolicy{Retries: 2, OnStatus: true}), 0, 2, 0, 3, 200},
		{"OnStatus: budget of 2 retries", "GET", false, fast(RetryPolicy{Retries: 9, OnStatus: true}), 0, 5, 0, 3, 503},
		{"OnStatus: POST not retried", "POST", false, fast(RetryPolicy{Retries: 2, OnStatus: true}), 0, 1, 0, 1, 503},
		{"OnStatus: idempotent POST retried", "POST", true, fast(RetryPolicy{Retries: 2, OnStatus: true}), 0, 1, 0, 2, 200},
		{"disabled", "GET", false, &RetryPolicy{}, 1, 0, 0, 1, 0},
		{"no room in the timeout", "GET", false, &RetryPolicy{Retries: 2, OnStatus: true, BaseDelay: time.Second, MaxDelay: time.Second},
			0, 1, 500 * time.Millisecond, 1, 503},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := &flakyServer{failures: tt.failures}
			ts := httptest.NewServer(srv)
			t.Cleanup(ts.Close)
			tr := &countingTransport{fail: tt.connFail, base: ts.Client().Transport}
			op := &spec.ConsumedOperation{Method: tt.method}
			if tt.method != "GET" {
				op.Body = &spec.RequestBody{Type: "json", Data: map[string]any{"n": 1}}
			}
			c := simpleConsumer(ts.URL, "/p", op)
			cl := newClient(t, c, Options{Retry: tt.policy, Timeout: tt.timeout, HTTPClient: &http.Client{Transport: tr}})
			ctx := t.Context()
			if tt.idempotent {
				ctx = WithIdempotent(ctx)
			}
			resp, err := cl.Call(ctx, op, nil)
			assert.Equal(t, tt.wantTrips, tr.n.Load(), "round trips")
			if tt.wantStatus == 0 {
				var te *TransportError
				require.ErrorAs(t, err, &te)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.wantStatus, resp.Status)
			srv.mu.Lock()
			defer srv.mu.Unlock()
			for _, b := range srv.bodies {
				if tt.method != "GET" {
					assert.Equal(t, `{"n":1}`, b, "the body is replayed whole")
				}
			}
		})
	}
}

func TestRetryStopsWhenCancelled(t *testing.T) {
	t.Parallel()
	tr := &countingTransport{fail: 100, base: http.DefaultTransport}
	c := simpleConsumer("http://127.0.0.1:1", "/p", &spec.ConsumedOperation{})
	cl := newClient(t, c, Options{Retry: &RetryPolicy{Retries: 2, BaseDelay: time.Hour, MaxDelay: time.Hour}, Timeout: 3 * time.Hour,
		HTTPClient: &http.Client{Transport: tr}})
	ctx, cancel := context.WithCancel(t.Context())
	tr.onTrip = cancel // cancelled while the first attempt fails: the wait must end at once
	_, err := cl.Call(ctx, c.Resources[0].Operations[0], nil)
	require.Error(t, err)
	assert.Equal(t, int32(1), tr.n.Load())
}

func TestRetryPolicyNormalize(t *testing.T) {
	t.Parallel()
	var nilPolicy *RetryPolicy
	assert.Equal(t, RetryPolicy{Retries: 1, BaseDelay: 100 * time.Millisecond, MaxDelay: time.Second}, nilPolicy.normalize())
	p := (&RetryPolicy{Retries: 7}).normalize()
	assert.Equal(t, MaxRetries, p.Retries)
	for n := range 3 {
		d := p.backoff(n)
		assert.GreaterOrEqual(t, d, min(p.BaseDelay<<n, p.MaxDelay)/2)
		assert.LessOrEqual(t, d, min(p.BaseDelay<<n, p.MaxDelay))
	}
}
