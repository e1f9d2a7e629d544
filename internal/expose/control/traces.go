package control

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"time"

	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
)

// Trace buffer sizes (reference: traces.local.buffer-size, 10–10000,
// default 100).
const (
	DefaultTraceBuffer = 100
	MinTraceBuffer     = 10
	MaxTraceBuffer     = 10000
)

// maxSpansPerTrace bounds the spans a trace keeps (an orchestration of
// thousands of calls stays one trace, its first spans shown).
const maxSpansPerTrace = 256

// TraceBuffer keeps the most recent traces of this process in memory for
// GET /traces: an sdktrace.SpanProcessor that gathers the spans of a trace
// until its local root span ends, then files the trace, dropping the oldest
// when full. Give it to the tracer provider and to the control adapter.
type TraceBuffer struct {
	size int

	mu      sync.Mutex
	pending map[trace.TraceID][]TraceSpan // spans of traces whose root has not ended
	ring    []*TraceDetail                // filed traces, oldest first once full
	next    int                           // where the next trace goes in ring
}

// NewTraceBuffer keeps the last size traces (clamped to 10–10000; 0 means
// DefaultTraceBuffer).
func NewTraceBuffer(size int) *TraceBuffer {
	switch {
	case size == 0:
		size = DefaultTraceBuffer
	case size < MinTraceBuffer:
		size = MinTraceBuffer
	case size > MaxTraceBuffer:
		size = MaxTraceBuffer
	}
	return &TraceBuffer{size: size, pending: map[trace.TraceID][]TraceSpan{}}
}

// TraceSummary is one trace in the GET /traces list.
type TraceSummary struct {
	TraceID    string  `json:"traceId"`
	Operation  string  `json:"operation"`
	DurationMs float64 `json:"durationMs"`
	Status     string  `json:"status"`
	SpanCount  int     `json:"spanCount"`
	Timestamp  string  `json:"timestamp"`
}

// TraceDetail is GET /traces/{traceId}.
type TraceDetail struct {
	TraceID    string      `json:"traceId"`
	Operation  string      `json:"operation"`
	DurationMs float64     `json:"durationMs"`
	Status     string      `json:"status"`
	Timestamp  string      `json:"timestamp"`
	Spans      []TraceSpan `json:"spans"`
}

// TraceSpan is one span of a trace.
type TraceSpan struct {
	SpanID       string  `json:"spanId"`
	ParentSpanID string  `json:"parentSpanId,omitempty"`
	Name         string  `json:"name"`
	Kind         string  `json:"kind"`
	DurationMs   float64 `json:"durationMs"`
	Status       string  `json:"status"`
}

var _ sdktrace.SpanProcessor = (*TraceBuffer)(nil)

// OnStart implements sdktrace.SpanProcessor.
func (b *TraceBuffer) OnStart(context.Context, sdktrace.ReadWriteSpan) {}

// OnEnd implements sdktrace.SpanProcessor: it records s, and files its trace
// when s is the local root (no parent, or a parent in another process).
func (b *TraceBuffer) OnEnd(s sdktrace.ReadOnlySpan) {
	if !s.SpanContext().IsSampled() {
		return
	}
	sp := TraceSpan{
		SpanID:     s.SpanContext().SpanID().String(),
		Name:       s.Name(),
		Kind:       strings.ToUpper(s.SpanKind().String()),
		DurationMs: millis(s.EndTime().Sub(s.StartTime())),
		Status:     "OK",
	}
	if s.Status().Code == codes.Error {
		sp.Status = "ERROR"
	}
	root := !s.Parent().IsValid() || s.Parent().IsRemote()
	if !root {
		sp.ParentSpanID = s.Parent().SpanID().String()
	}
	id := s.SpanContext().TraceID()
	b.mu.Lock()
	defer b.mu.Unlock()
	spans := b.pending[id]
	if !root {
		// Children end before their root; an unbounded number of traces in
		// flight would be unbounded memory, so new ones are not kept past
		// a few buffers' worth.
		if len(spans) < maxSpansPerTrace && (spans != nil || len(b.pending) < 4*b.size) {
			b.pending[id] = append(spans, sp)
		}
		return
	}
	delete(b.pending, id)
	if len(spans) >= maxSpansPerTrace {
		spans = spans[:maxSpansPerTrace-1]
	}
	t := &TraceDetail{
		TraceID:    id.String(),
		Operation:  sp.Name,
		DurationMs: sp.DurationMs,
		Status:     sp.Status,
		Timestamp:  s.StartTime().UTC().Format(time.RFC3339Nano),
		Spans:      append([]TraceSpan{sp}, spans...),
	}
	for _, c := range spans {
		if c.Status == "ERROR" {
			t.Status = "ERROR"
		}
	}
	if len(b.ring) < b.size {
		b.ring = append(b.ring, t)
	} else {
		b.ring[b.next] = t
	}
	b.next = (b.next + 1) % b.size
}

// Shutdown implements sdktrace.SpanProcessor.
func (b *TraceBuffer) Shutdown(context.Context) error { return nil }

// ForceFlush implements sdktrace.SpanProcessor.
func (b *TraceBuffer) ForceFlush(context.Context) error { return nil }

// Size is how many traces the buffer keeps.
func (b *TraceBuffer) Size() int { return b.size }

// Snapshot returns the kept traces, most recent first.
func (b *TraceBuffer) Snapshot() []*TraceDetail { return b.recent() }

// recent returns the filed traces, most recent first.
func (b *TraceBuffer) recent() []*TraceDetail {
	b.mu.Lock()
	defer b.mu.Unlock()
	out := make([]*TraceDetail, 0, len(b.ring))
	for i := range len(b.ring) {
		// b.next-1 is the newest, then backwards around the ring.
		out = append(out, b.ring[(b.next-1-i+2*len(b.ring))%len(b.ring)])
	}
	return out
}

func millis(d time.Duration) float64 {
	return float64(d.Microseconds()) / 1000
}

// traces serves GET /traces[?operation=&status=]: the kept traces, most
// recent first; operation is a substring of the root span's name, status
// OK or ERROR (any case).
func (c *server) traces(w http.ResponseWriter, r *http.Request) {
	b := c.opts.Traces
	op := r.URL.Query().Get("operation")
	status := r.URL.Query().Get("status")
	all := b.recent()
	list := make([]TraceSummary, 0, len(all))
	for _, t := range all {
		if op != "" && !strings.Contains(t.Operation, op) {
			continue
		}
		if status != "" && !strings.EqualFold(t.Status, status) {
			continue
		}
		list = append(list, TraceSummary{TraceID: t.TraceID, Operation: t.Operation, DurationMs: t.DurationMs,
			Status: t.Status, SpanCount: len(t.Spans), Timestamp: t.Timestamp})
	}
	writeJSON(w, http.StatusOK, map[string]any{"traces": list, "bufferSize": b.size, "bufferUsed": len(all)})
}

// trace serves GET /traces/{traceId}.
func (c *server) trace(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("traceId")
	for _, t := range c.opts.Traces.recent() {
		if strings.EqualFold(t.TraceID, id) {
			writeJSON(w, http.StatusOK, t)
			return
		}
	}
	writeJSON(w, http.StatusNotFound, map[string]string{"error": "Trace not found: " + id})
}
