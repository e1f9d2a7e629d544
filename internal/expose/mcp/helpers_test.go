package mcp

import (
	"context"
	"net/http/httptest"
	"testing"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/client/transport"
	"github.com/mark3labs/mcp-go/mcp"
	"github.com/stretchr/testify/require"

	"github.com/naftiko-go/naftiko/internal/expose"
	"github.com/naftiko-go/naftiko/internal/expose/exposetest"
	"github.com/naftiko-go/naftiko/internal/spec"
)

// seedMCP loads the seed and returns its MCP adapter.
func seedMCP(t *testing.T) *spec.Expose {
	t.Helper()
	return exposetest.SeedAdapter(t, "mcp", func(e *spec.Expose) bool { return e.MCP != nil })
}

// jsonResult is an upstream JSON answer.
func jsonResult(status int, body string) *expose.Result {
	r := &expose.Result{Status: status, Body: []byte(body)}
	if body != "" {
		v, err := expose.DecodeJSON([]byte(body))
		if err == nil {
			r.Value, r.IsJSON, r.ContentType = v, true, "application/json"
		}
	}
	return r
}

// serve starts the adapter's handler on a loopback httptest server.
func serve(t *testing.T, adapter *spec.Expose, inv expose.Invoker, opts Options) *httptest.Server {
	t.Helper()
	s, err := New(adapter, inv, opts)
	require.NoError(t, err)
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(func() {
		srv.Close()
		require.NoError(t, s.Shutdown(context.Background()))
	})
	return srv
}

// connect returns an initialized client of srv; version "" lets the client
// negotiate (the stateless 2026 core first).
func connect(t *testing.T, srv *httptest.Server, version string) (*client.Client, *mcp.InitializeResult) {
	t.Helper()
	var opts []client.ClientOption
	if version != "" {
		opts = append(opts, client.WithProtocolVersion(version))
	}
	tr, err := transport.NewStreamableHTTP(srv.URL + "/mcp")
	require.NoError(t, err)
	c := client.NewClient(tr, opts...)
	require.NoError(t, c.Start(t.Context()))
	t.Cleanup(func() { _ = c.Close() })
	req := mcp.InitializeRequest{}
	req.Params.ProtocolVersion = version
	req.Params.ClientInfo = mcp.Implementation{Name: "naftiko-test", Version: "0"}
	res, err := c.Initialize(t.Context(), req)
	require.NoError(t, err)
	return c, res
}

// callTool calls name with args.
func callTool(t *testing.T, c *client.Client, name string, args any) *mcp.CallToolResult {
	t.Helper()
	req := mcp.CallToolRequest{}
	req.Params.Name = name
	req.Params.Arguments = args
	res, err := c.CallTool(t.Context(), req)
	require.NoError(t, err)
	return res
}

// text is the only text item of a result.
func text(t *testing.T, r *mcp.CallToolResult) string {
	t.Helper()
	require.Len(t, r.Content, 1)
	tc, ok := r.Content[0].(mcp.TextContent)
	require.True(t, ok, "content is %T", r.Content[0])
	return tc.Text
}
