package engine

import (
	"context"
	"crypto/rand"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"

	"github.com/naftiko-go/naftiko/internal/expose/control"
	"github.com/naftiko-go/naftiko/internal/spec"
)

// This file holds what every REST and MCP request goes through before its
// adapter: a request id, the inbound W3C trace context, and the access log
// line. Spans themselves are made where invocations and upstream calls are
// observed (observe.go).

// tracerName is the instrumentation scope of the engine's spans.
const tracerName = "github.com/naftiko-go/naftiko/internal/engine"

// HeaderRequestID carries the request id: accepted from the caller when
// sane, else generated; always echoed in the response (and in REST problem
// documents as requestId).
const HeaderRequestID = "X-Request-Id"

// maxRequestIDLen bounds an accepted X-Request-Id.
const maxRequestIDLen = 128

// Access log attribute keys.
const (
	keyMethod    = "method"
	keyRoute     = "route"
	keyBytes     = "bytes"
	keyRequestID = "request_id"
	keyTool      = "tool"
	keyTraceID   = "trace_id"
)

// propagator reads and writes W3C traceparent/tracestate headers.
var propagator = propagation.TraceContext{}

// injectTraceContext adds the trace context of ctx (the upstream call's
// span) to an outbound request: consume calls it for every request it sends.
func injectTraceContext(ctx context.Context, h http.Header) {
	propagator.Inject(ctx, propagation.HeaderCarrier(h))
}

// requestInfo is what the access log reports about one request, filled in
// by the invocation it leads to. The invocation may outlive a cancelled
// request's handler, hence the lock.
type requestInfo struct {
	id string

	mu    sync.Mutex
	route string // REST: the resource path pattern
	tool  string // MCP: the tool name or resource URI
	span  trace.SpanContext
}

func (i *requestInfo) set(route, tool string, span trace.SpanContext) {
	i.mu.Lock()
	i.route, i.tool, i.span = route, tool, span
	i.mu.Unlock()
}

// get returns what the invocation set; traceID is "" when it had no valid
// span context. The trace id is formatted here, only when logged.
func (i *requestInfo) get() (route, tool, traceID string) {
	i.mu.Lock()
	route, tool, sc := i.route, i.tool, i.span
	i.mu.Unlock()
	if sc.IsValid() {
		traceID = sc.TraceID().String()
	}
	return route, tool, traceID
}

type requestInfoKey struct{}

// requestInfoFrom returns the request's info, nil outside a request.
func requestInfoFrom(ctx context.Context) *requestInfo {
	i, _ := ctx.Value(requestInfoKey{}).(*requestInfo)
	return i
}

// RequestID returns the request id of the request ctx belongs to, "" when
// none.
func RequestID(ctx context.Context) string {
	if i := requestInfoFrom(ctx); i != nil {
		return i.id
	}
	return ""
}

// front wraps the handler of a REST or MCP adapter with the request id, the
// inbound trace context and the access log; other adapters (control, skill)
// are served as built: probes and scrapes would only add noise.
func (e *Engine) front(a *adapter) http.Handler {
	h := a.handler
	if a.spec.Rest == nil && a.spec.MCP == nil {
		return h
	}
	log := e.opts.AccessLogger.With("component", "access", keyAdapter, a.spec.Namespace, keyType, a.spec.Type)
	access := e.opts.AccessLog
	mcp := a.spec.MCP != nil
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		info := &requestInfo{id: requestID(r.Header.Get(HeaderRequestID))}
		w.Header()[HeaderRequestID] = []string{info.id} // canonical already
		ctx := propagator.Extract(r.Context(), propagation.HeaderCarrier(r.Header))
		ctx = context.WithValue(ctx, requestInfoKey{}, info)
		if !access || !log.Enabled(ctx, slog.LevelInfo) {
			h.ServeHTTP(w, r.WithContext(ctx))
			return
		}
		sw := &statusWriter{ResponseWriter: w}
		h.ServeHTTP(sw, r.WithContext(ctx))
		route, tool, traceID := info.get()
		if mcp && r.URL.Path == "/mcp" {
			route = "/mcp"
		}
		if sw.status == 0 {
			sw.status = http.StatusOK
		}
		// Never the query, headers or body: they may carry credentials.
		var buf [8]slog.Attr
		attrs := append(buf[:0],
			slog.String(keyMethod, r.Method), slog.String(keyRoute, route), slog.Int(keyStatus, sw.status),
			slog.Int64(keyBytes, sw.bytes), attrDuration(time.Since(start)), slog.String(keyRequestID, info.id),
		)
		if tool != "" {
			attrs = append(attrs, slog.String(keyTool, tool))
		}
		if traceID != "" {
			attrs = append(attrs, slog.String(keyTraceID, traceID))
		}
		log.LogAttrs(ctx, slog.LevelInfo, "request", attrs...)
	})
}

// requestID returns the caller's id when it is short and made of safe
// characters (it is logged and echoed), else a new random one.
func requestID(in string) string {
	if in != "" && len(in) <= maxRequestIDLen && safeID(in) {
		return in
	}
	return rand.Text()
}

func safeID(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case c == '-', c == '_', c == '.', c == ':', c == '@', c == '/', c == '+', c == '=':
		default:
			return false
		}
	}
	return true
}

// statusWriter records the status and the number of body bytes written. It
// flushes through, since MCP answers may stream.
type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int64
}

// WriteHeader records the status.
func (s *statusWriter) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

// Write counts the bytes.
func (s *statusWriter) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	n, err := s.ResponseWriter.Write(b)
	s.bytes += int64(n)
	return n, err
}

// Flush flushes the underlying writer when it can.
func (s *statusWriter) Flush() {
	if f, ok := s.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (s *statusWriter) Unwrap() http.ResponseWriter { return s.ResponseWriter }

// Observability returns the observability block of the first control
// adapter of docs that has one (its OTLP endpoint and sampling ratio
// configure trace export), or nil.
func Observability(docs []*spec.Document) *spec.Observability {
	for _, doc := range docs {
		if doc == nil || doc.Capability == nil {
			continue
		}
		for _, x := range doc.Capability.Exposes {
			if x.Control != nil && x.Control.Observability != nil {
				return x.Control.Observability
			}
		}
	}
	return nil
}

// LocalTraces reports whether a control adapter of docs keeps recent traces
// for /traces (observability and traces.local on, the default), and how
// many (the largest buffer asked for; 0: the default number).
func LocalTraces(docs []*spec.Document) (enabled bool, size int) {
	for _, doc := range docs {
		if doc == nil || doc.Capability == nil {
			continue
		}
		for _, x := range doc.Capability.Exposes {
			if x.Control == nil {
				continue
			}
			if en := control.EndpointsOf(x); en.Traces {
				enabled, size = true, max(size, en.TraceBuffer)
			}
		}
	}
	return enabled, size
}
