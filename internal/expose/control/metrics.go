package control

import (
	"context"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/naftiko-go/naftiko/internal/expose"
)

// DefaultBuckets are the upper bounds, in seconds, of the duration
// histograms (the Prometheus client defaults).
var DefaultBuckets = []float64{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10}

// Metric names. They follow the reference engine's names (ObservabilitySpec,
// §2.6) so that its dashboards keep working.
const (
	metricRequests         = "naftiko_request_total"
	metricRequestErrors    = "naftiko_request_errors"
	metricRequestDuration  = "naftiko_request_duration_seconds"
	metricUpstreamCalls    = "naftiko_http_client_total"
	metricUpstreamDuration = "naftiko_http_client_duration_seconds"
	metricUptime           = "naftiko_uptime_seconds"
)

// Outcomes of an invocation (label "outcome").
const (
	OutcomeSuccess       = "success"
	OutcomeUpstreamError = "upstream_error"
	OutcomeError         = "error"
)

// Metrics records RED metrics of the exposed endpoints and the latency of
// upstream calls, and writes them in the Prometheus text format. It is an
// expose.Observer; the zero value is not usable, call NewMetrics.
type Metrics struct {
	start   time.Time
	buckets []float64

	mu        sync.Mutex
	requests  map[string]*counter   // labels → count
	errors    map[string]*counter   // labels → count
	durations map[string]*histogram // labels → histogram
	upCalls   map[string]*counter
	upDur     map[string]*histogram
}

// NewMetrics returns an empty registry; uptime counts from now.
func NewMetrics() *Metrics {
	return &Metrics{
		start:     time.Now(),
		buckets:   DefaultBuckets,
		requests:  map[string]*counter{},
		errors:    map[string]*counter{},
		durations: map[string]*histogram{},
		upCalls:   map[string]*counter{},
		upDur:     map[string]*histogram{},
	}
}

var _ expose.Observer = (*Metrics)(nil)

type counter struct{ n uint64 }

type histogram struct {
	counts []uint64 // per bucket, not cumulative; len(buckets)+1 (the last is +Inf)
	sum    float64
	count  uint64
}

func (h *histogram) observe(buckets []float64, v float64) {
	i, _ := slices.BinarySearch(buckets, v)
	h.counts[i]++
	h.sum += v
	h.count++
}

// ObserveInvocation counts one invocation: naftiko_request_total by status
// and outcome, naftiko_request_errors by error type when it failed, and its
// duration.
func (m *Metrics) ObserveInvocation(_ context.Context, inv expose.Invocation) {
	base := labels{
		{"naftiko_adapter_type", inv.AdapterType},
		{"naftiko_adapter", inv.Adapter},
		{"naftiko_operation_id", inv.Operation},
	}
	outcome, errType := OutcomeSuccess, ""
	switch {
	case inv.Err != nil:
		outcome, errType = OutcomeError, inv.Err.Kind.String()
	case inv.Status >= 400:
		outcome, errType = OutcomeUpstreamError, "upstream_status"
	}
	reqKey := append(base.clone(), label{"status", strconv.Itoa(inv.Status)}, label{"outcome", outcome}).String()
	durKey := base.String()
	m.mu.Lock()
	defer m.mu.Unlock()
	inc(m.requests, reqKey)
	if errType != "" {
		inc(m.errors, append(base.clone(), label{"error_type", errType}).String())
	}
	m.hist(m.durations, durKey).observe(m.buckets, inv.Duration.Seconds())
}

// ObserveUpstream counts one upstream call and its latency by consumer
// namespace, operation, method and status (the HTTP status, or the error
// kind when no answer arrived: unreachable, timeout).
func (m *Metrics) ObserveUpstream(_ context.Context, c expose.UpstreamCall) {
	status := strconv.Itoa(c.Status)
	if c.Err != nil {
		status = c.Err.Kind.String()
	}
	key := labels{
		{"naftiko_namespace", c.Namespace},
		{"naftiko_operation", c.Operation},
		{"http_request_method", c.Method},
		{"status", status},
	}.String()
	m.mu.Lock()
	defer m.mu.Unlock()
	inc(m.upCalls, key)
	m.hist(m.upDur, key).observe(m.buckets, c.Duration.Seconds())
}

func inc(m map[string]*counter, key string) {
	c := m[key]
	if c == nil {
		c = &counter{}
		m[key] = c
	}
	c.n++
}

func (m *Metrics) hist(hs map[string]*histogram, key string) *histogram {
	h := hs[key]
	if h == nil {
		h = &histogram{counts: make([]uint64, len(m.buckets)+1)}
		hs[key] = h
	}
	return h
}

// WriteTo writes every series in the Prometheus text exposition format
// (version 0.0.4), families and series in a stable order.
func (m *Metrics) WriteTo(w io.Writer) (int64, error) {
	var b strings.Builder
	m.mu.Lock()
	writeCounters(&b, metricRequests, "Invocations of exposed REST operations and MCP tools, by status and outcome.", m.requests)
	writeCounters(&b, metricRequestErrors, "Failed invocations (engine errors and upstream statuses of 400 or more), by error type.", m.errors)
	m.writeHistograms(&b, metricRequestDuration, "Duration of invocations of exposed endpoints, in seconds.", m.durations)
	writeCounters(&b, metricUpstreamCalls, "Calls to upstream operations, by namespace, operation, method and status.", m.upCalls)
	m.writeHistograms(&b, metricUpstreamDuration, "Latency of calls to upstream operations, in seconds.", m.upDur)
	m.mu.Unlock()
	fmt.Fprintf(&b, "# HELP %s Seconds since the engine started.\n# TYPE %s gauge\n%s %s\n",
		metricUptime, metricUptime, metricUptime, formatFloat(time.Since(m.start).Seconds()))
	n, err := io.WriteString(w, b.String())
	return int64(n), err
}

func writeCounters(b *strings.Builder, name, help string, series map[string]*counter) {
	fmt.Fprintf(b, "# HELP %s %s\n# TYPE %s counter\n", name, help, name)
	for _, key := range sortedKeys(series) {
		fmt.Fprintf(b, "%s{%s} %d\n", name, key, series[key].n)
	}
}

func (m *Metrics) writeHistograms(b *strings.Builder, name, help string, series map[string]*histogram) {
	fmt.Fprintf(b, "# HELP %s %s\n# TYPE %s histogram\n", name, help, name)
	for _, key := range sortedKeys(series) {
		h := series[key]
		var cum uint64
		for i, le := range m.buckets {
			cum += h.counts[i]
			fmt.Fprintf(b, "%s_bucket{%s,le=%q} %d\n", name, key, formatFloat(le), cum)
		}
		fmt.Fprintf(b, "%s_bucket{%s,le=\"+Inf\"} %d\n", name, key, h.count)
		fmt.Fprintf(b, "%s_sum{%s} %s\n", name, key, formatFloat(h.sum))
		fmt.Fprintf(b, "%s_count{%s} %d\n", name, key, h.count)
	}
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func formatFloat(f float64) string {
	switch {
	case math.IsInf(f, 1):
		return "+Inf"
	case math.IsInf(f, -1):
		return "-Inf"
	}
	return strconv.FormatFloat(f, 'g', -1, 64)
}

type label struct{ name, value string }

type labels []label

func (ls labels) clone() labels { return append(labels(nil), ls...) }

// String renders the labels as the inside of a Prometheus label set.
func (ls labels) String() string {
	var b strings.Builder
	for i, l := range ls {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(l.name)
		b.WriteString(`="`)
		b.WriteString(escapeLabel(l.value))
		b.WriteByte('"')
	}
	return b.String()
}

// escapeLabel escapes a label value as the text format requires: backslash,
// double quote and line feed.
var labelEscaper = strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`)

func escapeLabel(s string) string { return labelEscaper.Replace(s) }
