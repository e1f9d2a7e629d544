package control

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"

	"github.com/naftiko-go/naftiko/internal/spec"
)

// record makes one trace: a server root span named op with a client child,
// the child failing when fail is set.
func record(t *testing.T, tp *sdktrace.TracerProvider, ctx context.Context, op string, fail bool) trace.SpanContext {
	t.Helper()
	tr := tp.Tracer("test")
	ctx, root := tr.Start(ctx, op, trace.WithSpanKind(trace.SpanKindServer))
	_, child := tr.Start(ctx, "GET up.op", trace.WithSpanKind(trace.SpanKindClient))
	if fail {
		child.SetStatus(codes.Error, "boom")
	}
	child.End()
	root.End()
	return root.SpanContext()
}

func tracesHandler(t *testing.T, b *TraceBuffer) http.Handler {
	t.Helper()
	x := &spec.Expose{Type: "control", Control: &spec.ControlAdapter{}}
	h, err := New(x, nil, Options{Traces: b})
	require.NoError(t, err)
	return h
}

func getJSON(t *testing.T, h http.Handler, target string, v any) int {
	t.Helper()
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, target, nil))
	require.NoError(t, json.Unmarshal(w.Body.Bytes(), v), w.Body.String())
	return w.Code
}

func TestTraceBuffer(t *testing.T) {
	t.Parallel()
	b := NewTraceBuffer(10)
	tp := sdktrace.NewTracerProvider(sdktrace.WithSampler(sdktrace.AlwaysSample()), sdktrace.WithSpanProcessor(b))
	var ids []string
	for i := range 12 {
		ids = append(ids, record(t, tp, context.Background(), fmt.Sprintf("GET /items/%d", i), i == 11).TraceID().String())
	}
	// A trace continued from a caller: its local root has a remote parent.
	remote := trace.NewSpanContext(trace.SpanContextConfig{TraceID: trace.TraceID{1}, SpanID: trace.SpanID{2}, TraceFlags: trace.FlagsSampled, Remote: true})
	continued := record(t, tp, trace.ContextWithRemoteSpanContext(context.Background(), remote), "tools/call get-item", false)
	require.Equal(t, trace.TraceID{1}, continued.TraceID())

	h := tracesHandler(t, b)
	var list struct {
		Traces     []TraceSummary
		BufferSize int
		BufferUsed int
	}
	require.Equal(t, http.StatusOK, getJSON(t, h, "/traces", &list))
	assert.Equal(t, 10, list.BufferSize)
	assert.Equal(t, 10, list.BufferUsed)
	require.Len(t, list.Traces, 10, "the oldest traces are dropped")
	assert.Equal(t, "tools/call get-item", list.Traces[0].Operation, "most recent first")
	assert.Equal(t, continued.TraceID().String(), list.Traces[0].TraceID)
	assert.Equal(t, "GET /items/11", list.Traces[1].Operation)
	assert.Equal(t, "ERROR", list.Traces[1].Status, "a failed span makes the trace an error")
	assert.Equal(t, "OK", list.Traces[2].Status)
	assert.Equal(t, "GET /items/3", list.Traces[9].Operation)
	assert.Equal(t, 2, list.Traces[2].SpanCount)
	assert.NotEmpty(t, list.Traces[2].Timestamp)

	require.Equal(t, http.StatusOK, getJSON(t, h, "/traces?operation=items/1&status=error", &list))
	require.Len(t, list.Traces, 1)
	assert.Equal(t, ids[11], list.Traces[0].TraceID)
	require.Equal(t, http.StatusOK, getJSON(t, h, "/traces?status=OK", &list))
	assert.Len(t, list.Traces, 9)

	var detail TraceDetail
	require.Equal(t, http.StatusOK, getJSON(t, h, "/traces/"+ids[11], &detail))
	assert.Equal(t, "GET /items/11", detail.Operation)
	require.Len(t, detail.Spans, 2)
	assert.Equal(t, "SERVER", detail.Spans[0].Kind)
	assert.Empty(t, detail.Spans[0].ParentSpanID)
	assert.Equal(t, "CLIENT", detail.Spans[1].Kind)
	assert.Equal(t, detail.Spans[0].SpanID, detail.Spans[1].ParentSpanID)
	assert.Equal(t, "ERROR", detail.Spans[1].Status)

	var missing map[string]string
	require.Equal(t, http.StatusNotFound, getJSON(t, h, "/traces/"+ids[0], &missing), "dropped")
	assert.Equal(t, "Trace not found: "+ids[0], missing["error"])
}

// TestTraceBufferBounds: sizes are clamped, unsampled spans are not kept,
// and spans of traces whose root never ends stop being kept.
func TestTraceBufferBounds(t *testing.T) {
	t.Parallel()
	assert.Equal(t, DefaultTraceBuffer, NewTraceBuffer(0).size)
	assert.Equal(t, MinTraceBuffer, NewTraceBuffer(3).size)
	assert.Equal(t, MaxTraceBuffer, NewTraceBuffer(1<<20).size)

	b := NewTraceBuffer(10)
	never := sdktrace.NewTracerProvider(sdktrace.WithSampler(sdktrace.NeverSample()), sdktrace.WithSpanProcessor(b))
	record(t, never, context.Background(), "GET /x", false)
	assert.Empty(t, b.recent())

	tp := sdktrace.NewTracerProvider(sdktrace.WithSampler(sdktrace.AlwaysSample()), sdktrace.WithSpanProcessor(b))
	tr := tp.Tracer("test")
	for range 100 { // roots that never end: only children end
		ctx, _ := tr.Start(context.Background(), "root")
		_, c := tr.Start(ctx, "child")
		c.End()
	}
	b.mu.Lock()
	pending := len(b.pending)
	b.mu.Unlock()
	assert.Equal(t, 4*10, pending)
}

// TestTracesEndpointSwitch: observability or traces.local off leaves /traces
// out; no buffer leaves it out too.
func TestTracesEndpointSwitch(t *testing.T) {
	t.Parallel()
	off := false
	for name, x := range map[string]*spec.Expose{
		"observability off": {Type: "control", Control: &spec.ControlAdapter{Observability: &spec.Observability{Enabled: &off}}},
		"local traces off":  {Type: "control", Control: &spec.ControlAdapter{Observability: &spec.Observability{TracesLocal: &off}}},
	} {
		assert.False(t, EndpointsOf(x).Traces, name)
		h, err := New(x, nil, Options{Traces: NewTraceBuffer(10)})
		require.NoError(t, err)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/traces", nil))
		assert.Equal(t, http.StatusNotFound, w.Code, name)
	}
	x := &spec.Expose{Type: "control", Control: &spec.ControlAdapter{Observability: &spec.Observability{TracesBufferSize: 50}}}
	assert.Equal(t, Endpoints{Health: true, Metrics: true, Traces: true, TraceBuffer: 50}, EndpointsOf(x))
	h, err := New(x, nil, Options{})
	require.NoError(t, err)
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/traces", nil))
	assert.Equal(t, http.StatusNotFound, w.Code, "no buffer")
}
