package control

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/naftiko-go/naftiko/internal/expose"
	"github.com/naftiko-go/naftiko/internal/spec"
)

// Adapter states reported by /health/ready and /status.
const (
	StateStarted = "started"
	StateStopped = "stopped"
)

// Readiness statuses.
const (
	StatusUp       = "UP"
	StatusDegraded = "DEGRADED"
)

// AdapterState is one adapter of the engine as the control endpoints report
// it.
type AdapterState struct {
	Type      string `json:"type"`
	Namespace string `json:"namespace,omitempty"`
	// Address is the bound host:port, or "stdio".
	Address string `json:"address,omitempty"`
	Port    int    `json:"port,omitempty"`
	State   string `json:"state"`
	// Counts of what the adapter serves (in /status only).
	Routes    int `json:"routes,omitempty"`
	Tools     int `json:"tools,omitempty"`
	Resources int `json:"resources,omitempty"`
	Prompts   int `json:"prompts,omitempty"`
	Skills    int `json:"skills,omitempty"`
}

// Upstream is a consumed API as /status reports it: never a resolved secret,
// only the declared (or --base-uri) base URI without user-info.
type Upstream struct {
	Namespace string `json:"namespace"`
	BaseURI   string `json:"baseUri"`
}

// Options configure a control adapter.
type Options struct {
	// Logger receives failures; nil discards them.
	Logger *slog.Logger
	// Version is the engine version reported by /status.
	Version string
	// Start is when the engine started (uptime); zero means now.
	Start time.Time
	// Adapters returns the current state of every adapter of the engine.
	Adapters func() []AdapterState
	// Upstreams are the consumed APIs, for /status.
	Upstreams []Upstream
	// Metrics is the registry served at /metrics; nil answers 503 there.
	Metrics *Metrics
	// Traces are the recent traces served at /traces; nil leaves /traces
	// out.
	Traces *TraceBuffer
}

// Endpoints reports which endpoints a control adapter serves, from its
// management and observability blocks with the reference defaults: health on,
// info off, observability, local metrics and local traces on.
type Endpoints struct {
	Health  bool
	Info    bool
	Metrics bool
	// Traces is /traces, the recent traces kept in memory; TraceBuffer is
	// their number (traces.local.buffer-size, 0 for the default).
	Traces      bool
	TraceBuffer int
}

// EndpointsOf returns the endpoints the control adapter x enables.
func EndpointsOf(x *spec.Expose) Endpoints {
	e := Endpoints{Health: true, Metrics: true, Traces: true}
	if x == nil || x.Control == nil {
		return e
	}
	if m := x.Control.Management; m != nil {
		e.Health = m.Health == nil || *m.Health
		e.Info = m.Info != nil && *m.Info
	}
	if o := x.Control.Observability; o != nil {
		enabled := o.Enabled == nil || *o.Enabled
		e.Metrics = enabled && (o.MetricsLocal == nil || *o.MetricsLocal)
		e.Traces = enabled && (o.TracesLocal == nil || *o.TracesLocal)
		e.TraceBuffer = o.TracesBufferSize
	}
	return e
}

// New builds the HTTP handler of a control adapter (`type: control`):
// /health/live, /health/ready, /status and /metrics, each as the adapter's
// management and observability blocks enable it.
func New(x *spec.Expose, doc *spec.Document, opts Options) (http.Handler, error) {
	if x == nil || x.Control == nil {
		return nil, errors.New("control: adapter is not a control adapter")
	}
	if opts.Adapters == nil {
		opts.Adapters = func() []AdapterState { return nil }
	}
	if opts.Start.IsZero() {
		opts.Start = time.Now()
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	c := &server{opts: opts, log: opts.Logger.With("component", "control")}
	if doc != nil {
		c.specVersion = doc.Naftiko
		if doc.Info != nil {
			c.label = doc.Info.Label
		}
	}
	en := EndpointsOf(x)
	mux := http.NewServeMux()
	if en.Health {
		mux.HandleFunc("GET /health/live", c.live)
		mux.HandleFunc("GET /health/ready", c.ready)
	}
	if en.Info {
		mux.HandleFunc("GET /status", c.status)
	}
	if en.Metrics {
		mux.HandleFunc("GET /metrics", c.metrics)
	}
	if en.Traces && opts.Traces != nil {
		mux.HandleFunc("GET /traces", c.traces)
		mux.HandleFunc("GET /traces/{traceId}", c.trace)
	}
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		expose.WriteJSON(w, http.StatusNotFound, map[string]string{"error": "no control endpoint at " + r.URL.Path})
	})
	return mux, nil
}

type server struct {
	opts        Options
	log         *slog.Logger
	label       string
	specVersion string
}

func (c *server) live(w http.ResponseWriter, _ *http.Request) {
	expose.WriteJSON(w, http.StatusOK, map[string]string{"status": StatusUp})
}

// readiness is UP when every adapter other than control adapters is started.
func (c *server) readiness() (string, []AdapterState) {
	all := c.opts.Adapters()
	status := StatusUp
	out := make([]AdapterState, 0, len(all))
	for _, a := range all {
		if a.Type != "control" && a.State != StateStarted {
			status = StatusDegraded
		}
		out = append(out, AdapterState{Type: a.Type, Namespace: a.Namespace, Address: a.Address, Port: a.Port, State: a.State})
	}
	return status, out
}

type readyBody struct {
	Status   string         `json:"status"`
	Adapters []AdapterState `json:"adapters"`
}

func (c *server) ready(w http.ResponseWriter, _ *http.Request) {
	status, adapters := c.readiness()
	code := http.StatusOK
	if status != StatusUp {
		code = http.StatusServiceUnavailable
	}
	expose.WriteJSON(w, code, readyBody{Status: status, Adapters: adapters})
}

type statusBody struct {
	Capability struct {
		Label       string `json:"label"`
		SpecVersion string `json:"specVersion"`
	} `json:"capability"`
	Engine struct {
		Name    string `json:"name"`
		Version string `json:"version"`
		Go      string `json:"go"`
	} `json:"engine"`
	Uptime        string         `json:"uptime"`
	UptimeSeconds float64        `json:"uptimeSeconds"`
	Status        string         `json:"status"`
	Metrics       string         `json:"metrics"`
	Adapters      []AdapterState `json:"adapters"`
	Upstreams     []Upstream     `json:"upstreams"`
}

func (c *server) status(w http.ResponseWriter, _ *http.Request) {
	var b statusBody
	b.Capability.Label, b.Capability.SpecVersion = c.label, c.specVersion
	b.Engine.Name, b.Engine.Version, b.Engine.Go = "naftiko-go", c.opts.Version, runtime.Version()
	up := time.Since(c.opts.Start)
	b.Uptime, b.UptimeSeconds = ISODuration(up), up.Seconds()
	b.Status, _ = c.readiness()
	b.Metrics = "inactive"
	if c.opts.Metrics != nil {
		b.Metrics = "active"
	}
	b.Adapters = c.opts.Adapters()
	if b.Adapters == nil {
		b.Adapters = []AdapterState{}
	}
	b.Upstreams = c.opts.Upstreams
	if b.Upstreams == nil {
		b.Upstreams = []Upstream{}
	}
	expose.WriteJSON(w, http.StatusOK, b)
}

func (c *server) metrics(w http.ResponseWriter, _ *http.Request) {
	if c.opts.Metrics == nil {
		expose.WriteJSON(w, http.StatusServiceUnavailable, map[string]string{"error": "metrics are not active"})
		return
	}
	w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
	if _, err := c.opts.Metrics.WriteTo(w); err != nil {
		c.log.Debug("writing metrics failed", "error", err.Error())
	}
}

// ISODuration formats d as an ISO-8601 duration as Java's Duration does
// (PT1H2M3.5S), which is what the reference engine reports as uptime.
func ISODuration(d time.Duration) string {
	d = d.Round(time.Millisecond)
	var b strings.Builder
	b.WriteString("PT")
	if h := d / time.Hour; h > 0 {
		fmt.Fprintf(&b, "%dH", h)
		d -= h * time.Hour
	}
	if m := d / time.Minute; m > 0 {
		fmt.Fprintf(&b, "%dM", m)
		d -= m * time.Minute
	}
	if d > 0 || b.Len() == 2 {
		b.WriteString(strconv.FormatFloat(d.Seconds(), 'f', -1, 64))
		b.WriteByte('S')
	}
	return b.String()
}
