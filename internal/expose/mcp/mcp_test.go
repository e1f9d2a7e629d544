package mcp

import (
	"bufio"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/naftiko-go/naftiko/internal/expose"
	"github.com/naftiko-go/naftiko/internal/expose/exposetest"
	"github.com/naftiko-go/naftiko/internal/spec"
)

// rpc posts one JSON-RPC request and returns the HTTP status and the
// JSON-RPC response (unwrapped from SSE when the server streams).
func rpc(t *testing.T, srv *httptest.Server, method string, params any, header ...string) (int, string) {
	t.Helper()
	body, err := json.Marshal(map[string]any{"jsonrpc": "2.0", "id": 1, "method": method, "params": params})
	require.NoError(t, err)
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, srv.URL+"/mcp", strings.NewReader(string(body)))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	req.Header.Set("Mcp-Protocol-Version", "2025-11-25")
	for i := 0; i+1 < len(header); i += 2 {
		if header[i] == "Host" {
			req.Host = header[i+1]
			continue
		}
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := srv.Client().Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			if data, ok := strings.CutPrefix(sc.Text(), "data: "); ok {
				return resp.StatusCode, data
			}
		}
		require.NoError(t, sc.Err())
		return resp.StatusCode, ""
	}
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(b)
}

func TestInitialize(t *testing.T) {
	t.Parallel()
	for _, version := range []string{"", "2025-11-25", "2025-03-26"} {
		t.Run("version "+version, func(t *testing.T) {
			t.Parallel()
			adapter := seedMCP(t)
			srv := serve(t, adapter, &exposetest.FakeInvoker{}, Options{Version: "1.2.3"})
			_, res := connect(t, srv, version)
			if version != "" {
				assert.Equal(t, version, res.ProtocolVersion)
			}
			assert.Equal(t, "logto-organization-invitations-mcp", res.ServerInfo.Name)
			assert.Equal(t, "1.2.3", res.ServerInfo.Version)
			assert.Equal(t, adapter.Description, res.Instructions)
			assert.NotNil(t, res.Capabilities.Tools)
		})
	}
}

// wantSeedTools are the exact tools/list entries of the seed.
const wantSeedTools = `[
 {"name":"get-organization-invitations","description":"Get organization invitations",
  "inputSchema":{"type":"object","properties":{
    "organizationId":{"type":"string"},"inviterId":{"type":"string"},"invitee":{"type":"string"}},
    "additionalProperties":false},
  "annotations":{"readOnlyHint":true,"destructiveHint":false,"idempotentHint":true,"openWorldHint":true}},
 {"name":"create-organization-invitation","description":"Create organization invitation",
  "inputSchema":{"type":"object","properties":{"body":{"type":"object","description":"Request body (JSON)."}},
    "required":["body"],"additionalProperties":false},
  "annotations":{"readOnlyHint":false,"destructiveHint":false,"idempotentHint":false,"openWorldHint":true}},
 {"name":"get-organization-invitation","description":"Get organization invitation",
  "inputSchema":{"type":"object","properties":{"id":{"type":"string"}},"required":["id"],"additionalProperties":false},
  "annotations":{"readOnlyHint":true,"destructiveHint":false,"idempotentHint":true,"openWorldHint":true}},
 {"name":"delete-organization-invitation","description":"Delete organization invitation",
  "inputSchema":{"type":"object","properties":{"id":{"type":"string"}},"required":["id"],"additionalProperties":false},
  "annotations":{"readOnlyHint":false,"destructiveHint":true,"idempotentHint":true,"openWorldHint":true}},
 {"name":"resend-invitation-message","description":"Resend invitation message",
  "inputSchema":{"type":"object","properties":{"body":{"type":"object","description":"Request body (JSON)."},"id":{"type":"string"}},
    "required":["body","id"],"additionalProperties":false},
  "annotations":{"readOnlyHint":false,"destructiveHint":false,"idempotentHint":false,"openWorldHint":true}},
 {"name":"update-organization-invitation-status","description":"Update organization invitation status",
  "inputSchema":{"type":"object","properties":{"body":{"type":"object","description":"Request body (JSON)."},"id":{"type":"string"}},
    "required":["body","id"],"additionalProperties":false},
  "annotations":{"readOnlyHint":false,"destructiveHint":false,"idempotentHint":true,"openWorldHint":true}}
]`

func TestToolsListWire(t *testing.T) {
	t.Parallel()
	srv := serve(t, seedMCP(t), &exposetest.FakeInvoker{}, Options{})
	status, body := rpc(t, srv, "tools/list", map[string]any{})
	require.Equal(t, http.StatusOK, status, body)
	var resp struct {
		Result struct {
			Tools json.RawMessage `json:"tools"`
		} `json:"result"`
	}
	require.NoError(t, json.Unmarshal([]byte(body), &resp), body)
	assert.JSONEq(t, wantSeedTools, string(resp.Result.Tools))

	// Properties keep declaration order on the wire (JSONEq ignores order).
	assert.Contains(t, string(resp.Result.Tools), `"properties":{"organizationId":{"type":"string"},"inviterId":{"type":"string"},"invitee":{"type":"string"}}`)
}

func TestToolsListClient(t *testing.T) {
	t.Parallel()
	srv := serve(t, seedMCP(t), &exposetest.FakeInvoker{}, Options{})
	c, _ := connect(t, srv, "")
	res, err := c.ListTools(t.Context(), mcp.ListToolsRequest{})
	require.NoError(t, err)
	var names []string
	for _, tool := range res.Tools {
		names = append(names, tool.Name)
	}
	assert.Equal(t, []string{
		"get-organization-invitations", "create-organization-invitation", "get-organization-invitation",
		"delete-organization-invitation", "resend-invitation-message", "update-organization-invitation-status",
	}, names, "declaration order, not mcp-go's alphabetical order")
	del := res.Tools[3].Annotations
	require.NotNil(t, del.DestructiveHint)
	assert.True(t, *del.DestructiveHint)
}

func TestToolsCall(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name           string
		tool           string
		args           any
		result         *expose.Result
		err            error
		wantOp         string
		wantValues     map[string]any
		wantIsError    bool
		wantText       string
		wantStructured any
	}{
		{
			name: "list with one filter", tool: "get-organization-invitations", args: map[string]any{"organizationId": "org1"},
			result: jsonResult(200, `[{"id":"inv_1"}]`), wantOp: "listorganizationinvitations",
			wantValues: map[string]any{"organizationId": "org1"}, wantText: `[{"id":"inv_1"}]`,
		},
		{
			name: "optional null is dropped", tool: "get-organization-invitations", args: map[string]any{"invitee": nil},
			result: jsonResult(200, `[]`), wantOp: "listorganizationinvitations", wantValues: map[string]any{}, wantText: `[]`,
		},
		{
			name: "no arguments at all", tool: "get-organization-invitations", args: nil,
			result: jsonResult(200, `[]`), wantOp: "listorganizationinvitations", wantValues: map[string]any{}, wantText: `[]`,
		},
		{
			name: "create returns an object", tool: "create-organization-invitation",
			args:   map[string]any{"body": map[string]any{"invitee": "a@b.c", "organizationId": "org1"}},
			result: jsonResult(201, `{"id":"inv_1","status":"Pending"}`), wantOp: "createorganizationinvitation",
			wantValues: map[string]any{"body": map[string]any{"invitee": "a@b.c", "organizationId": "org1"}},
			wantText:   `{"id":"inv_1","status":"Pending"}`, wantStructured: map[string]any{"id": "inv_1", "status": "Pending"},
		},
		{
			name: "get one", tool: "get-organization-invitation", args: map[string]any{"id": "inv_1"},
			result: jsonResult(200, `{"id":"inv_1","n":5}`), wantOp: "getorganizationinvitation",
			wantValues: map[string]any{"id": "inv_1"}, wantText: `{"id":"inv_1","n":5}`,
			wantStructured: map[string]any{"id": "inv_1", "n": float64(5)},
		},
		{
			name: "delete 204", tool: "delete-organization-invitation", args: map[string]any{"id": "inv_1"},
			result: &expose.Result{Status: 204}, wantOp: "deleteorganizationinvitation",
			wantValues: map[string]any{"id": "inv_1"}, wantText: `{"status":204}`,
		},
		{
			name: "resend", tool: "resend-invitation-message", args: map[string]any{"id": "inv_1", "body": map[string]any{}},
			result: &expose.Result{Status: 204}, wantOp: "createorganizationinvitationmessage",
			wantValues: map[string]any{"id": "inv_1", "body": map[string]any{}}, wantText: `{"status":204}`,
		},
		{
			name: "upstream 404", tool: "update-organization-invitation-status",
			args:   map[string]any{"id": "nope", "body": map[string]any{"status": "Revoked"}},
			result: jsonResult(404, `{"code":"entity.not_found","message":"Entity not found."}`), wantOp: "replaceorganizationinvitationstatus",
			wantValues:  map[string]any{"id": "nope", "body": map[string]any{"status": "Revoked"}},
			wantIsError: true, wantText: `upstream returned HTTP 404: {"code":"entity.not_found","message":"Entity not found."}`,
		},
		{
			name: "upstream 500 without body", tool: "get-organization-invitation", args: map[string]any{"id": "x"},
			result: &expose.Result{Status: 500}, wantOp: "getorganizationinvitation", wantValues: map[string]any{"id": "x"},
			wantIsError: true, wantText: `upstream returned HTTP 500 with no body`,
		},
		{
			name: "unreachable", tool: "get-organization-invitation", args: map[string]any{"id": "x"},
			err:    &expose.Error{Kind: expose.KindUnreachable, Detail: "cannot reach upstream logto-organization-invitations: connection refused"},
			wantOp: "getorganizationinvitation", wantValues: map[string]any{"id": "x"},
			wantIsError: true, wantText: "cannot reach upstream logto-organization-invitations: connection refused",
		},
		{
			name: "timeout", tool: "get-organization-invitation", args: map[string]any{"id": "x"},
			err:    &expose.Error{Kind: expose.KindTimeout, Detail: "upstream did not answer within 30s"},
			wantOp: "getorganizationinvitation", wantValues: map[string]any{"id": "x"},
			wantIsError: true, wantText: "upstream did not answer within 30s",
		},
		{
			name: "engine input error", tool: "get-organization-invitation", args: map[string]any{"id": "x"},
			err:    expose.InputErrorf("id", "path parameter %q is empty", "id"),
			wantOp: "getorganizationinvitation", wantValues: map[string]any{"id": "x"},
			wantIsError: true, wantText: `path parameter "id" is empty`,
		},
		{
			name: "internal error hides its cause", tool: "get-organization-invitation", args: map[string]any{"id": "x"},
			err:    errors.New("secret internals"),
			wantOp: "getorganizationinvitation", wantValues: map[string]any{"id": "x"},
			wantIsError: true, wantText: "internal error: the tool call could not be completed; the error was logged",
		},
		// Argument errors: the invoker must not run (wantOp "").
		{name: "missing required", tool: "get-organization-invitation", args: map[string]any{},
			wantIsError: true, wantText: `argument "id" is required (string)`},
		{name: "required null", tool: "get-organization-invitation", args: map[string]any{"id": nil},
			wantIsError: true, wantText: `argument "id" must be a string, got null`},
		{name: "wrong type", tool: "get-organization-invitation", args: map[string]any{"id": 42},
			wantIsError: true, wantText: `argument "id" must be a string, got integer`},
		{name: "body not an object", tool: "create-organization-invitation", args: map[string]any{"body": "invitee=a"},
			wantIsError: true, wantText: `argument "body" must be an object, got string`},
		{name: "unknown argument", tool: "get-organization-invitation", args: map[string]any{"id": "x", "ID": "y"},
			wantIsError: true, wantText: `unknown argument "ID": expected one of id`},
		{name: "every problem at once", tool: "resend-invitation-message", args: map[string]any{"id": true, "extra": 1},
			wantIsError: true, wantText: `unknown argument "extra": expected one of body, id; argument "body" is required (object); argument "id" must be a string, got boolean`},
		{name: "arguments not an object", tool: "get-organization-invitation", args: []any{"x"},
			wantIsError: true, wantText: `arguments must be a JSON object, got array`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			adapter := seedMCP(t)
			inv := &exposetest.FakeInvoker{Fn: func(*spec.Endpoint, expose.Inputs) (*expose.Result, error) { return tt.result, tt.err }}
			srv := serve(t, adapter, inv, Options{})
			c, _ := connect(t, srv, "")
			res := callTool(t, c, tt.tool, tt.args)

			assert.Equal(t, tt.wantIsError, res.IsError)
			assert.Equal(t, tt.wantText, text(t, res))
			assert.Equal(t, tt.wantStructured, res.StructuredContent)

			calls := inv.Recorded()
			if tt.wantOp == "" {
				assert.Empty(t, calls, "the invoker must not run on argument errors")
				return
			}
			require.Len(t, calls, 1)
			assert.Same(t, adapter, calls[0].Adapter)
			assert.Equal(t, tt.tool, calls[0].Endpoint.Name)
			require.NotNil(t, calls[0].Endpoint.Target)
			assert.Equal(t, tt.wantOp, calls[0].Endpoint.Target.Name)
			assert.Equal(t, tt.wantValues, calls[0].Inputs.Values)
			assert.False(t, calls[0].Inputs.HasBody)
		})
	}
}

func TestProtocolErrors(t *testing.T) {
	t.Parallel()
	var panicked atomic.Bool
	inv := &exposetest.FakeInvoker{Fn: func(*spec.Endpoint, expose.Inputs) (*expose.Result, error) {
		if !panicked.Swap(true) {
			panic("invoker bug")
		}
		return jsonResult(200, `{"ok":true}`), nil
	}}
	srv := serve(t, seedMCP(t), inv, Options{})
	c, _ := connect(t, srv, "")

	req := mcp.CallToolRequest{}
	req.Params.Name = "no-such-tool"
	_, err := c.CallTool(t.Context(), req)
	require.Error(t, err, "an unknown tool is a JSON-RPC error")
	assert.Contains(t, err.Error(), "no-such-tool")

	req.Params.Name = "get-organization-invitation"
	req.Params.Arguments = map[string]any{"id": "x"}
	_, err = c.CallTool(t.Context(), req)
	require.Error(t, err, "a panic is recovered as a JSON-RPC error")

	res := callTool(t, c, "get-organization-invitation", map[string]any{"id": "x"})
	assert.False(t, res.IsError, "the server still serves after a panic")
	assert.Equal(t, `{"ok":true}`, text(t, res))
}
