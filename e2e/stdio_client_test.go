package e2e

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// queryRequest is one request the fake query upstream received.
type queryRequest struct {
	Method, Path, Authorization string
}

// newQueryUpstream is the fake upstream of stdioCapability: every request is
// recorded and answered with two rows, of which the capability keeps names.
func newQueryUpstream(t *testing.T) (baseURL string, got <-chan queryRequest) {
	t.Helper()
	reqs := make(chan queryRequest, 10)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case reqs <- queryRequest{r.Method, r.URL.Path, r.Header.Get("Authorization")}:
		default: // more requests than any test makes: the assertions say so
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"results":[{"name":"Ada","x":1},{"name":"Grace"}]}`)
	}))
	t.Cleanup(srv.Close)
	return srv.URL, reqs
}

// stdioTokenCapability is stdioCapability with a bearer token read from the
// environment, as a desktop client's mcpServers entry passes secrets.
func stdioTokenCapability(t *testing.T) string {
	t.Helper()
	const (
		base = "      baseUri: http://localhost:8080/v1\n"
		auth = "      authentication: {type: bearer, token: '{{env.STDIO_TOKEN}}'}\n"
		bind = "binds:\n  - namespace: env\n    keys: {STDIO_TOKEN: STDIO_TOKEN}\ncapability:\n"
	)
	require.Contains(t, stdioCapability, base)
	require.Contains(t, stdioCapability, "\ncapability:\n")
	c := strings.Replace(stdioCapability, base, base+auth, 1)
	return strings.Replace(c, "\ncapability:\n", "\n"+bind, 1)
}

// TestStdioWithSDKClient is the stdio transport driven by the official MCP
// TypeScript SDK's StdioClientTransport (client.mjs --stdio), which spawns
// `naftiko serve` the way Claude Desktop and other MCP hosts do: initialize,
// tools/list, a tool call that reaches the upstream with the token passed in
// the client's env, and a clean exit (status 0, no signal) when the client
// closes the server's stdin.
func TestStdioWithSDKClient(t *testing.T) {
	tl := requireTools(t)
	bin := buildNaftiko(t, tl.repoRoot)
	upstream, got := newQueryUpstream(t)
	capFile := filepath.Join(t.TempDir(), "stdio.yaml")
	require.NoError(t, os.WriteFile(capFile, []byte(stdioTokenCapability(t)), 0o600))
	command, err := json.Marshal([]string{bin, "serve", "--base-uri", "mock-api=" + upstream + "/v1", capFile})
	require.NoError(t, err)
	const token = "stdio-secret-token"

	t.Run("session", func(t *testing.T) {
		stdout, stderr, err := runNode(t, tl.e2eDir, tl.node, tl.clientJS,
			"--stdio", string(command), "--env", "STDIO_TOKEN="+token,
			`[{"name":"query-database","arguments":{}}]`)
		require.NoError(t, err, "client.mjs --stdio; stderr (the client's and naftiko's):\n%s", stderr)

		var doc struct {
			ServerInfo struct {
				Name string `json:"name"`
			} `json:"serverInfo"`
			ProtocolVersion string `json:"protocolVersion"`
			Instructions    string `json:"instructions"`
			Tools           []struct {
				Name        string         `json:"name"`
				Description string         `json:"description"`
				InputSchema map[string]any `json:"inputSchema"`
			} `json:"tools"`
			Calls []struct {
				Name   string `json:"name"`
				Result *struct {
					IsError bool `json:"isError"`
					Content []struct {
						Type string `json:"type"`
						Text string `json:"text"`
					} `json:"content"`
				} `json:"result"`
				Error any `json:"error"`
			} `json:"calls"`
			Server *struct {
				PID  int `json:"pid"`
				Exit struct {
					Code   *int    `json:"code"`
					Signal *string `json:"signal"`
					Killed bool    `json:"killed"`
				} `json:"exit"`
			} `json:"server"`
		}
		require.NoError(t, json.Unmarshal(stdout, &doc), "stdout:\n%s\nstderr:\n%s", stdout, stderr)

		assert.Equal(t, "test-mcp-stdio", doc.ServerInfo.Name)
		assert.NotEmpty(t, doc.ProtocolVersion, "negotiated by initialize")
		assert.Equal(t, "Test MCP server using stdio transport.", doc.Instructions)
		require.Len(t, doc.Tools, 1)
		assert.Equal(t, "query-database", doc.Tools[0].Name)
		assert.Equal(t, "Query the test database.", doc.Tools[0].Description)
		assert.Equal(t, "object", doc.Tools[0].InputSchema["type"])

		require.Len(t, doc.Calls, 1)
		call := doc.Calls[0]
		require.Nil(t, call.Error)
		require.NotNil(t, call.Result)
		assert.False(t, call.Result.IsError, "content: %+v", call.Result.Content)
		require.Len(t, call.Result.Content, 1)
		assert.Equal(t, "text", call.Result.Content[0].Type)
		assert.JSONEq(t, `[{"name":"Ada"},{"name":"Grace"}]`, call.Result.Content[0].Text)
		select {
		case r := <-got:
			assert.Equal(t, queryRequest{"POST", "/v1/databases/test-db-id-123/query", "Bearer " + token}, r)
		default:
			t.Error("the tool call did not reach the upstream")
		}

		// Closing the client ends naftiko on end of input: exit status 0,
		// without the SDK having to signal it.
		require.NotNil(t, doc.Server, "stdout:\n%s", stdout)
		assert.Positive(t, doc.Server.PID)
		if assert.NotNil(t, doc.Server.Exit.Code, "exit: %+v", doc.Server.Exit) {
			assert.Equal(t, 0, *doc.Server.Exit.Code, "stderr:\n%s", stderr)
		}
		assert.Nil(t, doc.Server.Exit.Signal)
		assert.False(t, doc.Server.Exit.Killed, "naftiko did not exit when its stdin closed; the SDK signalled it")
		assert.Contains(t, string(stderr), "stdin closed", "naftiko logs on stderr, which the SDK passes through")
		assert.NotContains(t, string(stderr), token, "the token must not be logged")
	})

	t.Run("env is the only source of secrets", func(t *testing.T) {
		// The SDK gives the server only a few variables (HOME, PATH, …) plus
		// the configured env: without STDIO_TOKEN naftiko refuses to start
		// and says which variable to set.
		stdout, stderr, err := runNode(t, tl.e2eDir, tl.node, tl.clientJS, "--stdio", string(command))
		require.Error(t, err, "stdout:\n%s", stdout)
		assert.Equal(t, 3, exitCode(err), "client.mjs: cannot connect; stderr:\n%s", stderr)
		assert.Contains(t, string(stderr), "STDIO_TOKEN")
		assert.Empty(t, stdout)
		select {
		case r := <-got:
			t.Errorf("unexpected upstream request %+v", r)
		default:
		}
	})
}

// exitCode is the exit status of a process run that failed with err, -1
// when it did not exit normally (or err is not an exit).
func exitCode(err error) int {
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return exit.ExitCode()
	}
	return -1
}
