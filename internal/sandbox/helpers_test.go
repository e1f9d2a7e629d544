package sandbox

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// testClock is an injected clock: expiry tests move it instead of sleeping.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// harness is one sandbox behind a loopback httptest server with its own state and clock.
type harness struct {
	t     *testing.T
	srv   *Server
	url   string
	clock *testClock
	auth  http.Header // sent with every request unless overridden
}

// newHarness starts a sandbox. Like Logto's integration tests it authenticates with the
// development-user-id header unless the test says otherwise.
func newHarness(t *testing.T, opts Options) *harness {
	t.Helper()
	clk := &testClock{t: time.UnixMilli(1_756_000_000_123)}
	if opts.Now == nil {
		opts.Now = clk.Now
	}
	srv := New(opts)
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	h := &harness{t: t, srv: srv, url: ts.URL, clock: clk, auth: http.Header{}}
	if opts.DevHeader {
		h.auth.Set("development-user-id", "integration-test-admin-user")
	}
	return h
}

func devHarness(t *testing.T) *harness { return newHarness(t, Options{DevHeader: true}) }

type response struct {
	status int
	header http.Header
	body   []byte
}

// code is the Logto error code of the response ("" if none).
func (r response) code() string {
	var e struct {
		Code string `json:"code"`
	}
	_ = json.Unmarshal(r.body, &e)
	return e.Code
}

func (r response) obj(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal(r.body, &m), string(r.body))
	return m
}

func (r response) list(t *testing.T) []map[string]any {
	t.Helper()
	var l []map[string]any
	require.NoError(t, json.Unmarshal(r.body, &l), string(r.body))
	return l
}

// rawBody marks a request body to send verbatim as application/json.
type rawBody string

// do sends a request. body: nil (none), rawBody (verbatim JSON) or a value to marshal.
func (h *harness) do(method, path string, body any, headers ...string) response {
	h.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case rawBody:
		rd = strings.NewReader(string(b))
	default:
		data, err := json.Marshal(b)
		require.NoError(h.t, err)
		rd = bytes.NewReader(data)
	}
	req, err := http.NewRequestWithContext(h.t.Context(), method, h.url+path, rd)
	require.NoError(h.t, err)
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range h.auth {
		req.Header[k] = v
	}
	for i := 0; i+1 < len(headers); i += 2 {
		if headers[i+1] == "" {
			req.Header.Del(headers[i])
			continue
		}
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	require.NoError(h.t, err)
	defer res.Body.Close()
	data, err := io.ReadAll(res.Body)
	require.NoError(h.t, err)
	return response{status: res.StatusCode, header: res.Header, body: data}
}

func (h *harness) nowMs() int64 { return h.clock.Now().UnixMilli() }

// created asserts a create call succeeded and returns the entity.
func (h *harness) created(r response, status int) map[string]any {
	h.t.Helper()
	require.Equal(h.t, status, r.status, string(r.body))
	return r.obj(h.t)
}

func (h *harness) org(name string) map[string]any {
	return h.created(h.do("POST", "/api/organizations", map[string]any{"name": name}), 201)
}

func (h *harness) role(name string) map[string]any {
	return h.created(h.do("POST", "/api/organization-roles", map[string]any{"name": name}), 201)
}

func (h *harness) user(email string) map[string]any {
	return h.created(h.do("POST", "/api/users", map[string]any{"primaryEmail": email}), 200)
}

func (h *harness) invite(body map[string]any) response {
	if _, ok := body["expiresAt"]; !ok {
		body["expiresAt"] = h.nowMs() + 1_000_000
	}
	return h.do("POST", "/api/organization-invitations", body)
}

func (h *harness) mustInvite(body map[string]any) map[string]any {
	return h.created(h.invite(body), 201)
}

// topKeys returns the keys of a JSON object in document order.
func topKeys(t *testing.T, data []byte) []string {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(data))
	tok, err := dec.Token()
	require.NoError(t, err)
	require.Equal(t, json.Delim('{'), tok)
	var keys []string
	for dec.More() {
		k, err := dec.Token()
		require.NoError(t, err)
		keys = append(keys, k.(string))
		var skip json.RawMessage
		require.NoError(t, dec.Decode(&skip))
	}
	return keys
}
