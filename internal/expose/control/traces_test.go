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

// recordOnly records spans without sampling them (nothing is exported).
type recordOnly struct{}

func (recordOnly) ShouldSample(sdktrace.SamplingParameters) sdktrace.SamplingResult {
	return sdktrace.SamplingResult{Decision: sdktrace.RecordOnly}
}

func (recordOnly) Description() string { return "record only" }

// TestTraceBufferBounds: sizes are clamped, unsampled spans are not kept,
// traces whose root never ends are dropped oldest first past a bound, and a
// trace keeps at most 256 spans, saying so.
func TestTraceBufferBounds(t *testing.T) {
	t.Parallel()
	assert.Equal(t, DefaultTraceBuffer, NewTraceBuffer(0).size)
	assert.Equal(t, MinTraceBuffer, NewTraceBuffer(3).size)
	assert.Equal(t, MaxTraceBuffer, NewTraceBuffer(1<<20).size)

	b := NewTraceBuffer(10)
	unsampled := sdktrace.NewTracerProvider(sdktrace.WithSampler(recordOnly{}), sdktrace.WithSpanProcessor(b))
	record(t, unsampled, context.Background(), "GET /x", false)
	assert.Empty(t, b.recent(), "a recorded but unsampled trace is not kept")

	tp := sdktrace.NewTracerProvider(sdktrace.WithSampler(sdktrace.AlwaysSample()), sdktrace.WithSpanProcessor(b))
	tr := tp.Tracer("test")
	var firstRoot trace.SpanID
	for i := range maxPendingTraces + 4 { // roots that never end: only children end
		ctx, root := tr.Start(context.Background(), "root")
		if i == 0 {
			firstRoot = root.SpanContext().SpanID()
		}
		_, c := tr.Start(ctx, "child")
		c.End()
	}
	b.mu.Lock()
	_, firstKept := b.pending[firstRoot]
	pending := len(b.pending)
	b.mu.Unlock()
	assert.Equal(t, maxPendingTraces, pending)
	assert.False(t, firstKept, "the oldest waiting trace is the one dropped")

	ctx, root := tr.Start(context.Background(), "big")
	for range 300 {
		_, c := tr.Start(ctx, "call")
		c.End()
	}
	root.End()
	big := b.recent()[0]
	assert.Equal(t, "big", big.Operation)
	assert.Len(t, big.Spans, maxSpansPerTrace)
	assert.True(t, big.Truncated)
}

// TestTraceBufferSharedTraceID: requests continuing one caller's trace (an
// agent's tool calls under one traceparent) are one row each, with their own
// spans; the trace's detail shows them all.
func TestTraceBufferSharedTraceID(t *testing.T) {
	t.Parallel()
	b := NewTraceBuffer(10)
	tp := sdktrace.NewTracerProvider(sdktrace.WithSampler(sdktrace.AlwaysSample()), sdktrace.WithSpanProcessor(b))
	tr := tp.Tracer("test")
	remote := trace.NewSpanContext(trace.SpanContextConfig{TraceID: trace.TraceID{7}, SpanID: trace.SpanID{8}, TraceFlags: trace.FlagsSampled, Remote: true})
	parent := trace.ContextWithRemoteSpanContext(context.Background(), remote)
	ctxA, a := tr.Start(parent, "tools/call a", trace.WithSpanKind(trace.SpanKindServer))
	ctxB, bRoot := tr.Start(parent, "tools/call b", trace.WithSpanKind(trace.SpanKindServer))
	_, a1 := tr.Start(ctxA, "GET up.a", trace.WithSpanKind(trace.SpanKindClient))
	_, b1 := tr.Start(ctxB, "GET up.b", trace.WithSpanKind(trace.SpanKindClient))
	a1.End()
	b1.SetStatus(codes.Error, "boom")
	b1.End()
	a.End()
	bRoot.End()

	h := tracesHandler(t, b)
	var list struct{ Traces []TraceSummary }
	require.Equal(t, http.StatusOK, getJSON(t, h, "/traces", &list))
	require.Len(t, list.Traces, 2)
	assert.Equal(t, "tools/call b", list.Traces[0].Operation)
	assert.Equal(t, "ERROR", list.Traces[0].Status)
	assert.Equal(t, 2, list.Traces[0].SpanCount)
	assert.Equal(t, "tools/call a", list.Traces[1].Operation)
	assert.Equal(t, "OK", list.Traces[1].Status, "b's failure is not a's")
	assert.Equal(t, 2, list.Traces[1].SpanCount)

	var detail TraceDetail
	require.Equal(t, http.StatusOK, getJSON(t, h, "/traces/"+trace.TraceID{7}.String(), &detail))
	assert.Equal(t, "tools/call a", detail.Operation, "the earliest request names the trace")
	assert.Equal(t, "ERROR", detail.Status)
	var names []string
	for _, sp := range detail.Spans {
		names = append(names, sp.Name)
	}
	assert.Equal(t, []string{"tools/call a", "GET up.a", "tools/call b", "GET up.b"}, names)
	assert.Equal(t, a.SpanContext().SpanID().String(), detail.Spans[1].ParentSpanID)
	assert.Equal(t, bRoot.SpanContext().SpanID().String(), detail.Spans[3].ParentSpanID)
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
