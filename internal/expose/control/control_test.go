package control

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/naftiko-go/naftiko/internal/expose"
	"github.com/naftiko-go/naftiko/internal/spec"
)

func ptr[T any](v T) *T { return &v }

func get(t *testing.T, h http.Handler, path string) (int, string, http.Header) {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
	return rec.Code, rec.Body.String(), rec.Header()
}

func controlAdapter(m *spec.Management, o *spec.Observability) *spec.Expose {
	return &spec.Expose{Type: "control", Port: 9199, Control: &spec.ControlAdapter{Management: m, Observability: o}}
}

func TestEndpointsEnabled(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		m    *spec.Management
		o    *spec.Observability
		want map[string]int // path → status
	}{
		{"defaults: health and metrics, no status", nil, nil,
			map[string]int{"/health/live": 200, "/health/ready": 200, "/status": 404, "/metrics": 200}},
		{"info on", &spec.Management{Info: ptr(true)}, nil,
			map[string]int{"/status": 200}},
		{"health off", &spec.Management{Health: ptr(false)}, nil,
			map[string]int{"/health/live": 404, "/health/ready": 404}},
		{"observability disabled removes /metrics", nil, &spec.Observability{Enabled: ptr(false)},
			map[string]int{"/metrics": 404}},
		{"local metrics disabled", nil, &spec.Observability{MetricsLocal: ptr(false)},
			map[string]int{"/metrics": 404}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h, err := New(controlAdapter(tt.m, tt.o), nil, Options{Metrics: NewMetrics()})
			require.NoError(t, err)
			for path, status := range tt.want {
				code, _, _ := get(t, h, path)
				assert.Equal(t, status, code, path)
			}
		})
	}
}

func TestHealth(t *testing.T) {
	t.Parallel()
	states := []AdapterState{
		{Type: "rest", Namespace: "r", Address: "127.0.0.1:8080", Port: 8080, State: StateStarted},
		{Type: "control", Address: "127.0.0.1:9199", Port: 9199, State: StateStopped},
	}
	h, err := New(controlAdapter(nil, nil), nil, Options{Adapters: func() []AdapterState { return states }})
	require.NoError(t, err)

	code, body, hdr := get(t, h, "/health/live")
	assert.Equal(t, 200, code)
	assert.Equal(t, "application/json", hdr.Get("Content-Type"))
	assert.JSONEq(t, `{"status":"UP"}`, body)

	code, body, _ = get(t, h, "/health/ready")
	assert.Equal(t, 200, code, "a control adapter's own state does not count")
	assert.JSONEq(t, `{"status":"UP","adapters":[
		{"type":"rest","namespace":"r","address":"127.0.0.1:8080","port":8080,"state":"started"},
		{"type":"control","address":"127.0.0.1:9199","port":9199,"state":"stopped"}]}`, body)

	states[0].State = StateStopped
	code, body, _ = get(t, h, "/health/ready")
	assert.Equal(t, http.StatusServiceUnavailable, code)
	assert.Contains(t, body, `"status":"DEGRADED"`)
}

func TestStatus(t *testing.T) {
	t.Parallel()
	doc := &spec.Document{Naftiko: "1.0.0-alpha2", Info: &spec.Info{Label: "Shop"}}
	h, err := New(controlAdapter(&spec.Management{Info: ptr(true)}, nil), doc, Options{
		Version: "1.2.3",
		Start:   time.Now().Add(-90 * time.Second),
		Adapters: func() []AdapterState {
			return []AdapterState{{Type: "rest", Namespace: "r", Address: "127.0.0.1:1", Port: 1, State: StateStarted, Routes: 3}}
		},
		Upstreams: []Upstream{{Namespace: "shop", BaseURI: "https://shop.example.com"}},
		Metrics:   NewMetrics(),
	})
	require.NoError(t, err)
	code, body, _ := get(t, h, "/status")
	require.Equal(t, 200, code)
	var got map[string]any
	require.NoError(t, json.Unmarshal([]byte(body), &got))
	assert.Equal(t, map[string]any{"label": "Shop", "specVersion": "1.0.0-alpha2"}, got["capability"])
	eng := got["engine"].(map[string]any)
	assert.Equal(t, "1.2.3", eng["version"])
	assert.Equal(t, "naftiko-go", eng["name"])
	assert.True(t, strings.HasPrefix(got["uptime"].(string), "PT1M30"), got["uptime"])
	assert.GreaterOrEqual(t, got["uptimeSeconds"].(float64), 90.0)
	assert.Equal(t, "UP", got["status"])
	assert.Equal(t, "active", got["metrics"])
	assert.Equal(t, []any{map[string]any{"type": "rest", "namespace": "r", "address": "127.0.0.1:1", "port": 1.0, "state": "started", "routes": 3.0}}, got["adapters"])
	assert.Equal(t, []any{map[string]any{"namespace": "shop", "baseUri": "https://shop.example.com"}}, got["upstreams"])
}

func TestISODuration(t *testing.T) {
	t.Parallel()
	tests := map[time.Duration]string{
		0:                                     "PT0S",
		1500 * time.Millisecond:               "PT1.5S",
		time.Minute:                           "PT1M",
		2*time.Hour + 3*time.Minute + 4e9:     "PT2H3M4S",
		26*time.Hour + 12345*time.Millisecond: "PT26H12.345S",
	}
	for d, want := range tests {
		assert.Equal(t, want, ISODuration(d), d.String())
	}
}

func TestMetricsText(t *testing.T) {
	t.Parallel()
	m := NewMetrics()
	ctx := context.Background()
	rest := expose.Invocation{AdapterType: "rest", Adapter: "r", Operation: "GET /items/{id}", Status: 200, Duration: 30 * time.Millisecond}
	m.ObserveInvocation(ctx, rest)
	m.ObserveInvocation(ctx, rest)
	notFound := rest
	notFound.Status, notFound.Duration = 404, 2*time.Second
	m.ObserveInvocation(ctx, notFound)
	m.ObserveInvocation(ctx, expose.Invocation{AdapterType: "mcp", Adapter: "m", Operation: `say "hi"`, Status: 502,
		Err: &expose.Error{Kind: expose.KindUnreachable}, Duration: time.Millisecond})
	m.ObserveUpstream(ctx, expose.UpstreamCall{Namespace: "shop", Operation: "get-item", Method: "GET", Status: 200, Duration: 20 * time.Millisecond})
	m.ObserveUpstream(ctx, expose.UpstreamCall{Namespace: "shop", Operation: "get-item", Method: "GET", Err: &expose.Error{Kind: expose.KindTimeout}, Duration: 11 * time.Second})

	h, err := New(controlAdapter(nil, nil), nil, Options{Metrics: m})
	require.NoError(t, err)
	code, text, hdr := get(t, h, "/metrics")
	require.Equal(t, 200, code)
	assert.Equal(t, "text/plain; version=0.0.4; charset=utf-8", hdr.Get("Content-Type"))

	restLabels := `naftiko_adapter_type="rest",naftiko_adapter="r",naftiko_operation_id="GET /items/{id}"`
	mcpLabels := `naftiko_adapter_type="mcp",naftiko_adapter="m",naftiko_operation_id="say \"hi\""`
	upLabels := `naftiko_namespace="shop",naftiko_operation="get-item",http_request_method="GET"`
	for _, line := range []string{
		"# TYPE naftiko_request_total counter",
		`naftiko_request_total{` + restLabels + `,status="200",outcome="success"} 2`,
		`naftiko_request_total{` + restLabels + `,status="404",outcome="upstream_error"} 1`,
		`naftiko_request_total{` + mcpLabels + `,status="502",outcome="error"} 1`,
		"# TYPE naftiko_request_errors counter",
		`naftiko_request_errors{` + restLabels + `,error_type="upstream_status"} 1`,
		`naftiko_request_errors{` + mcpLabels + `,error_type="unreachable"} 1`,
		"# TYPE naftiko_request_duration_seconds histogram",
		`naftiko_request_duration_seconds_bucket{` + restLabels + `,le="0.025"} 0`,
		`naftiko_request_duration_seconds_bucket{` + restLabels + `,le="0.05"} 2`,
		`naftiko_request_duration_seconds_bucket{` + restLabels + `,le="2.5"} 3`,
		`naftiko_request_duration_seconds_bucket{` + restLabels + `,le="+Inf"} 3`,
		`naftiko_request_duration_seconds_sum{` + restLabels + `} 2.06`,
		`naftiko_request_duration_seconds_count{` + restLabels + `} 3`,
		"# TYPE naftiko_http_client_total counter",
		`naftiko_http_client_total{` + upLabels + `,status="200"} 1`,
		`naftiko_http_client_total{` + upLabels + `,status="timeout"} 1`,
		`naftiko_http_client_duration_seconds_bucket{` + upLabels + `,status="timeout",le="10"} 0`,
		`naftiko_http_client_duration_seconds_bucket{` + upLabels + `,status="timeout",le="+Inf"} 1`,
		`naftiko_http_client_duration_seconds_count{` + upLabels + `,status="200"} 1`,
		"# TYPE naftiko_uptime_seconds gauge",
	} {
		assert.Contains(t, text, line+"\n")
	}
	// Every sample line is "name{labels} value" or "name value".
	for _, line := range strings.Split(strings.TrimSpace(text), "\n") {
		if strings.HasPrefix(line, "#") {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		require.Positive(t, i, line)
		assert.NotContains(t, line[i+1:], " ")
	}
}

func TestMetricsInactive(t *testing.T) {
	t.Parallel()
	h, err := New(controlAdapter(nil, nil), nil, Options{})
	require.NoError(t, err)
	code, body, _ := get(t, h, "/metrics")
	assert.Equal(t, http.StatusServiceUnavailable, code)
	assert.JSONEq(t, `{"error":"metrics are not active"}`, body)
}

func TestNotFoundIsJSON(t *testing.T) {
	t.Parallel()
	h, err := New(controlAdapter(nil, nil), nil, Options{})
	require.NoError(t, err)
	code, body, _ := get(t, h, "/config")
	assert.Equal(t, 404, code)
	assert.True(t, json.Valid([]byte(body)))
}
