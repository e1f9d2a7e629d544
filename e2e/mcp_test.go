package e2e

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const (
	seedCapability = "logto-organization-invitations.yaml"
	consumesNS     = "logto-organization-invitations"
	restNS         = "logto-organization-invitations-rest"
	mcpNS          = "logto-organization-invitations-mcp"
)

// seedTools are the tool names the seed capability declares.
var seedTools = []string{
	"get-organization-invitations",
	"create-organization-invitation",
	"get-organization-invitation",
	"delete-organization-invitation",
	"resend-invitation-message",
	"update-organization-invitation-status",
}

// conformanceScenarios are the conformance runner's server scenarios that a
// capability without the runner's fixture tools (test_simple_text, ...) can
// pass; the others need those fixtures.
var conformanceScenarios = []string{
	"server-initialize",
	"ping",
	"tools-list",
	"dns-rebinding-protection",
}

// clientCall is one tool call for client.mjs.
type clientCall struct {
	Name      string         `json:"name"`
	Arguments map[string]any `json:"arguments"`
}

// clientReport is the JSON document client.mjs prints.
type clientReport struct {
	ServerInfo struct {
		Name    string `json:"name"`
		Version string `json:"version"`
	} `json:"serverInfo"`
	ProtocolVersion string         `json:"protocolVersion"`
	Capabilities    map[string]any `json:"capabilities"`
	Tools           []struct {
		Name        string          `json:"name"`
		Description string          `json:"description"`
		InputSchema json.RawMessage `json:"inputSchema"`
		Annotations map[string]any  `json:"annotations"`
	} `json:"tools"`
	Calls []struct {
		Name   string        `json:"name"`
		Result *clientResult `json:"result"`
		Error  *struct {
			Code    int    `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	} `json:"calls"`
}

// TestSeedOverMCP serves the seed capability with the real binary in front of
// a fake Logto and drives its MCP adapter with independent clients.
func TestSeedOverMCP(t *testing.T) {
	tl := requireTools(t)
	bin := buildNaftiko(t, tl.repoRoot)
	upstream := newFakeLogto(t)

	srv := startNaftiko(t, bin, []string{"LOGTO_API_KEY=" + fakeLogtoToken}, []string{restNS, mcpNS},
		"--log-format", "json",
		"--address", "127.0.0.1",
		"--port", restNS+"=0",
		"--port", mcpNS+"=0",
		"--base-uri", consumesNS+"="+upstream.URL,
		filepath.Join(tl.repoRoot, "capabilities", seedCapability),
	)
	assert.Equal(t, "rest", srv.listeners[restNS].Type)
	require.Equal(t, "mcp", srv.listeners[mcpNS].Type)
	url := mcpURL(srv.listeners[mcpNS])

	t.Run("typescript-sdk-client", func(t *testing.T) {
		testTypeScriptClient(t, tl, url, upstream)
	})
	for _, scenario := range conformanceScenarios {
		t.Run("conformance/"+scenario, func(t *testing.T) {
			testConformance(t, tl, url, scenario)
		})
	}

	srv.stop(t)
	assert.NotContains(t, srv.stderr.String(), fakeLogtoToken, "naftiko logged the API key")
}

// toolCall is one tool call client.mjs makes and what must come of it.
type toolCall struct {
	name     string
	call     clientCall
	upstream string // "METHOD PATH?QUERY" the fake upstream must have received
	check    func(t *testing.T, res *clientResult, upstream upstreamRequest)
}

func testTypeScriptClient(t *testing.T, tl tools, url string, upstream *fakeLogto) {
	cases := []toolCall{
		{
			name:     "list returns the upstream JSON",
			call:     clientCall{Name: "get-organization-invitations", Arguments: map[string]any{}},
			upstream: "GET /api/organization-invitations",
			check: func(t *testing.T, res *clientResult, _ upstreamRequest) {
				assertToolJSON(t, res, seedInvitations())
			},
		},
		{
			name:     "list passes a filter as a query parameter",
			call:     clientCall{Name: "get-organization-invitations", Arguments: map[string]any{"organizationId": "org-1"}},
			upstream: "GET /api/organization-invitations?organizationId=org-1",
			check: func(t *testing.T, res *clientResult, _ upstreamRequest) {
				assertToolJSON(t, res, seedInvitations()[:1])
			},
		},
		{
			name:     "get by id returns the entity",
			call:     clientCall{Name: "get-organization-invitation", Arguments: map[string]any{"id": "inv-1"}},
			upstream: "GET /api/organization-invitations/inv-1",
			check: func(t *testing.T, res *clientResult, _ upstreamRequest) {
				assertToolJSON(t, res, seedInvitations()[0])
			},
		},
		{
			name:     "unknown id is a tool error carrying the upstream code",
			call:     clientCall{Name: "get-organization-invitation", Arguments: map[string]any{"id": "no-such-invitation"}},
			upstream: "GET /api/organization-invitations/no-such-invitation",
			check: func(t *testing.T, res *clientResult, _ upstreamRequest) {
				assert.True(t, res.IsError, "isError; content: %+v", res.Content)
				assert.Contains(t, res.text(), "entity.not_found")
			},
		},
		{
			name: "create sends the body",
			call: clientCall{Name: "create-organization-invitation", Arguments: map[string]any{
				"body": map[string]any{"invitee": "alan@example.com", "organizationId": "org-1", "expiresAt": 1716900000000},
			}},
			upstream: "POST /api/organization-invitations",
			check: func(t *testing.T, res *clientResult, up upstreamRequest) {
				assert.False(t, res.IsError, "isError; content: %+v", res.Content)
				assert.JSONEq(t, `{"invitee":"alan@example.com","organizationId":"org-1","expiresAt":1716900000000}`, string(up.Body))
				assert.Contains(t, res.text(), `"inv-new-1"`)
			},
		},
		{
			name:     "update status sends the body to the id's path",
			call:     clientCall{Name: "update-organization-invitation-status", Arguments: map[string]any{"id": "inv-1", "body": map[string]any{"status": "Revoked"}}},
			upstream: "PUT /api/organization-invitations/inv-1/status",
			check: func(t *testing.T, res *clientResult, up upstreamRequest) {
				assert.False(t, res.IsError, "isError; content: %+v", res.Content)
				assert.JSONEq(t, `{"status":"Revoked"}`, string(up.Body))
				assert.Contains(t, res.text(), `"Revoked"`)
			},
		},
		{
			name:     "resend answers 204 without a tool error",
			call:     clientCall{Name: "resend-invitation-message", Arguments: map[string]any{"id": "inv-1", "body": map[string]any{"link": "https://example.com/invite"}}},
			upstream: "POST /api/organization-invitations/inv-1/message",
			check: func(t *testing.T, res *clientResult, up upstreamRequest) {
				assert.False(t, res.IsError, "isError; content: %+v", res.Content)
				assert.JSONEq(t, `{"link":"https://example.com/invite"}`, string(up.Body))
			},
		},
		{
			name:     "delete answers 204 without a tool error",
			call:     clientCall{Name: "delete-organization-invitation", Arguments: map[string]any{"id": "inv-2"}},
			upstream: "DELETE /api/organization-invitations/inv-2",
			check: func(t *testing.T, res *clientResult, _ upstreamRequest) {
				assert.False(t, res.IsError, "isError; content: %+v", res.Content)
			},
		},
	}

	calls := make([]clientCall, 0, len(cases))
	for _, c := range cases {
		calls = append(calls, c.call)
	}
	callsFile := filepath.Join(t.TempDir(), "calls.json")
	data, err := json.Marshal(calls)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(callsFile, data, 0o600))

	stdout, stderr, err := runNode(t, tl.e2eDir, tl.node, tl.clientJS, url, callsFile)
	require.NoError(t, err, "client.mjs %s\nstdout:\n%s\nstderr:\n%s", url, stdout, stderr)
	var got clientReport
	require.NoError(t, json.Unmarshal(stdout, &got), "client.mjs stdout must be one JSON document:\n%s", stdout)

	assert.NotEmpty(t, got.ServerInfo.Name, "serverInfo.name")
	assert.NotEmpty(t, got.ProtocolVersion, "negotiated protocol version")
	assert.Contains(t, got.Capabilities, "tools", "server capabilities")

	names := make([]string, 0, len(got.Tools))
	for _, tool := range got.Tools {
		names = append(names, tool.Name)
	}
	assert.ElementsMatch(t, seedTools, names, "tools/list names")

	t.Run("get-organization-invitation requires a string id", func(t *testing.T) {
		var schema json.RawMessage
		for _, tool := range got.Tools {
			if tool.Name == "get-organization-invitation" {
				schema = tool.InputSchema
			}
		}
		require.NotNil(t, schema, "tool get-organization-invitation not listed")
		var s struct {
			Type       string `json:"type"`
			Properties map[string]struct {
				Type string `json:"type"`
			} `json:"properties"`
			Required []string `json:"required"`
		}
		require.NoError(t, json.Unmarshal(schema, &s), "inputSchema: %s", schema)
		assert.Equal(t, "object", s.Type, "inputSchema.type: %s", schema)
		assert.Contains(t, s.Required, "id", "inputSchema.required: %s", schema)
		assert.Equal(t, "string", s.Properties["id"].Type, "inputSchema.properties.id.type: %s", schema)
	})

	require.Len(t, got.Calls, len(cases), "client.mjs output:\n%s", stdout)
	// Calls run one after the other, so the upstream saw them in order.
	reqs := upstream.Requests()
	require.Len(t, reqs, len(cases), "upstream requests: %v", requestLines(reqs))
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res := got.Calls[i]
			require.Nil(t, res.Error, "%s: want a tool result, got a JSON-RPC error: %+v", c.call.Name, res.Error)
			require.NotNil(t, res.Result, c.call.Name)
			up := reqs[i]
			assert.Equal(t, c.upstream, requestLine(up), "upstream request of %s", c.call.Name)
			assert.Equal(t, "Bearer "+fakeLogtoToken, up.Header.Get("Authorization"), "Authorization sent upstream")
			c.check(t, res.Result, up)
		})
	}
}

// assertToolJSON asserts that a tool result is a success whose first text
// block is the JSON of want.
func assertToolJSON(t *testing.T, res *clientResult, want any) {
	t.Helper()
	assert.False(t, res.IsError, "isError; content: %+v", res.Content)
	require.NotEmpty(t, res.Content, "content")
	assert.Equal(t, "text", res.Content[0].Type)
	wantJSON, err := json.Marshal(want)
	require.NoError(t, err)
	assert.JSONEq(t, string(wantJSON), res.Content[0].Text)
}

// clientResult is a CallToolResult as client.mjs prints it.
type clientResult struct {
	Content []struct {
		Type string `json:"type"`
		Text string `json:"text"`
	} `json:"content"`
	StructuredContent any  `json:"structuredContent"`
	IsError           bool `json:"isError"`
}

// text joins the result's text blocks.
func (r *clientResult) text() string {
	var b strings.Builder
	for _, c := range r.Content {
		b.WriteString(c.Text)
	}
	return b.String()
}

// conformanceCheck is one entry of the runner's checks.json.
type conformanceCheck struct {
	ID           string `json:"id"`
	Status       string `json:"status"`
	Description  string `json:"description"`
	ErrorMessage string `json:"errorMessage"`
}

func testConformance(t *testing.T, tl tools, url, scenario string) {
	out := t.TempDir()
	stdout, stderr, err := runNode(t, tl.e2eDir, tl.node22, tl.conformance,
		"server", "--url", url, "--scenario", scenario, "-o", out)
	report := "stdout:\n" + string(stdout) + "\nstderr:\n" + string(stderr)

	// The runner saves <out>/server-<scenario>-<timestamp>/checks.json.
	files, globErr := filepath.Glob(filepath.Join(out, "server-"+scenario+"-*", "checks.json"))
	require.NoError(t, globErr)
	require.Len(t, files, 1, "checks.json of scenario %s (exit: %v)\n%s", scenario, err, report)
	data, readErr := os.ReadFile(files[0])
	require.NoError(t, readErr)
	var checks []conformanceCheck
	require.NoError(t, json.Unmarshal(data, &checks), "%s:\n%s", files[0], data)
	require.NotEmpty(t, checks, "no checks in %s", files[0])
	for _, c := range checks {
		assert.Equal(t, "SUCCESS", c.Status, "check %s (%s): %s\n%s", c.ID, c.Description, c.ErrorMessage, data)
	}
	assert.NoError(t, err, "conformance exit status\n%s", report)
}

// requestLine renders a request as "METHOD PATH[?QUERY]".
func requestLine(r upstreamRequest) string {
	if q := r.Query.Encode(); q != "" {
		return r.Method + " " + r.Path + "?" + q
	}
	return r.Method + " " + r.Path
}

// requestLines renders requests for messages.
func requestLines(reqs []upstreamRequest) []string {
	out := make([]string, 0, len(reqs))
	for _, r := range reqs {
		out = append(out, requestLine(r))
	}
	return out
}
