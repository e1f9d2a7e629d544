package telemetry

import (
	"context"
	"encoding/json"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
)

func TestExportsOTLPJSON(t *testing.T) {
	t.Parallel()
	bodies := make(chan []byte, 4)
	paths := make(chan string, 4)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		assert.Equal(t, "application/json", r.Header.Get("Content-Type"))
		paths <- r.URL.Path
		bodies <- b
	}))
	t.Cleanup(srv.Close)

	tp, err := NewTracerProvider(Options{Endpoint: srv.URL, ServiceVersion: "1.2.3"})
	require.NoError(t, err)
	ctx, parent := tp.Tracer("scope-a").Start(context.Background(), "GET /items/{id}", trace.WithSpanKind(trace.SpanKindServer),
		trace.WithAttributes(attribute.String("http.route", "/items/{id}"), attribute.Int("http.response.status_code", 502), attribute.Bool("b", true)))
	_, child := tp.Tracer("scope-a").Start(ctx, "GET shop.get-item", trace.WithSpanKind(trace.SpanKindClient))
	child.SetStatus(codes.Error, "timeout")
	child.End()
	parent.End()
	require.NoError(t, tp.Shutdown(context.Background())) // flushes

	assert.Equal(t, "/v1/traces", <-paths)
	var got struct {
		ResourceSpans []struct {
			Resource struct {
				Attributes []map[string]any `json:"attributes"`
			} `json:"resource"`
			ScopeSpans []struct {
				Scope struct {
					Name string `json:"name"`
				} `json:"scope"`
				Spans []map[string]any `json:"spans"`
			} `json:"scopeSpans"`
		} `json:"resourceSpans"`
	}
	require.NoError(t, json.Unmarshal(<-bodies, &got))
	require.Len(t, got.ResourceSpans, 1)
	rs := got.ResourceSpans[0]
	assert.Contains(t, rs.Resource.Attributes, map[string]any{"key": "service.name", "value": map[string]any{"stringValue": "naftiko"}})
	require.Len(t, rs.ScopeSpans, 1)
	assert.Equal(t, "scope-a", rs.ScopeSpans[0].Scope.Name)
	spans := map[string]map[string]any{}
	for _, s := range rs.ScopeSpans[0].Spans {
		spans[s["name"].(string)] = s
	}
	server, client := spans["GET /items/{id}"], spans["GET shop.get-item"]
	require.NotNil(t, server)
	require.NotNil(t, client)
	assert.Equal(t, parent.SpanContext().TraceID().String(), server["traceId"])
	assert.Equal(t, server["spanId"], client["parentSpanId"])
	assert.EqualValues(t, 2, server["kind"])
	assert.EqualValues(t, 3, client["kind"])
	assert.Equal(t, map[string]any{"code": float64(2), "message": "timeout"}, client["status"])
	assert.IsType(t, "", server["startTimeUnixNano"])
	assert.Contains(t, server["attributes"], map[string]any{"key": "http.response.status_code", "value": map[string]any{"intValue": "502"}})
	assert.Contains(t, server["attributes"], map[string]any{"key": "b", "value": map[string]any{"boolValue": true}})
}

func ptr[T any](v T) *T { return &v }

func TestNewTracerProvider(t *testing.T) {
	t.Parallel()
	_, err := NewTracerProvider(Options{Endpoint: "collector:4318"})
	require.Error(t, err)

	half := 0.5
	tp, err := NewTracerProvider(Options{SamplingRatio: &half})
	require.NoError(t, err)
	_, s := tp.Tracer("x").Start(context.Background(), "y")
	s.End()
	require.NoError(t, tp.Shutdown(context.Background()))

	// The ratio applies to new traces with a local receiver too; 0 is none.
	for _, tc := range []struct {
		ratio *float64
		want  int
	}{{nil, 100}, {ptr(0.0), 0}, {ptr(1.0), 100}, {ptr(2.0), 100}} {
		rec := tracetest.NewSpanRecorder()
		tp, err := NewTracerProvider(Options{SamplingRatio: tc.ratio, Local: []sdktrace.SpanProcessor{rec}})
		require.NoError(t, err)
		for range 100 {
			_, s := tp.Tracer("x").Start(context.Background(), "y")
			s.End()
		}
		assert.Len(t, rec.Ended(), tc.want, "ratio %v", tc.ratio)
	}

	e, err := NewExporter(Options{Endpoint: "https://c.example.com/custom/path"})
	require.NoError(t, err)
	assert.Equal(t, "https://c.example.com/custom/path", e.url)
}
