package engine_test

import (
	"context"
	"encoding/json"
	"github.com/naftiko-go/naftiko/internal/expose/control"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/naftiko-go/naftiko/internal/engine"
	"github.com/naftiko-go/naftiko/internal/spec"
)

// shopCapability has a REST, an MCP and a control adapter in front of one
// upstream operation, plus an operation of an unreachable consumer.
const shopCapability = `naftiko: 1.0.0-alpha2
info: {label: Shop, description: Items}
capability:
  consumes:
    - type: http
      namespace: shop
      baseUri: https://shop.example.com
      resources:
        - name: item
          path: /items/{id}
          operations:
            - {name: get-item, method: GET}
    - type: http
      namespace: down
      baseUri: https://down.example.com
      resources:
        - name: thing
          path: /things
          operations:
            - {name: get-things, method: GET}
  exposes:
    - type: rest
      namespace: shop-rest
      port: 8080
      resources:
        - path: /items/{id}
          operations:
            - {method: GET, call: shop.get-item}
        - path: /things
          operations:
            - {method: GET, call: down.get-things}
    - type: mcp
      namespace: shop-mcp
      port: 9090
      tools:
        - {name: get-item, description: Get an item, call: shop.get-item}
    - type: control
      port: 9199
      management: {health: true, info: true}
`

// serveShop serves shopCapability with shop pointed at a fake upstream and
// down at a closed port; it returns the adapters' base URLs by type.
func serveShop(t *testing.T) map[string]string {
	t.Helper()
	return serveShopWith(t, nil)
}

// serveShopWith is serveShop with more options.
func serveShopWith(t *testing.T, mutate func(*engine.Options)) map[string]string {
	t.Helper()
	upstream := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if strings.HasSuffix(r.URL.Path, "/missing") {
			w.WriteHeader(http.StatusNotFound)
			_, _ = io.WriteString(w, `{"code":"not_found"}`)
			return
		}
		_, _ = io.WriteString(w, `{"id":"`+strings.TrimPrefix(r.URL.Path, "/items/")+`"}`)
	}))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	closed := "http://" + ln.Addr().String()
	require.NoError(t, ln.Close())

	doc := loadCapability(t, writeCapability(t, shopCapability, nil))
	for _, x := range doc.Capability.Exposes {
		if x.Control != nil {
			x.Port = 0 // control adapters have no namespace for --port
		}
	}
	eng, diags := buildDoc(t, doc, upstream, func(o *engine.Options) {
		o.BaseURIs["down"] = closed
		if mutate != nil {
			mutate(o)
		}
	})
	require.False(t, diags.HasErrors(), "build diagnostics:\n%s", diags.Error())
	urls := serveEngine(t, eng)
	return map[string]string{"rest": urls["shop-rest"], "mcp": urls["shop-mcp"], "control": urls[""]}
}

func getBody(t *testing.T, u string) (int, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, u, nil)
	require.NoError(t, err)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(b)
}

// TestControlMetricsAfterTraffic is issue 5 acceptance 4: after REST and MCP
// traffic, /metrics holds the RED series of each operation and tool and the
// upstream latency series, with the right counts.
func TestControlMetricsAfterTraffic(t *testing.T) {
	s := serveShop(t)

	for _, tt := range []struct {
		path   string
		status int
	}{{"/items/a", 200}, {"/items/b", 200}, {"/items/missing", 404}, {"/things", 502}} {
		code, body := getBody(t, s["rest"]+tt.path)
		require.Equal(t, tt.status, code, "%s: %s", tt.path, body)
	}
	c := mcpClient(t, s["mcp"])
	res := callTool(t, c, "get-item", map[string]any{"id": "c"})
	require.False(t, res.IsError, resultText(t, res))

	code, text := getBody(t, s["control"]+"/metrics")
	require.Equal(t, 200, code)
	rest := `naftiko_adapter_type="rest",naftiko_adapter="shop-rest",naftiko_operation_id="GET /items/{id}"`
	things := `naftiko_adapter_type="rest",naftiko_adapter="shop-rest",naftiko_operation_id="GET /things"`
	tool := `naftiko_adapter_type="mcp",naftiko_adapter="shop-mcp",naftiko_operation_id="get-item"`
	up := `naftiko_namespace="shop",naftiko_operation="get-item",http_request_method="GET"`
	down := `naftiko_namespace="down",naftiko_operation="get-things",http_request_method="GET"`
	for _, line := range []string{
		`naftiko_request_total{` + rest + `,status="200",outcome="success"} 2`,
		`naftiko_request_total{` + rest + `,status="404",outcome="upstream_error"} 1`,
		`naftiko_request_total{` + things + `,status="502",outcome="error"} 1`,
		`naftiko_request_total{` + tool + `,status="200",outcome="success"} 1`,
		`naftiko_request_errors{` + rest + `,error_type="upstream_status"} 1`,
		`naftiko_request_errors{` + things + `,error_type="unreachable"} 1`,
		`naftiko_request_duration_seconds_count{` + rest + `} 3`,
		`naftiko_request_duration_seconds_count{` + tool + `} 1`,
		`naftiko_http_client_total{` + up + `,status="200"} 3`,
		`naftiko_http_client_total{` + up + `,status="404"} 1`,
		`naftiko_http_client_total{` + down + `,status="unreachable"} 1`,
		`naftiko_http_client_duration_seconds_count{` + up + `,status="200"} 3`,
	} {
		assert.Contains(t, text, line+"\n")
	}
}

// TestControlRecentTraces: with a trace buffer among the tracer provider's
// processors, the control adapter lists the traces of REST and MCP calls,
// each with its upstream call as a child span.
func TestControlRecentTraces(t *testing.T) {
	buffer := control.NewTraceBuffer(10)
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(buffer))
	t.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
	s := serveShopWith(t, func(o *engine.Options) { o.TracerProvider, o.Traces = tp, buffer })

	code, body := getBody(t, s["rest"]+"/items/a")
	require.Equal(t, 200, code, body)
	c := mcpClient(t, s["mcp"])
	res := callTool(t, c, "get-item", map[string]any{"id": "c"})
	require.False(t, res.IsError, resultText(t, res))

	code, body = getBody(t, s["control"]+"/traces")
	require.Equal(t, 200, code, body)
	var list struct {
		Traces []struct {
			TraceID, Operation, Status string
			SpanCount                  int
		}
	}
	require.NoError(t, json.Unmarshal([]byte(body), &list), body)
	require.Len(t, list.Traces, 2, body)
	var ops []string
	for _, tr := range list.Traces {
		ops = append(ops, tr.Operation)
		assert.Equal(t, "OK", tr.Status)
		assert.Equal(t, 2, tr.SpanCount, "%s: the invocation and its upstream call", tr.Operation)
	}
	assert.Contains(t, ops, "GET /items/{id}")
	assert.Contains(t, ops, "tools/call get-item")

	code, body = getBody(t, s["control"]+"/traces/"+list.Traces[0].TraceID)
	require.Equal(t, 200, code, body)
	assert.Contains(t, body, `"kind":"CLIENT"`)
}

func TestControlHealthAndStatus(t *testing.T) {
	s := serveShop(t)

	code, body := getBody(t, s["control"]+"/health/live")
	assert.Equal(t, 200, code)
	assert.JSONEq(t, `{"status":"UP"}`, body)

	code, body = getBody(t, s["control"]+"/health/ready")
	assert.Equal(t, 200, code, body)
	var ready struct {
		Status   string
		Adapters []struct{ Type, Namespace, State string }
	}
	require.NoError(t, json.Unmarshal([]byte(body), &ready))
	assert.Equal(t, "UP", ready.Status)
	require.Len(t, ready.Adapters, 3)
	for _, a := range ready.Adapters {
		assert.Equal(t, "started", a.State, a.Type)
	}

	code, body = getBody(t, s["control"]+"/status")
	require.Equal(t, 200, code)
	var st struct {
		Capability struct{ Label, SpecVersion string }
		Adapters   []struct {
			Type, Namespace, Address, State string
			Port, Routes, Tools             int
		}
		Upstreams []struct{ Namespace, BaseURI string }
	}
	require.NoError(t, json.Unmarshal([]byte(body), &st))
	assert.Equal(t, "Shop", st.Capability.Label)
	assert.Equal(t, "1.0.0-alpha2", st.Capability.SpecVersion)
	require.Len(t, st.Adapters, 3)
	assert.Equal(t, 2, st.Adapters[0].Routes)
	assert.Equal(t, 1, st.Adapters[1].Tools)
	assert.Equal(t, strings.TrimPrefix(s["rest"], "http://"), st.Adapters[0].Address)
	assert.NotZero(t, st.Adapters[0].Port)
	require.Len(t, st.Upstreams, 2)
	assert.Equal(t, "shop", st.Upstreams[0].Namespace)
	assert.True(t, strings.HasPrefix(st.Upstreams[0].BaseURI, "http://127.0.0.1:"), st.Upstreams[0].BaseURI)

	// The REST adapter serves its OpenAPI document.
	code, body = getBody(t, s["rest"]+"/openapi.json")
	assert.Equal(t, 200, code)
	assert.Contains(t, body, `"openapi": "3.1.0"`)
}

// TestAdapterBuildDiagnostics checks the start-up rules of the adapters
// this engine builds besides REST and MCP tools.
func TestAdapterBuildDiagnostics(t *testing.T) {
	const head = `naftiko: 1.0.0-alpha2
info: {label: D, description: d}
capability:
  consumes:
    - type: http
      namespace: up
      baseUri: https://up.example.com
      resources:
        - name: r
          path: /r
          operations:
            - {name: get-r, method: GET}
  exposes:
`
	tests := []struct {
		name, exposes, want string
		warning             bool
	}{
		{"two stdio adapters", `    - type: mcp
      namespace: one
      transport: stdio
      tools:
        - {name: get-r, description: d, call: up.get-r}
    - type: mcp
      namespace: two
      transport: stdio
      tools:
        - {name: get-r, description: d, call: up.get-r}
`, `adapter "two": only one MCP adapter can use transport stdio`, false},
		{"declared /openapi.json wins", `    - type: rest
      namespace: r-rest
      port: 8080
      resources:
        - path: /openapi.json
          operations:
            - {method: GET, call: up.get-r}
`, `adapter "r-rest" declares /openapi.json itself: the declared route wins`, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := loadCapability(t, writeCapability(t, head+tt.exposes, nil))
			_, diags := buildDoc(t, doc, "", nil)
			var found bool
			for _, d := range diags {
				if strings.Contains(d.Summary, tt.want) {
					found = true
					assert.Equal(t, tt.warning, d.Severity != spec.SeverityError, d.String())
				}
			}
			assert.True(t, found, "want %q in:\n%s", tt.want, diags.Error())
		})
	}
}
