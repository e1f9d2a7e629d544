package engine

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/naftiko-go/naftiko/internal/expose/control"
	"github.com/naftiko-go/naftiko/internal/spec"
)

var benchUser = []byte(`{"id":"42","name":"Ada Lovelace","email":"ada@example.com","active":true,"roles":["admin","dev"]}`)

// BenchmarkMCPToolCall measures the engine's CPU for one MCP tools/call in
// stateless mode, through the adapter's front handler (request id, trace
// context, access log at the default info level, text format), against a
// loopback upstream answering ~100 B of JSON. Profile it with
// `go test -run '^$' -bench MCPToolCall -cpuprofile cpu.out ./internal/engine`.
func BenchmarkMCPToolCall(b *testing.B) {
	benchMCPCalls(b, benchEngineMCP(b, Options{}))
}

// BenchmarkMCPToolCallLocalTraces is BenchmarkMCPToolCall with the control
// adapter's /traces buffer on: every span is recorded and filed.
func BenchmarkMCPToolCallLocalTraces(b *testing.B) {
	buf := control.NewTraceBuffer(control.DefaultTraceBuffer)
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(buf))
	defer func() { _ = tp.Shutdown(context.Background()) }()
	benchMCPCalls(b, benchEngineMCP(b, Options{TracerProvider: tp, Traces: buf}))
}

// benchEngineMCP builds the benchmark capability's MCP adapter with opts
// (base URI, logger, access log and environment set here) and returns its
// front handler.
func benchEngineMCP(b *testing.B, opts Options) http.Handler {
	b.Helper()
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(benchUser)
	}))
	b.Cleanup(up.Close)

	const yaml = `naftiko: 1.0.0-alpha2
info:
  label: Bench
  description: MCP tool call benchmark.
capability:
  consumes:
    - type: http
      namespace: fake
      baseUri: http://127.0.0.1:1
      resources:
        - name: user
          path: /users/{id}
          operations:
            - {name: get-user, method: GET}
  exposes:
    - type: mcp
      namespace: bench-mcp
      port: 19090
      tools:
        - {name: get_user, description: Get a user by id, call: fake.get-user}
`
	p := filepath.Join(b.TempDir(), "capability.yaml")
	if err := os.WriteFile(p, []byte(yaml), 0o600); err != nil {
		b.Fatal(err)
	}
	doc, diags := spec.Load(p)
	if diags.HasErrors() {
		b.Fatal(diags.Error())
	}
	opts.BaseURIs = map[string]string{"fake": up.URL}
	opts.Logger = slog.New(slog.NewTextHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelInfo}))
	opts.AccessLog = true
	opts.LookupEnv = func(string) (string, bool) { return "", false }
	e, diags := Build([]*spec.Document{doc}, opts)
	if diags.HasErrors() {
		b.Fatal(diags.Error())
	}
	for _, a := range e.adapters {
		if a.spec.MCP != nil {
			return e.front(a)
		}
	}
	b.Fatal("no MCP adapter")
	return nil
}

// BenchmarkMCPToolCallBare is the floor for BenchmarkMCPToolCall: a bare
// mcp-go stateless server with a hand-written tool doing the same GET and
// answering the same shape (as bench/cmd/benchrun's baseline), through the
// same recorder and the same loopback upstream.
func BenchmarkMCPToolCallBare(b *testing.B) {
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(benchUser)
	}))
	defer up.Close()
	client := &http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone()}
	s := server.NewMCPServer("bench-bare", "1.0.0", server.WithToolCapabilities(false))
	s.AddTool(mcp.NewTool("get_user", mcp.WithDescription("Get a user by id"), mcp.WithString("id", mcp.Required())),
		func(ctx context.Context, r mcp.CallToolRequest) (*mcp.CallToolResult, error) {
			req, err := http.NewRequestWithContext(ctx, http.MethodGet, up.URL+"/users/"+url.PathEscape(r.GetString("id", "")), nil)
			if err != nil {
				return nil, err
			}
			req.Header.Set("Accept", "application/json")
			resp, err := client.Do(req)
			if err != nil {
				return mcp.NewToolResultError(err.Error()), nil
			}
			defer resp.Body.Close()
			body, err := io.ReadAll(resp.Body)
			if err != nil {
				return mcp.NewToolResultError(err.Error()), nil
			}
			out := mcp.NewToolResultText(string(body))
			var obj map[string]any
			if json.Unmarshal(body, &obj) == nil {
				out.StructuredContent = obj
			}
			return out, nil
		})
	benchMCPCalls(b, server.NewStreamableHTTPServer(s, server.WithStateLess(true)))
}

// benchMCPCalls runs tools/call get_user {id: "42"} through h per iteration.
func benchMCPCalls(b *testing.B, h http.Handler) {
	call := func(id int) {
		body := `{"jsonrpc":"2.0","id":` + strconv.Itoa(id) +
			`,"method":"tools/call","params":{"name":"get_user","arguments":{"id":"42"}}}`
		req := httptest.NewRequest(http.MethodPost, "http://127.0.0.1:19090/mcp", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "application/json, text/event-stream")
		req.Header.Set("MCP-Protocol-Version", "2025-11-25")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), `"structuredContent":{`) ||
			!strings.Contains(w.Body.String(), `"email":"ada@example.com"`) {
			b.Fatalf("status %d: %s", w.Code, w.Body.String())
		}
	}
	call(0)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		call(i + 1)
	}
}
