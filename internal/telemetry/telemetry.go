package telemetry

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

// Options configure NewTracerProvider.
type Options struct {
	// Endpoint is the OTLP/HTTP collector URL; "" exports nothing. A URL
	// without a path gets /v1/traces, as OTEL_EXPORTER_OTLP_ENDPOINT does.
	Endpoint string
	// SamplingRatio samples that share of new traces (callers' sampling
	// decisions are kept): 0 none, 1 or more every trace; nil every trace.
	SamplingRatio *float64
	// ServiceName and ServiceVersion are the resource attributes of every
	// span (default "naftiko").
	ServiceName, ServiceVersion string
	// HTTPClient posts the spans (default: a client with a 10s timeout).
	HTTPClient *http.Client
	// Logger receives export failures (default: discard).
	Logger *slog.Logger
	// Local receive every recorded span besides the exporter (the control
	// adapter's /traces); with one, spans are recorded even without an
	// endpoint, sampled by SamplingRatio.
	Local []sdktrace.SpanProcessor
}

// NewTracerProvider returns the provider the engine makes its spans with.
// Shut it down to flush the last spans.
func NewTracerProvider(opts Options) (*sdktrace.TracerProvider, error) {
	sampler := sdktrace.AlwaysSample()
	if r := opts.SamplingRatio; r != nil && *r < 1 {
		sampler = sdktrace.TraceIDRatioBased(max(*r, 0)) // 0: no new trace is sampled
	}
	if opts.Endpoint == "" && len(opts.Local) == 0 {
		// Nothing would receive the spans: keep the trace context flowing to
		// the upstream (traceparent) without recording anything.
		sampler = sdktrace.NeverSample()
	}
	tpOpts := []sdktrace.TracerProviderOption{sdktrace.WithSampler(sdktrace.ParentBased(sampler))}
	for _, p := range opts.Local {
		tpOpts = append(tpOpts, sdktrace.WithSpanProcessor(p))
	}
	if opts.Endpoint != "" {
		exp, err := NewExporter(opts)
		if err != nil {
			return nil, err
		}
		tpOpts = append(tpOpts, sdktrace.WithBatcher(exp))
	}
	return sdktrace.NewTracerProvider(tpOpts...), nil
}

// Exporter posts spans to an OTLP/HTTP collector as JSON
// (application/json, the OTLP JSON mapping: hex ids, nanoseconds as
// strings).
type Exporter struct {
	url      string
	client   *http.Client
	log      *slog.Logger
	resource []kv
	closed   atomic.Bool
}

// NewExporter returns an exporter to opts.Endpoint.
func NewExporter(opts Options) (*Exporter, error) {
	u, err := url.Parse(opts.Endpoint)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("OTLP endpoint %q: want http(s)://host:port[/path]", opts.Endpoint)
	}
	if u.Path == "" || u.Path == "/" {
		u.Path = "/v1/traces"
	}
	e := &Exporter{url: u.String(), client: opts.HTTPClient, log: opts.Logger}
	if e.client == nil {
		e.client = &http.Client{Timeout: 10 * time.Second}
	}
	if e.log == nil {
		e.log = slog.New(slog.DiscardHandler)
	}
	name := opts.ServiceName
	if name == "" {
		name = "naftiko"
	}
	e.resource = []kv{{Key: "service.name", Value: value{String: &name}}}
	if v := opts.ServiceVersion; v != "" {
		e.resource = append(e.resource, kv{Key: "service.version", Value: value{String: &v}})
	}
	return e, nil
}

// ExportSpans posts one batch. A failure is logged (without the batch) and
// returned.
func (e *Exporter) ExportSpans(ctx context.Context, spans []sdktrace.ReadOnlySpan) error {
	if e.closed.Load() {
		return errors.New("otlp exporter is shut down")
	}
	if len(spans) == 0 {
		return nil
	}
	body, err := json.Marshal(e.encode(spans))
	if err != nil {
		return fmt.Errorf("otlp: encode: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, e.url, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("otlp: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := e.client.Do(req)
	if err != nil {
		e.log.Warn("trace export failed", "spans", len(spans), "error", err.Error())
		return fmt.Errorf("otlp: %w", err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode/100 != 2 {
		e.log.Warn("trace export failed", "spans", len(spans), "status", resp.StatusCode)
		return fmt.Errorf("otlp: collector answered HTTP %d", resp.StatusCode)
	}
	return nil
}

// Shutdown stops the exporter; later exports fail.
func (e *Exporter) Shutdown(context.Context) error {
	e.closed.Store(true)
	return nil
}

// The OTLP JSON mapping (opentelemetry-proto, ExportTraceServiceRequest).
type (
	exportRequest struct {
		ResourceSpans []resourceSpans `json:"resourceSpans"`
	}
	resourceSpans struct {
		Resource   resource     `json:"resource"`
		ScopeSpans []scopeSpans `json:"scopeSpans"`
	}
	resource struct {
		Attributes []kv `json:"attributes"`
	}
	scopeSpans struct {
		Scope scope  `json:"scope"`
		Spans []span `json:"spans"`
	}
	scope struct {
		Name    string `json:"name"`
		Version string `json:"version,omitempty"`
	}
	span struct {
		TraceID           string `json:"traceId"`
		SpanID            string `json:"spanId"`
		TraceState        string `json:"traceState,omitempty"`
		ParentSpanID      string `json:"parentSpanId,omitempty"`
		Name              string `json:"name"`
		Kind              int    `json:"kind"`
		StartTimeUnixNano string `json:"startTimeUnixNano"`
		EndTimeUnixNano   string `json:"endTimeUnixNano"`
		Attributes        []kv   `json:"attributes,omitempty"`
		Status            status `json:"status"`
	}
	status struct {
		Code    int    `json:"code,omitempty"`
		Message string `json:"message,omitempty"`
	}
	kv struct {
		Key   string `json:"key"`
		Value value  `json:"value"`
	}
	value struct {
		String *string  `json:"stringValue,omitempty"`
		Bool   *bool    `json:"boolValue,omitempty"`
		Int    *string  `json:"intValue,omitempty"` // int64 as a JSON string
		Double *float64 `json:"doubleValue,omitempty"`
		Array  *array   `json:"arrayValue,omitempty"`
	}
	array struct {
		Values []value `json:"values"`
	}
)

// OTLP status codes (not the same numbers as otel's codes.Code).
const (
	statusOK    = 1
	statusError = 2
)

func (e *Exporter) encode(spans []sdktrace.ReadOnlySpan) exportRequest {
	var scopes []scopeSpans
	index := map[scope]int{}
	for _, s := range spans {
		sc := scope{Name: s.InstrumentationScope().Name, Version: s.InstrumentationScope().Version}
		i, ok := index[sc]
		if !ok {
			i = len(scopes)
			index[sc] = i
			scopes = append(scopes, scopeSpans{Scope: sc})
		}
		scopes[i].Spans = append(scopes[i].Spans, encodeSpan(s))
	}
	return exportRequest{ResourceSpans: []resourceSpans{{Resource: resource{Attributes: e.resource}, ScopeSpans: scopes}}}
}

func encodeSpan(s sdktrace.ReadOnlySpan) span {
	sc := s.SpanContext()
	out := span{
		TraceID:           sc.TraceID().String(),
		SpanID:            sc.SpanID().String(),
		TraceState:        sc.TraceState().String(),
		Name:              s.Name(),
		Kind:              int(s.SpanKind()), // otel and OTLP number kinds alike
		StartTimeUnixNano: strconv.FormatInt(s.StartTime().UnixNano(), 10),
		EndTimeUnixNano:   strconv.FormatInt(s.EndTime().UnixNano(), 10),
	}
	if p := s.Parent(); p.SpanID().IsValid() {
		out.ParentSpanID = p.SpanID().String()
	}
	for _, a := range s.Attributes() {
		out.Attributes = append(out.Attributes, kv{Key: string(a.Key), Value: encodeValue(a.Value)})
	}
	switch s.Status().Code {
	case codes.Error:
		out.Status = status{Code: statusError, Message: s.Status().Description}
	case codes.Ok:
		out.Status = status{Code: statusOK}
	}
	return out
}

func encodeValue(v attribute.Value) value {
	switch v.Type() {
	case attribute.BOOL:
		b := v.AsBool()
		return value{Bool: &b}
	case attribute.INT64:
		n := strconv.FormatInt(v.AsInt64(), 10)
		return value{Int: &n}
	case attribute.FLOAT64:
		f := v.AsFloat64()
		return value{Double: &f}
	case attribute.STRINGSLICE:
		var vs []value
		for _, s := range v.AsStringSlice() {
			vs = append(vs, value{String: &s})
		}
		return value{Array: &array{Values: vs}}
	default:
		s := v.Emit()
		return value{String: &s}
	}
}
