package engine_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/mcp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/naftiko-go/naftiko/internal/engine"
	"github.com/naftiko-go/naftiko/internal/secrettest"
	"github.com/naftiko-go/naftiko/internal/spec"
)

const (
	seedFile    = "../../capabilities/logto-organization-invitations.yaml"
	consumerNS  = "logto-organization-invitations"
	restNS      = "logto-organization-invitations-rest"
	mcpNS       = "logto-organization-invitations-mcp"
	testSecret  = secrettest.LogtoAPIKey
	wantBearer  = "Bearer " + testSecret
	problemType = "application/problem+json"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m,
		// The default HTTP transport keeps idle keep-alive connections.
		goleak.IgnoreTopFunction("internal/poll.runtime_pollWait"),
		goleak.IgnoreTopFunction("net/http.(*persistConn).writeLoop"),
		goleak.IgnoreTopFunction("net/http.(*persistConn).readLoop"),
	)
}

// syncBuffer is a bytes.Buffer safe for the concurrent writes of a logger.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// served is the seed capability running in-process in front of an upstream.
type served struct {
	rest string // http://host:port of the REST adapter
	mcp  string // http://host:port/mcp
	logs *syncBuffer
}

func serveSeed(t *testing.T, upstream string, mutate func(*engine.Options)) *served {
	t.Helper()
	doc, diags := spec.Load(seedFile)
	require.False(t, diags.HasErrors(), "seed diagnostics:\n%s", diags.Error())

	logs := &syncBuffer{}
	opts := engine.Options{
		BaseURIs: map[string]string{consumerNS: upstream},
		Ports:    map[string]int{restNS: 0, mcpNS: 0},
		LookupEnv: func(k string) (string, bool) {
			if k == "LOGTO_API_KEY" {
				return testSecret, true
			}
			return "", false
		},
		Logger:        slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		ShutdownGrace: 5 * time.Second,
	}
	if mutate != nil {
		mutate(&opts)
	}
	eng, diags := engine.Build([]*spec.Document{doc}, opts)
	require.False(t, diags.HasErrors(), "build diagnostics:\n%s", diags.Error())

	running, err := eng.Listen()
	require.NoError(t, err)
	s := &served{logs: logs}
	for _, l := range running.Listeners() {
		switch l.Adapter {
		case restNS:
			s.rest = "http://" + l.Addr
		case mcpNS:
			s.mcp = "http://" + l.Addr + "/mcp"
		}
	}
	require.NotEmpty(t, s.rest)
	require.NotEmpty(t, s.mcp)

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- running.Serve(ctx) }()
	t.Cleanup(func() {
		cancel()
		assert.NoError(t, <-done)
		assertNoSecret(t, "logs", logs.String())
	})
	return s
}

// assertNoSecret fails the test when text holds any secret the tests use
// (secrettest.All). do and callTool apply it to every answer, and the
// serving helpers to every log line when the test ends.
func assertNoSecret(t *testing.T, where, text string) {
	t.Helper()
	secrettest.AssertNone(t, where, text)
}

type httpReply struct {
	status int
	header http.Header
	body   string
}

func do(t *testing.T, method, u, body string) httpReply {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(t.Context(), method, u, rd)
	require.NoError(t, err)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	assertNoSecret(t, "the answer to "+method+" "+u, string(b))
	return httpReply{status: resp.StatusCode, header: resp.Header, body: string(b)}
}

// TestRESTSendsExactUpstreamRequests checks each of the six operations of the
// seed: the request Logto receives and the answer the caller gets back.
func TestRESTSendsExactUpstreamRequests(t *testing.T) {
	up := newFakeLogto(t)
	s := serveSeed(t, up.URL, nil)
	const createBody = `{"invitee":"foo@example.com","organizationId":"p0a8s7d6f5g4h3j2k1l0z","expiresAt":1756001000000,"organizationRoleIds":["r1"]}`

	tests := []struct {
		name       string
		method     string
		path       string // below the REST adapter
		body       string
		wantMethod string
		wantPath   string
		wantQuery  url.Values
		wantBody   string // JSON; "" means no body
		wantStatus int
		wantResp   string // exact bytes; "" means empty
	}{
		{name: "list without filters", method: "GET", path: "/v1/api/organization-invitations",
			wantMethod: "GET", wantPath: "/api/organization-invitations", wantQuery: url.Values{},
			wantStatus: 200, wantResp: "[" + logtoEntity + "]"},
		{name: "list sends only the filters given", method: "GET", path: "/v1/api/organization-invitations?organizationId=org1&invitee=Foo%40example.com",
			wantMethod: "GET", wantPath: "/api/organization-invitations",
			wantQuery:  url.Values{"organizationId": {"org1"}, "invitee": {"Foo@example.com"}},
			wantStatus: 200, wantResp: "[" + logtoEntity + "]"},
		{name: "create", method: "POST", path: "/v1/api/organization-invitations", body: createBody,
			wantMethod: "POST", wantPath: "/api/organization-invitations", wantQuery: url.Values{}, wantBody: createBody,
			wantStatus: 201, wantResp: logtoEntity},
		{name: "create rejected by Logto validation", method: "POST", path: "/v1/api/organization-invitations", body: `{"invitee":"invalid"}`,
			wantMethod: "POST", wantPath: "/api/organization-invitations", wantQuery: url.Values{}, wantBody: `{"invitee":"invalid"}`,
			wantStatus: 400, wantResp: logtoGuardError},
		{name: "create duplicate pending invitation", method: "POST", path: "/v1/api/organization-invitations", body: `{"invitee":"dup@example.com"}`,
			wantMethod: "POST", wantPath: "/api/organization-invitations", wantQuery: url.Values{}, wantBody: `{"invitee":"dup@example.com"}`,
			wantStatus: 422, wantResp: logtoUnique},
		{name: "get", method: "GET", path: "/v1/api/organization-invitations/" + knownID,
			wantMethod: "GET", wantPath: "/api/organization-invitations/" + knownID, wantQuery: url.Values{},
			wantStatus: 200, wantResp: logtoEntity},
		{name: "get unknown id", method: "GET", path: "/v1/api/organization-invitations/nope",
			wantMethod: "GET", wantPath: "/api/organization-invitations/nope", wantQuery: url.Values{},
			wantStatus: 404, wantResp: logtoNotFound},
		{name: "delete", method: "DELETE", path: "/v1/api/organization-invitations/" + knownID,
			wantMethod: "DELETE", wantPath: "/api/organization-invitations/" + knownID, wantQuery: url.Values{},
			wantStatus: 204},
		{name: "resend message", method: "POST", path: "/v1/api/organization-invitations/" + knownID + "/message", body: `{"link":"https://example.com/accept"}`,
			wantMethod: "POST", wantPath: "/api/organization-invitations/" + knownID + "/message", wantQuery: url.Values{}, wantBody: `{"link":"https://example.com/accept"}`,
			wantStatus: 204},
		{name: "update status", method: "PUT", path: "/v1/api/organization-invitations/" + knownID + "/status", body: `{"status":"Revoked"}`,
			wantMethod: "PUT", wantPath: "/api/organization-invitations/" + knownID + "/status", wantQuery: url.Values{}, wantBody: `{"status":"Revoked"}`,
			wantStatus: 200, wantResp: strings.Replace(logtoEntity, `"status":"Pending"`, `"status":"Revoked"`, 1)},
		{name: "id with a slash stays one segment", method: "GET", path: "/v1/api/organization-invitations/a%2Fb",
			wantMethod: "GET", wantPath: "/api/organization-invitations/a%2Fb", wantQuery: url.Values{},
			wantStatus: 404, wantResp: logtoNotFound},
		{name: "id that tries to climb stays one segment", method: "GET", path: "/v1/api/organization-invitations/..%2Fusers",
			wantMethod: "GET", wantPath: "/api/organization-invitations/..%2Fusers", wantQuery: url.Values{},
			wantStatus: 404, wantResp: logtoNotFound},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before := len(up.requests())
			got := do(t, tc.method, s.rest+tc.path, tc.body)

			reqs := up.requests()
			require.Len(t, reqs, before+1, "exactly one upstream request")
			r := reqs[len(reqs)-1]
			assert.Equal(t, tc.wantMethod, r.Method)
			assert.Equal(t, tc.wantPath, r.EscapedPath)
			q, err := url.ParseQuery(r.RawQuery)
			require.NoError(t, err)
			assert.Equal(t, tc.wantQuery, q)
			assert.Equal(t, wantBearer, r.Authorization)
			if tc.wantBody == "" {
				assert.Empty(t, r.Body)
			} else {
				assert.JSONEq(t, tc.wantBody, r.Body)
				assert.Contains(t, r.ContentType, "application/json")
			}

			assert.Equal(t, tc.wantStatus, got.status)
			assert.Equal(t, tc.wantResp, got.body)
			if tc.wantResp != "" {
				assert.Contains(t, got.header.Get("Content-Type"), "application/json")
			}
			assertNoSecret(t, "the response", got.body)
		})
	}
}

func mcpClient(t *testing.T, u string) *client.Client {
	t.Helper()
	c, err := client.NewStreamableHttpClient(u)
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })
	ctx := t.Context()
	require.NoError(t, c.Start(ctx))
	init := mcp.InitializeRequest{}
	init.Params.ProtocolVersion = mcp.LATEST_PROTOCOL_VERSION
	init.Params.ClientInfo = mcp.Implementation{Name: "engine-test", Version: "0"}
	_, err = c.Initialize(ctx, init)
	require.NoError(t, err)
	return c
}

func callTool(t *testing.T, c *client.Client, name string, args map[string]any) *mcp.CallToolResult {
	t.Helper()
	req := mcp.CallToolRequest{}
	req.Params.Name = name
	req.Params.Arguments = args
	res, err := c.CallTool(t.Context(), req)
	require.NoError(t, err)
	wire, err := json.Marshal(res)
	require.NoError(t, err)
	assertNoSecret(t, "the result of tool "+name, string(wire))
	return res
}

func resultText(t *testing.T, res *mcp.CallToolResult) string {
	t.Helper()
	require.NotEmpty(t, res.Content)
	tc, ok := mcp.AsTextContent(res.Content[0])
	require.True(t, ok, "first content item is text")
	return tc.Text
}

// TestMCPToolsListSchemas checks the tools of the seed as an agent sees them.
func TestMCPToolsListSchemas(t *testing.T) {
	up := newFakeLogto(t)
	s := serveSeed(t, up.URL, nil)
	c := mcpClient(t, s.mcp)
	list, err := c.ListTools(t.Context(), mcp.ListToolsRequest{})
	require.NoError(t, err)

	type hints struct{ ro, de, id bool }
	want := []struct {
		name, desc string
		props      map[string]string // name → JSON type
		required   []string
		hints      hints
	}{
		{"get-organization-invitations", "Get organization invitations",
			map[string]string{"organizationId": "string", "inviterId": "string", "invitee": "string"}, nil, hints{true, false, true}},
		{"create-organization-invitation", "Create organization invitation",
			map[string]string{"body": "object"}, []string{"body"}, hints{false, false, false}},
		{"get-organization-invitation", "Get organization invitation",
			map[string]string{"id": "string"}, []string{"id"}, hints{true, false, true}},
		{"delete-organization-invitation", "Delete organization invitation",
			map[string]string{"id": "string"}, []string{"id"}, hints{false, true, true}},
		{"resend-invitation-message", "Resend invitation message",
			map[string]string{"id": "string", "body": "object"}, []string{"id", "body"}, hints{false, false, false}},
		{"update-organization-invitation-status", "Update organization invitation status",
			map[string]string{"id": "string", "body": "object"}, []string{"id", "body"}, hints{false, false, true}},
	}
	require.Len(t, list.Tools, len(want))
	for i, w := range want {
		tool := list.Tools[i]
		t.Run(w.name, func(t *testing.T) {
			assert.Equal(t, w.name, tool.Name)
			assert.Equal(t, w.desc, tool.Description)

			raw, err := json.Marshal(tool)
			require.NoError(t, err)
			var wire struct {
				InputSchema struct {
					Type       string `json:"type"`
					Properties map[string]struct {
						Type string `json:"type"`
					} `json:"properties"`
					Required []string `json:"required"`
				} `json:"inputSchema"`
				Annotations map[string]any `json:"annotations"`
			}
			require.NoError(t, json.Unmarshal(raw, &wire))
			assert.Equal(t, "object", wire.InputSchema.Type)
			gotProps := map[string]string{}
			for k, v := range wire.InputSchema.Properties {
				gotProps[k] = v.Type
			}
			assert.Equal(t, w.props, gotProps)
			assert.ElementsMatch(t, w.required, wire.InputSchema.Required)
			assert.Equal(t, w.hints.ro, wire.Annotations["readOnlyHint"], "readOnlyHint")
			assert.Equal(t, w.hints.de, wire.Annotations["destructiveHint"], "destructiveHint")
			assert.Equal(t, w.hints.id, wire.Annotations["idempotentHint"], "idempotentHint")
			assert.Contains(t, wire.Annotations, "openWorldHint", "all four hints are set explicitly")
		})
	}
}

// TestMCPToolsCallSendSameUpstreamRequests checks that tools send what the
// REST routes send, and the results of SPEC §10.
func TestMCPToolsCallSendSameUpstreamRequests(t *testing.T) {
	up := newFakeLogto(t)
	s := serveSeed(t, up.URL, nil)
	c := mcpClient(t, s.mcp)

	t.Run("list with one filter", func(t *testing.T) {
		res := callTool(t, c, "get-organization-invitations", map[string]any{"organizationId": "org1"})
		r := up.last(t)
		assert.Equal(t, "GET", r.Method)
		assert.Equal(t, "/api/organization-invitations", r.EscapedPath)
		assert.Equal(t, "organizationId=org1", r.RawQuery)
		assert.Equal(t, wantBearer, r.Authorization)
		assert.False(t, res.IsError)
		assert.JSONEq(t, "["+logtoEntity+"]", resultText(t, res))
		assert.Nil(t, res.StructuredContent, "an array result has no structuredContent")
	})
	t.Run("create", func(t *testing.T) {
		body := map[string]any{"invitee": "foo@example.com", "organizationId": "o1", "expiresAt": 1756001000000}
		res := callTool(t, c, "create-organization-invitation", map[string]any{"body": body})
		r := up.last(t)
		assert.Equal(t, "POST", r.Method)
		assert.Equal(t, "/api/organization-invitations", r.EscapedPath)
		assert.JSONEq(t, `{"invitee":"foo@example.com","organizationId":"o1","expiresAt":1756001000000}`, r.Body)
		assert.False(t, res.IsError)
		assert.JSONEq(t, logtoEntity, resultText(t, res))
		require.NotNil(t, res.StructuredContent, "an object result has structuredContent")
		sc, err := json.Marshal(res.StructuredContent)
		require.NoError(t, err)
		assert.JSONEq(t, logtoEntity, string(sc))
	})
	t.Run("get unknown id is an isError result with Logto's body", func(t *testing.T) {
		res := callTool(t, c, "get-organization-invitation", map[string]any{"id": "nope"})
		assert.Equal(t, "/api/organization-invitations/nope", up.last(t).EscapedPath)
		assert.True(t, res.IsError)
		text := resultText(t, res)
		assert.Contains(t, text, "404")
		assert.Contains(t, text, "entity.not_found")
	})
	t.Run("delete answers 204 as a success", func(t *testing.T) {
		res := callTool(t, c, "delete-organization-invitation", map[string]any{"id": knownID})
		r := up.last(t)
		assert.Equal(t, "DELETE", r.Method)
		assert.Equal(t, "/api/organization-invitations/"+knownID, r.EscapedPath)
		assert.False(t, res.IsError)
	})
	t.Run("resend and status put id in the path and the body as the body", func(t *testing.T) {
		res := callTool(t, c, "resend-invitation-message", map[string]any{"id": knownID, "body": map[string]any{"link": "https://example.com/a"}})
		r := up.last(t)
		assert.Equal(t, "/api/organization-invitations/"+knownID+"/message", r.EscapedPath)
		assert.JSONEq(t, `{"link":"https://example.com/a"}`, r.Body)
		assert.False(t, res.IsError)

		res = callTool(t, c, "update-organization-invitation-status", map[string]any{"id": knownID, "body": map[string]any{"status": "Revoked"}})
		r = up.last(t)
		assert.Equal(t, "PUT", r.Method)
		assert.Equal(t, "/api/organization-invitations/"+knownID+"/status", r.EscapedPath)
		assert.JSONEq(t, `{"status":"Revoked"}`, r.Body)
		assert.False(t, res.IsError)
	})
	for _, id := range []struct{ id, wire string }{{"../users", "..%2Fusers"}, {"a/b", "a%2Fb"}, {"..", "%2E%2E"}} {
		t.Run("id "+id.id+" stays one escaped segment", func(t *testing.T) {
			callTool(t, c, "get-organization-invitation", map[string]any{"id": id.id})
			assert.Equal(t, "/api/organization-invitations/"+id.wire, up.last(t).EscapedPath)
		})
	}
	t.Run("missing required argument names it and calls nothing", func(t *testing.T) {
		before := len(up.requests())
		res := callTool(t, c, "get-organization-invitation", map[string]any{})
		assert.True(t, res.IsError)
		assert.Contains(t, resultText(t, res), `"id"`)
		assert.Len(t, up.requests(), before)
	})
	t.Run("wrong argument type names it", func(t *testing.T) {
		res := callTool(t, c, "create-organization-invitation", map[string]any{"body": "not an object"})
		assert.True(t, res.IsError)
		assert.Contains(t, resultText(t, res), `"body"`)
	})
}

// TestUpstreamFailures checks the engine-made answers of SPEC §9 and §10 when
// the upstream cannot be reached or is too slow.
func TestUpstreamFailures(t *testing.T) {
	t.Run("unreachable", func(t *testing.T) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		dead := "http://" + ln.Addr().String()
		require.NoError(t, ln.Close())
		s := serveSeed(t, dead, nil)

		got := do(t, "GET", s.rest+"/v1/api/organization-invitations/x", "")
		assert.Equal(t, http.StatusBadGateway, got.status)
		assert.Equal(t, problemType, got.header.Get("Content-Type"))
		assert.Contains(t, got.body, consumerNS)
		assertNoSecret(t, "the problem body", got.body)

		res := callTool(t, mcpClient(t, s.mcp), "get-organization-invitation", map[string]any{"id": "x"})
		assert.True(t, res.IsError)
		assertNoSecret(t, "the tool result", resultText(t, res))
	})
	t.Run("slower than the timeout", func(t *testing.T) {
		release := make(chan struct{})
		slow := newSlowUpstream(t, release)
		s := serveSeed(t, slow, func(o *engine.Options) { o.UpstreamTimeout = 200 * time.Millisecond })
		defer close(release)

		got := do(t, "GET", s.rest+"/v1/api/organization-invitations", "")
		assert.Equal(t, http.StatusGatewayTimeout, got.status)
		assert.Equal(t, problemType, got.header.Get("Content-Type"))

		res := callTool(t, mcpClient(t, s.mcp), "get-organization-invitations", map[string]any{})
		assert.True(t, res.IsError)
	})
}

// newSlowUpstream answers only when release is closed (or the client goes).
func newSlowUpstream(t *testing.T, release <-chan struct{}) string {
	t.Helper()
	srv := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
		w.WriteHeader(http.StatusOK)
	}))
	return srv
}

// TestShutdownLetsInFlightRequestsFinish stops the engine while a request is
// waiting on the upstream: the request completes and Serve returns nil.
func TestShutdownLetsInFlightRequestsFinish(t *testing.T) {
	arrived := make(chan struct{})
	release := make(chan struct{})
	upstream := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(arrived)
		<-release
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, "[]")
	}))
	doc, diags := spec.Load(seedFile)
	require.False(t, diags.HasErrors())
	eng, diags := engine.Build([]*spec.Document{doc}, engine.Options{
		BaseURIs:      map[string]string{consumerNS: upstream},
		Ports:         map[string]int{restNS: 0, mcpNS: 0},
		LookupEnv:     func(string) (string, bool) { return testSecret, true },
		ShutdownGrace: 10 * time.Second,
	})
	require.False(t, diags.HasErrors(), diags.Error())
	running, err := eng.Listen()
	require.NoError(t, err)
	restURL := "http://" + running.Listeners()[0].Addr

	ctx, stop := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- running.Serve(ctx) }()

	answered := make(chan httpReply, 1)
	go func() { answered <- do(t, "GET", restURL+"/v1/api/organization-invitations", "") }()
	<-arrived
	stop() // the stop signal arrives while the request is in flight
	close(release)

	got := <-answered
	assert.Equal(t, http.StatusOK, got.status)
	assert.Equal(t, "[]", got.body)
	assert.NoError(t, <-served)
}

func newServer(t *testing.T, h http.Handler) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return "http://" + ln.Addr().String()
}
