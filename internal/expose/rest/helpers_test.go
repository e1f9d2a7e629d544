package rest

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/naftiko-go/naftiko/internal/expose"
	"github.com/naftiko-go/naftiko/internal/expose/exposetest"
	"github.com/naftiko-go/naftiko/internal/spec"
)

// seedREST loads the seed and returns its REST adapter.
func seedREST(t *testing.T) *spec.Expose {
	t.Helper()
	return exposetest.SeedAdapter(t, "rest", func(e *spec.Expose) bool { return e.Rest != nil })
}

// jsonResult is an upstream JSON answer.
func jsonResult(status int, body string) *expose.Result {
	var v any
	if body != "" {
		v, _ = expose.DecodeJSON([]byte(body))
	}
	r := &expose.Result{Status: status, Body: []byte(body), Value: v, IsJSON: body != ""}
	if body != "" {
		r.ContentType = "application/json"
	}
	return r
}

// serve starts the adapter on a loopback httptest server.
func serve(t *testing.T, adapter *spec.Expose, inv expose.Invoker, opts Options) *httptest.Server {
	t.Helper()
	h, err := New(adapter, inv, opts)
	require.NoError(t, err)
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

// response is a read HTTP response.
type response struct {
	status int
	header http.Header
	body   string
}

// do sends one request; contentType "" sends none.
func do(t *testing.T, srv *httptest.Server, method, path, contentType, body string, header ...string) response {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(t.Context(), method, srv.URL+path, rd)
	require.NoError(t, err)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Add(header[i], header[i+1])
	}
	resp, err := srv.Client().Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return response{status: resp.StatusCode, header: resp.Header, body: string(b)}
}

// decodeProblem parses a problem document.
func decodeProblem(t *testing.T, r response) problem {
	t.Helper()
	require.Equal(t, expose.ProblemContentType, r.header.Get("Content-Type"), "body: %s", r.body)
	var p problem
	require.NoError(t, json.Unmarshal([]byte(r.body), &p), r.body)
	return p
}
