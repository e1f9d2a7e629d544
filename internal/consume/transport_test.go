package consume

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/naftiko-go/naftiko/internal/secrettest"
	"github.com/naftiko-go/naftiko/internal/spec"
)

// blockingUpstream never answers until the test ends.
func blockingUpstream(t *testing.T) string {
	t.Helper()
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(release) }) // runs before srv.Close
	return srv.URL
}

// closedAddr returns the URL of a loopback port that nobody listens on.
func closedAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	require.NoError(t, l.Close())
	return "http://" + addr
}

// sizedUpstream answers with n bytes, with a Content-Length or chunked.
func sizedUpstream(t *testing.T, n int, chunked bool) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if chunked {
			w.WriteHeader(200)
			w.(http.Flusher).Flush() // headers out before the size is known
		}
		_, _ = io.WriteString(w, strings.Repeat("x", n))
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

func TestTransportErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		base     func(t *testing.T) string
		opts     Options
		timeout  bool
		tooLarge bool
		refused  bool
	}{
		{name: "timeout", base: blockingUpstream, opts: Options{Timeout: 50 * time.Millisecond}, timeout: true},
		{name: "unreachable", base: closedAddr, refused: true},
		{name: "too large with Content-Length", base: func(t *testing.T) string { return sizedUpstream(t, 11, false) }, opts: Options{MaxResponseBytes: 10}, tooLarge: true},
		{name: "too large chunked", base: func(t *testing.T) string { return sizedUpstream(t, 11, true) }, opts: Options{MaxResponseBytes: 10}, tooLarge: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := secretConsumer(tt.base(t))
			opts := tt.opts
			opts.Vars = logtoVars()
			cl := newClient(t, c, opts)
			resp, err := cl.Call(t.Context(), c.Resources[0].Operations[0], map[string]any{"id": "a/b", "password": secrettest.CallerPassword})
			require.Nil(t, resp)
			var te *TransportError
			require.ErrorAs(t, err, &te)
			assert.Equal(t, tt.timeout, te.Timeout)
			assert.Equal(t, tt.tooLarge, te.TooLarge)
			assert.Equal(t, "test-api", te.Namespace)
			assert.Equal(t, "op", te.Operation)
			assert.Equal(t, "GET", te.Method)
			if tt.timeout {
				assert.ErrorIs(t, err, context.DeadlineExceeded)
				assert.Contains(t, err.Error(), "timed out")
			}
			if tt.tooLarge {
				assert.ErrorIs(t, err, ErrResponseTooLarge)
				assert.Contains(t, err.Error(), "limit of 10 bytes")
			}
			if tt.refused {
				assert.ErrorIs(t, err, syscall.ECONNREFUSED)
			}
			assert.Contains(t, te.URL, "/items/a%2Fb?q=REDACTED&key=REDACTED")
			assertNoSecret(t, err)
		})
	}
}

func TestResponseAtLimit(t *testing.T) {
	t.Parallel()
	c := simpleConsumer(sizedUpstream(t, 10, true), "/p", &spec.ConsumedOperation{})
	cl := newClient(t, c, Options{MaxResponseBytes: 10})
	resp, err := call(t, cl, c, nil)
	require.NoError(t, err)
	assert.Len(t, resp.Body, 10)
}

func TestCallerCancel(t *testing.T) {
	t.Parallel()
	c := simpleConsumer(blockingUpstream(t), "/p", &spec.ConsumedOperation{})
	cl := newClient(t, c, Options{})
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err := cl.Call(ctx, c.Resources[0].Operations[0], nil)
	var te *TransportError
	require.ErrorAs(t, err, &te)
	assert.False(t, te.Timeout)
	assert.ErrorIs(t, err, context.Canceled)
}

// secretConsumer sends secrets in every place a request can carry them.
func secretConsumer(base string) *spec.Consumer {
	c := simpleConsumer(base, "/items/{id}", &spec.ConsumedOperation{InputParameters: []*spec.ConsumedParam{
		{Name: "q", In: "query", Value: "{{password}}", HasValue: true},
		{Name: "X-Token", In: "header", Value: "{{LOGTO_API_KEY}}", HasValue: true},
	}})
	c.Authentication = &spec.Auth{Type: "apikey", Key: "key", Value: "{{env.LOGTO_API_KEY}}", Placement: "query"}
	return c
}

func assertNoSecret(t *testing.T, err error) {
	t.Helper()
	for e := err; e != nil; e = errors.Unwrap(e) {
		secrettest.AssertNone(t, "an error text", e.Error())
	}
}

// TestSecretsNeverInErrors goes through every error Call can return with
// secrets in the scope.
func TestSecretsNeverInErrors(t *testing.T) {
	t.Parallel()
	bearer := func(c *spec.Consumer) *spec.Consumer {
		c.Authentication = &spec.Auth{Type: "bearer", Token: "{{env.LOGTO_API_KEY}}{{missing}}"}
		return c
	}
	tests := []struct {
		name   string
		c      *spec.Consumer
		vars   map[string]any
		params map[string]any
	}{
		{"input error", secretConsumer("http://127.0.0.1:1"), logtoVars(), map[string]any{"password": secrettest.CallerPassword}},
		{"header with control character", simpleConsumer("http://127.0.0.1:1", "/p", &spec.ConsumedOperation{InputParameters: []*spec.ConsumedParam{
			{Name: "X-Token", In: "header", Value: "{{password}}\n", HasValue: true}}}), logtoVars(), map[string]any{"password": secrettest.CallerPassword}},
		{"empty credential", bearer(simpleConsumer("http://127.0.0.1:1", "/p", &spec.ConsumedOperation{})), map[string]any{"env": map[string]any{}}, map[string]any{"password": secrettest.CallerPassword}},
		{"unreachable with the secret in the path", simpleConsumer(closedAddr(t), "/x/{{LOGTO_API_KEY}}", &spec.ConsumedOperation{}), logtoVars(), nil},
		{"unreachable with the secret in the base path", simpleConsumer(closedAddr(t)+"/{{env.LOGTO_API_KEY}}", "/x", &spec.ConsumedOperation{}), logtoVars(), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cl := newClient(t, tt.c, Options{Vars: tt.vars, Timeout: 5 * time.Second})
			_, err := call(t, cl, tt.c, tt.params)
			require.Error(t, err)
			assertNoSecret(t, err)
		})
	}
}
