package e2e

import (
	"bufio"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// stdioCapability has only an MCP adapter on the stdio transport (the shape
// of the reference corpus's mcp-stdio-capability.yaml).
const stdioCapability = `naftiko: 1.0.0-alpha2
info: {label: Stdio, description: MCP over stdio}
capability:
  consumes:
    - type: http
      namespace: mock-api
      baseUri: http://localhost:8080/v1
      resources:
        - path: databases/{{datasource_id}}/query
          name: query
          operations:
            - {method: POST, name: query-db}
  exposes:
    - type: mcp
      transport: stdio
      namespace: test-mcp-stdio
      description: Test MCP server using stdio transport.
      tools:
        - name: query-database
          description: Query the test database.
          call: mock-api.query-db
          with: {datasource_id: test-db-id-123}
          outputParameters:
            - type: array
              mapping: $.results
              items:
                type: object
                properties:
                  name: {type: string, mapping: $.name}
`

// TestStdioTransport drives `naftiko serve` of a stdio-only capability with
// newline-delimited JSON-RPC on its stdin: one response line per request on
// stdout, nothing for notifications, logs on stderr only, exit 0 when the
// client closes stdin.
func TestStdioTransport(t *testing.T) {
	dir, err := os.Getwd()
	require.NoError(t, err)
	bin := buildNaftiko(t, filepath.Dir(dir))

	upstream, got := newQueryUpstream(t)
	capFile := filepath.Join(t.TempDir(), "stdio.yaml")
	require.NoError(t, os.WriteFile(capFile, []byte(stdioCapability), 0o600))

	cmd := exec.CommandContext(t.Context(), bin, "serve", "--base-uri", "mock-api="+upstream+"/v1", capFile)
	stdin, err := cmd.StdinPipe()
	require.NoError(t, err)
	stdoutPipe, err := cmd.StdoutPipe()
	require.NoError(t, err)
	stderr := &syncBuilder{}
	cmd.Stderr = stderr
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	out := bufio.NewScanner(stdoutPipe)
	out.Buffer(make([]byte, 1<<20), 1<<20)

	send := func(line string) {
		_, err := io.WriteString(stdin, line+"\n")
		require.NoError(t, err)
	}
	recv := func() map[string]any {
		lines := make(chan string, 1)
		go func() {
			if out.Scan() {
				lines <- out.Text()
			}
			close(lines)
		}()
		select {
		case line, ok := <-lines:
			require.True(t, ok, "stdout closed; stderr:\n%s", stderr.String())
			var msg map[string]any
			require.NoError(t, json.Unmarshal([]byte(line), &msg), "stdout line is not JSON: %q", line)
			return msg
		case <-time.After(20 * time.Second):
			require.FailNow(t, "no response on stdout", "stderr:\n%s", stderr.String())
			return nil
		}
	}

	send(`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"go-test","version":"0"}}}`)
	init := recv()
	assert.Equal(t, 1.0, init["id"])
	result := init["result"].(map[string]any)
	assert.Equal(t, "test-mcp-stdio", result["serverInfo"].(map[string]any)["name"])
	assert.Equal(t, "Test MCP server using stdio transport.", result["instructions"])

	send(`{"jsonrpc":"2.0","method":"notifications/initialized"}`) // no answer
	send(`{"jsonrpc":"2.0","id":2,"method":"tools/list"}`)
	list := recv()
	assert.Equal(t, 2.0, list["id"], "the notification got no response line")
	tools := list["result"].(map[string]any)["tools"].([]any)
	require.Len(t, tools, 1)
	assert.Equal(t, "query-database", tools[0].(map[string]any)["name"])

	send(`{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"query-database","arguments":{}}}`)
	call := recv()
	assert.Equal(t, 3.0, call["id"])
	cr := call["result"].(map[string]any)
	assert.Nil(t, cr["isError"])
	content := cr["content"].([]any)
	require.Len(t, content, 1)
	assert.JSONEq(t, `[{"name":"Ada"},{"name":"Grace"}]`, content[0].(map[string]any)["text"].(string))
	r := <-got
	assert.Equal(t, "POST /v1/databases/test-db-id-123/query", r.Method+" "+r.Path)

	send(`this is not json`)
	parseErr := recv()
	assert.Equal(t, -32700.0, parseErr["error"].(map[string]any)["code"])

	// Closing stdin ends the server: exit 0, nothing else on stdout.
	require.NoError(t, stdin.Close())
	assert.False(t, out.Scan(), "unexpected stdout line %q", out.Text())
	require.NoError(t, cmd.Wait(), "stderr:\n%s", stderr.String())
	assert.Contains(t, stderr.String(), "stdin closed", "logs go to stderr")
}

// syncBuilder is a strings.Builder safe for a writer goroutine and a reader.
type syncBuilder struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuilder) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuilder) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
