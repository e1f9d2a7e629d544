package engine_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/naftiko-go/naftiko/internal/engine"
	"github.com/naftiko-go/naftiko/internal/spec"
)

const telemetryCapability = `naftiko: 1.0.0-alpha2
capability:
  consumes:
    - type: http
      namespace: shop
      baseUri: http://placeholder
      resources:
        - name: item
          path: /items/{id}
          operations:
            - {name: get-item, method: GET}
        - name: slow
          path: /slow
          operations:
            - {name: get-slow, method: GET}
  exposes:
    - type: rest
      namespace: shop-rest
      port: 1
      resources:
        - path: /items/{id}
          operations:
            - {method: GET, call: shop.get-item}
        - path: /slow
          operations:
            - {method: GET, call: shop.get-slow}
    - type: mcp
      namespace: shop-mcp
      port: 2
      tools:
        - {name: get-item, description: Get an item, call: shop.get-item}
`

// telemetryFixture serves telemetryCapability in front of a fake upstream
// that records the traceparent it receives; /slow answers when its caller
// gives up.
type telemetryFixture struct {
	rest, mcp string
	logs      *syncBuffer
	spans     *tracetest.SpanRecorder

	mu           sync.Mutex
	traceparents []string
}

func serveTelemetry(t *testing.T, mutate func(*engine.Options)) *telemetryFixture {
	t.Helper()
	f := &telemetryFixture{logs: &syncBuffer{}, spans: tracetest.NewSpanRecorder()}
	upstream := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		f.traceparents = append(f.traceparents, r.Header.Get("Traceparent"))
		f.mu.Unlock()
		if r.URL.Path == "/slow" {
			<-r.Context().Done()
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"id":"`+strings.TrimPrefix(r.URL.Path, "/items/")+`"}`)
	}))
	doc, diags := spec.Load(writeTemp(t, telemetryCapability))
	require.False(t, diags.HasErrors(), diags.Error())
	opts := engine.Options{
		BaseURIs:       map[string]string{"shop": upstream},
		Ports:          map[string]int{"shop-rest": 0, "shop-mcp": 0},
		Logger:         slog.New(slog.NewJSONHandler(f.logs, nil)),
		AccessLog:      true,
		TracerProvider: sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(f.spans)),
	}
	if mutate != nil {
		mutate(&opts)
	}
	eng, diags := engine.Build([]*spec.Document{doc}, opts)
	require.False(t, diags.HasErrors(), diags.Error())
	running, err := eng.Listen()
	require.NoError(t, err)
	for _, l := range running.Listeners() {
		if l.Type == "rest" {
			f.rest = "http://" + l.Addr
		} else {
			f.mcp = "http://" + l.Addr + "/mcp"
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- running.Serve(ctx) }()
	t.Cleanup(func() {
		cancel()
		require.NoError(t, <-done)
	})
	return f
}

// accessLines returns the access log records.
func (f *telemetryFixture) accessLines(t *testing.T) []map[string]any {
	t.Helper()
	var out []map[string]any
	for line := range strings.SplitSeq(strings.TrimSpace(f.logs.String()), "\n") {
		var rec map[string]any
		require.NoError(t, json.Unmarshal([]byte(line), &rec), line)
		if rec["component"] == "access" {
			out = append(out, rec)
		}
	}
	return out
}

func get(t *testing.T, u string, header map[string]string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, u, nil)
	require.NoError(t, err)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp, string(b)
}

func TestTraceContextReachesTheUpstream(t *testing.T) {
	t.Parallel()
	f := serveTelemetry(t, nil)
	const inbound = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
	resp, body := get(t, f.rest+"/items/42?apiKey=SECRET-QUERY-VALUE", map[string]string{"Traceparent": inbound, "X-Request-Id": "req-42"})
	require.Equal(t, http.StatusOK, resp.StatusCode, body)
	assert.Equal(t, "req-42", resp.Header.Get("X-Request-Id"))

	spans := f.spans.Ended()
	require.Len(t, spans, 2)
	var server, client sdktrace.ReadOnlySpan
	for _, s := range spans {
		switch s.SpanKind() {
		case trace.SpanKindServer:
			server = s
		case trace.SpanKindClient:
			client = s
		}
	}
	require.NotNil(t, server)
	require.NotNil(t, client)
	assert.Equal(t, "GET /items/{id}", server.Name())
	assert.Equal(t, "4bf92f3577b34da6a3ce929d0e0e4736", server.SpanContext().TraceID().String())
	assert.Equal(t, "00f067aa0ba902b7", server.Parent().SpanID().String(), "the caller's span is the parent")
	assert.Equal(t, server.SpanContext().SpanID(), client.Parent().SpanID())
	assert.Equal(t, "GET shop.get-item", client.Name())

	f.mu.Lock()
	defer f.mu.Unlock()
	require.Len(t, f.traceparents, 1)
	assert.Equal(t, "00-4bf92f3577b34da6a3ce929d0e0e4736-"+client.SpanContext().SpanID().String()+"-01", f.traceparents[0],
		"the upstream sees the trace and the client span as its parent")

	lines := f.accessLines(t)
	require.Len(t, lines, 1)
	line := lines[0]
	assert.Equal(t, "request", line["msg"])
	assert.Equal(t, "INFO", line["level"])
	assert.Equal(t, "GET", line["method"])
	assert.Equal(t, "/items/{id}", line["route"])
	assert.EqualValues(t, 200, line["status"])
	assert.EqualValues(t, len(body), line["bytes"])
	assert.Equal(t, "req-42", line["request_id"])
	assert.Equal(t, "4bf92f3577b34da6a3ce929d0e0e4736", line["trace_id"])
	assert.Contains(t, line, "duration_ms")
	assert.NotContains(t, f.logs.String(), "SECRET-QUERY-VALUE")
}

func TestRequestIDs(t *testing.T) {
	t.Parallel()
	f := serveTelemetry(t, nil)
	// Without a caller's trace context, the engine starts a trace.
	resp, _ := get(t, f.rest+"/items/1", nil)
	generated := resp.Header.Get("X-Request-Id")
	assert.Len(t, generated, 26)
	f.mu.Lock()
	assert.Regexp(t, `^00-[0-9a-f]{32}-[0-9a-f]{16}-01$`, f.traceparents[0])
	f.mu.Unlock()

	for _, bad := range []string{"has space", "quote\"", strings.Repeat("x", 129), "new\u00e9"} {
		resp, _ := get(t, f.rest+"/items/1", map[string]string{"X-Request-Id": bad})
		id := resp.Header.Get("X-Request-Id")
		assert.NotEqual(t, bad, id)
		assert.Len(t, id, 26, bad)
	}

	// A problem document carries the request id.
	resp, body := get(t, f.rest+"/nowhere", map[string]string{"X-Request-Id": "trace-me"})
	assert.Equal(t, http.StatusNotFound, resp.StatusCode)
	assert.Equal(t, "trace-me", resp.Header.Get("X-Request-Id"))
	var p map[string]any
	require.NoError(t, json.Unmarshal([]byte(body), &p))
	assert.Equal(t, "trace-me", p["requestId"])
	lines := f.accessLines(t)
	last := lines[len(lines)-1]
	assert.EqualValues(t, 404, last["status"])
	assert.Equal(t, "", last["route"], "no route matched")
}

func TestAccessLogOfMCPCalls(t *testing.T) {
	t.Parallel()
	f := serveTelemetry(t, nil)
	c := mcpClient(t, f.mcp)
	res := callTool(t, c, "get-item", map[string]any{"id": "7"})
	assert.False(t, res.IsError)

	var call map[string]any
	for _, l := range f.accessLines(t) {
		if l["tool"] == "get-item" {
			call = l
		}
	}
	require.NotNil(t, call, f.logs.String())
	assert.Equal(t, "POST", call["method"])
	assert.Equal(t, "/mcp", call["route"])
	assert.EqualValues(t, 200, call["status"])
	assert.NotEmpty(t, call["request_id"])
	var names []string
	for _, s := range f.spans.Ended() {
		names = append(names, s.Name())
	}
	assert.Contains(t, names, "tools/call get-item")
}

// TestTraceContextFromMCPMeta: a tools/call carrying W3C trace context in
// its _meta (SEP-414) joins that trace, over HTTP headers, on the fast path
// and through mcp-go alike (a reserved _meta key sends the call there).
func TestTraceContextFromMCPMeta(t *testing.T) {
	t.Parallel()
	const metaTrace = "0af7651916cd43dd8448eb211c80319c"
	const headerTrace = "4bf92f3577b34da6a3ce929d0e0e4736"
	tests := []struct {
		name, meta, header, wantTrace string
	}{
		{"meta only", `{"traceparent":"00-` + metaTrace + `-b7ad6b7169203331-01"}`, "", metaTrace},
		{"meta wins over the header", `{"traceparent":"00-` + metaTrace + `-b7ad6b7169203331-01","tracestate":"k=v"}`,
			"00-" + headerTrace + "-00f067aa0ba902b7-01", metaTrace},
		{"invalid meta keeps the header", `{"traceparent":"00-zz-b7ad6b7169203331-01"}`, "00-" + headerTrace + "-00f067aa0ba902b7-01", headerTrace},
		{"through mcp-go", `{"traceparent":"00-` + metaTrace + `-b7ad6b7169203331-01","io.modelcontextprotocol/related-task":{"taskId":"x"}}`,
			"", metaTrace},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := serveTelemetry(t, nil)
			body := `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"get-item","arguments":{"id":"7"},"_meta":` + tc.meta + `}}`
			req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, f.mcp, strings.NewReader(body))
			require.NoError(t, err)
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Accept", "application/json, text/event-stream")
			req.Header.Set("Mcp-Protocol-Version", "2025-11-25")
			if tc.header != "" {
				req.Header.Set("Traceparent", tc.header)
			}
			resp, err := http.DefaultClient.Do(req)
			require.NoError(t, err)
			out, _ := io.ReadAll(resp.Body)
			_ = resp.Body.Close()
			require.Equal(t, http.StatusOK, resp.StatusCode, string(out))
			require.Contains(t, string(out), `"structuredContent":{"id":"7"}`)

			f.mu.Lock()
			require.Len(t, f.traceparents, 1)
			assert.True(t, strings.HasPrefix(f.traceparents[0], "00-"+tc.wantTrace+"-"), "upstream got %s", f.traceparents[0])
			f.mu.Unlock()
			var call map[string]any
			for _, l := range f.accessLines(t) {
				if l["tool"] == "get-item" {
					call = l
				}
			}
			require.NotNil(t, call, f.logs.String())
			assert.Equal(t, tc.wantTrace, call["trace_id"])
		})
	}
}

func TestAccessLogOff(t *testing.T) {
	t.Parallel()
	f := serveTelemetry(t, func(o *engine.Options) { o.AccessLog = false })
	resp, _ := get(t, f.rest+"/items/1", nil)
	assert.NotEmpty(t, resp.Header.Get("X-Request-Id"), "ids are kept without access logs")
	assert.Empty(t, f.accessLines(t))
}

func TestPerOperationTimeout(t *testing.T) {
	t.Parallel()
	f := serveTelemetry(t, func(o *engine.Options) {
		o.OperationTimeouts = map[string]time.Duration{"shop.get-slow": 50 * time.Millisecond}
	})
	start := time.Now()
	resp, body := get(t, f.rest+"/slow", nil)
	assert.Equal(t, http.StatusGatewayTimeout, resp.StatusCode, body)
	assert.Contains(t, body, "50ms")
	assert.Less(t, time.Since(start), 5*time.Second)
	resp, _ = get(t, f.rest+"/items/1", nil)
	assert.Equal(t, http.StatusOK, resp.StatusCode, "other operations keep the default")
}

func TestOperationTimeoutsMustNameSomething(t *testing.T) {
	t.Parallel()
	doc, diags := spec.Load(writeTemp(t, telemetryCapability))
	require.False(t, diags.HasErrors())
	for key, want := range map[string]string{
		"nope":          `--timeout names consumer "nope"`,
		"shop.get-nope": `--timeout names operation "get-nope" of consumer "shop"`,
	} {
		_, diags := engine.Build([]*spec.Document{doc}, engine.Options{ValidateOnly: true,
			OperationTimeouts: map[string]time.Duration{key: time.Second}})
		require.True(t, diags.HasErrors(), key)
		assert.Contains(t, diags.Error(), want)
	}
}

func TestRequestHeadersAreLimited(t *testing.T) {
	t.Parallel()
	f := serveTelemetry(t, nil)
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, f.rest+"/items/1", nil)
	require.NoError(t, err)
	req.Header.Set("X-Huge", strings.Repeat("a", 1<<20+8192))
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	assert.Equal(t, http.StatusRequestHeaderFieldsTooLarge, resp.StatusCode)
}
