package rest

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/naftiko-go/naftiko/internal/expose"
	"github.com/naftiko-go/naftiko/internal/expose/exposetest"
	"github.com/naftiko-go/naftiko/internal/spec"
)

// fuzzMethods are the methods a fuzzed request picks from (by index).
var fuzzMethods = []string{
	http.MethodGet, http.MethodPost, http.MethodPut, http.MethodDelete, http.MethodPatch,
	http.MethodHead, http.MethodOptions, "PROPFIND", "get",
}

// echoInvoker answers 200 with the JSON of the inputs it received, and
// fails the test when they cannot be encoded (an input the adapter should
// never build).
type echoInvoker struct{ t *testing.T }

func (e echoInvoker) Invoke(_ context.Context, _ *spec.Expose, ep *spec.Endpoint, in expose.Inputs) (*expose.Result, error) {
	body, err := json.Marshal(map[string]any{"endpoint": ep.Name, "values": in.Values, "body": in.Body})
	if err != nil {
		e.t.Errorf("inputs of %s cannot be encoded: %v", ep.Name, err)
		return nil, &expose.Error{Kind: expose.KindInternal, Err: err}
	}
	return &expose.Result{Status: http.StatusOK, ContentType: "application/json", Body: body}, nil
}

// lockedBuffer is a log sink safe for concurrent writes.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// FuzzRequests sends random methods, paths, queries, headers and bodies to
// the seed's REST adapter and to one with declared inputs of every kind:
// the answer is always a 2xx (routed and extracted) or a 4xx problem, never
// a 5xx and never a panic. Seeds live in testdata/fuzz/FuzzRequests/.
func FuzzRequests(f *testing.F) {
	logs := &lockedBuffer{}
	log := slog.New(slog.NewTextHandler(logs, nil))
	var handlers []http.Handler
	inv := &echoInvoker{}
	doc, ds := spec.Load(exposetest.SeedFile)
	require.False(f, ds.HasErrors(), "seed diagnostics: %v", ds)
	var seed *spec.Expose
	for _, e := range doc.Capability.Exposes {
		if e.Rest != nil {
			seed = e
		}
	}
	require.NotNil(f, seed)
	for _, adapter := range []*spec.Expose{seed, declaredAdapter()} {
		h, err := New(adapter, inv, Options{Logger: log, MaxBodyBytes: 4 << 10})
		require.NoError(f, err)
		handlers = append(handlers, h)
	}

	f.Fuzz(func(t *testing.T, which, method uint8, path, query, contentType, header, body string) {
		inv.t = t
		target := "/" + strings.TrimPrefix(path, "/")
		if query != "" {
			target += "?" + query
		}
		u, err := url.ParseRequestURI(target)
		if err != nil || !validHeaderValue(contentType) || !validHeaderValue(header) {
			return // no HTTP server would hand this request to the handler
		}
		req := httptest.NewRequestWithContext(t.Context(), fuzzMethods[int(method)%len(fuzzMethods)], "/", strings.NewReader(body))
		req.URL, req.RequestURI = u, target
		if contentType != "" {
			req.Header.Set("Content-Type", contentType)
		}
		req.Header.Set("X-Tenant", header)
		req.AddCookie(&http.Cookie{Name: "session", Value: url.QueryEscape(header)})

		w := httptest.NewRecorder()
		handlers[int(which)%len(handlers)].ServeHTTP(w, req)

		status := w.Code
		assert.True(t, status >= 200 && status < 300 || status >= 400 && status < 500,
			"status %d for %s %s: %s", status, req.Method, target, w.Body.String())
		if status >= 400 {
			assert.Equal(t, expose.ProblemContentType, w.Header().Get("Content-Type"), "a %d is a problem document", status)
		}
		assert.NotContains(t, logs.String(), "panic")
	})
}

// validHeaderValue reports whether s can be sent as a header value.
func validHeaderValue(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < ' ' && c != '\t' || c == 0x7f {
			return false
		}
	}
	return true
}
