package control

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/naftiko-go/naftiko/internal/expose"
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

// maxPendingTraces bounds the traces whose root span has not ended yet
// (requests in flight); beyond it, the oldest is dropped.
const maxPendingTraces = 4096

// TraceBuffer keeps the most recent traces of this process in memory for
// GET /traces: an sdktrace.SpanProcessor that gathers the spans of a trace
// until its local root span ends, then files the trace, dropping the oldest
// when full. Give it to the tracer provider and to the control adapter.
type TraceBuffer struct {
	size int

	mu sync.Mutex
	// rootOf is the local root span of every span in flight: requests
	// continuing one caller's trace (an agent's tool calls under one
	// traceparent) share a trace id but each has its own local root.
	rootOf  map[trace.SpanID]trace.SpanID
	pending map[trace.SpanID]*pendingTrace // by local root
	order   []trace.SpanID                 // pending roots, oldest first (may hold filed ones)
	ring    []*TraceDetail                 // filed traces, oldest first once full
	next    int                            // where the next trace goes in ring
}

// pendingTrace holds the ended spans of a trace whose root is running.
type pendingTrace struct {
	spans     []TraceSpan
	truncated bool // spans beyond maxSpansPerTrace were left out
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
	return &TraceBuffer{size: size, rootOf: map[trace.SpanID]trace.SpanID{}, pending: map[trace.SpanID]*pendingTrace{}}
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
	// Truncated is set when spans beyond the first 256 were left out.
	Truncated bool `json:"truncated,omitempty"`
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

// OnStart implements sdktrace.SpanProcessor: it notes the local root of s.
func (b *TraceBuffer) OnStart(_ context.Context, s sdktrace.ReadWriteSpan) {
	if !s.SpanContext().IsSampled() {
		return
	}
	id := s.SpanContext().SpanID()
	root := id
	parent := s.Parent()
	b.mu.Lock()
	defer b.mu.Unlock()
	if parent.IsValid() && !parent.IsRemote() {
		if r, ok := b.rootOf[parent.SpanID()]; ok {
			root = r
		}
	}
	b.rootOf[id] = root
}

// OnEnd implements sdktrace.SpanProcessor: it records s with its local
// root's trace, and files that trace when s is the root.
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
	id := s.SpanContext().SpanID()
	b.mu.Lock()
	defer b.mu.Unlock()
	root, ok := b.rootOf[id]
	delete(b.rootOf, id)
	if !ok {
		return // started before the buffer saw it
	}
	if root != id {
		sp.ParentSpanID = s.Parent().SpanID().String()
		p := b.pending[root]
		if p == nil {
			if len(b.pending) >= maxPendingTraces {
				b.dropOldestPending()
			}
			p = &pendingTrace{}
			b.pending[root] = p
			b.order = append(b.order, root)
		}
		if len(p.spans) < maxSpansPerTrace-1 {
			p.spans = append(p.spans, sp)
		} else {
			p.truncated = true
		}
		return
	}
	t := &TraceDetail{
		TraceID:    s.SpanContext().TraceID().String(),
		Operation:  sp.Name,
		DurationMs: sp.DurationMs,
		Status:     sp.Status,
		Timestamp:  s.StartTime().UTC().Format(time.RFC3339Nano),
		Spans:      []TraceSpan{sp},
	}
	if p := b.pending[root]; p != nil {
		delete(b.pending, root)
		t.Spans = append(t.Spans, p.spans...)
		t.Truncated = p.truncated
		for _, c := range p.spans {
			if c.Status == "ERROR" {
				t.Status = "ERROR"
			}
		}
	}
	if len(b.ring) < b.size {
		b.ring = append(b.ring, t)
	} else {
		b.ring[b.next] = t
	}
	b.next = (b.next + 1) % b.size
	if len(b.order) > 2*maxPendingTraces {
		b.compactOrder()
	}
}

// dropOldestPending forgets the oldest trace still waiting for its root.
func (b *TraceBuffer) dropOldestPending() {
	for len(b.order) > 0 {
		root := b.order[0]
		b.order = b.order[1:]
		if _, ok := b.pending[root]; ok {
			delete(b.pending, root)
			return
		}
	}
}

// compactOrder drops the roots of filed traces from order.
func (b *TraceBuffer) compactOrder() {
	kept := b.order[:0]
	for _, r := range b.order {
		if _, ok := b.pending[r]; ok {
			kept = append(kept, r)
		}
	}
	b.order = kept
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
	expose.WriteJSON(w, http.StatusOK, map[string]any{"traces": list, "bufferSize": b.size, "bufferUsed": len(all)})
}

// trace serves GET /traces/{traceId}: the kept trace, or, when several
// requests continued the same caller's trace, all of them as one (the
// earliest root's name and start, the spans of every request).
func (c *server) trace(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("traceId")
	var out *TraceDetail
	all := c.opts.Traces.recent()
	for i := len(all) - 1; i >= 0; i-- { // oldest first
		t := all[i]
		if !strings.EqualFold(t.TraceID, id) {
			continue
		}
		if out == nil {
			merged := *t
			merged.Spans = append([]TraceSpan(nil), t.Spans...)
			out = &merged
			continue
		}
		out.Spans = append(out.Spans, t.Spans...)
		out.Truncated = out.Truncated || t.Truncated
		if t.Status == "ERROR" {
			out.Status = "ERROR"
		}
	}
	if out == nil {
		expose.WriteJSON(w, http.StatusNotFound, map[string]string{"error": "Trace not found: " + id})
		return
	}
	expose.WriteJSON(w, http.StatusOK, out)
}
