package auth

import (
	"bytes"
	"encoding/base64"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/naftiko-go/naftiko/internal/spec"
)

// seen is what the protected handler received.
type seen struct {
	mu       sync.Mutex
	requests []*http.Request
}

func (s *seen) handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.requests = append(s.requests, r)
		s.mu.Unlock()
		_, _ = io.WriteString(w, "ok")
	})
}

func (s *seen) last(t *testing.T) *http.Request {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	require.NotEmpty(t, s.requests, "the handler was not reached")
	return s.requests[len(s.requests)-1]
}

// syncBuffer is a log sink safe for concurrent handlers.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// guarded is a guarded test handler with its captured log.
type guarded struct {
	h    http.Handler
	seen *seen
	logs *syncBuffer
}

func newGuarded(t *testing.T, a *spec.Auth, opts Options) *guarded {
	t.Helper()
	g := &guarded{seen: &seen{}, logs: &syncBuffer{}}
	opts.Logger = slog.New(slog.NewTextHandler(g.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	opts.Adapter = "test"
	guard, err := New(a, opts)
	require.NoError(t, err)
	g.h = guard.Wrap(g.seen.handler())
	return g
}

// do sends a request built by prepare and returns the recorded answer.
func (g *guarded) do(target string, prepare func(*http.Request)) *httptest.ResponseRecorder {
	r := httptest.NewRequest(http.MethodGet, "http://127.0.0.1:8080"+target, nil)
	if prepare != nil {
		prepare(r)
	}
	w := httptest.NewRecorder()
	g.h.ServeHTTP(w, r)
	return w
}

func header(k, v string) func(*http.Request) {
	return func(r *http.Request) { r.Header.Set(k, v) }
}

func basic(user, pass string) func(*http.Request) {
	return header("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(user+":"+pass)))
}

// assertNoSecret checks that no secret reached the answer or the log.
func assertNoSecret(t *testing.T, w *httptest.ResponseRecorder, logs string, secrets ...string) {
	t.Helper()
	var hdr strings.Builder
	_ = w.Header().Write(&hdr)
	for _, s := range secrets {
		if s == "" {
			continue
		}
		assert.NotContains(t, w.Body.String(), s, "response body")
		assert.NotContains(t, hdr.String(), s, "response headers")
		assert.NotContains(t, logs, s, "log")
	}
}
