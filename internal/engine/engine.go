package engine

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"

	"github.com/naftiko-go/naftiko/internal/consume"
	"github.com/naftiko-go/naftiko/internal/expose"
	xauth "github.com/naftiko-go/naftiko/internal/expose/auth"
	"github.com/naftiko-go/naftiko/internal/expose/control"
	mcpx "github.com/naftiko-go/naftiko/internal/expose/mcp"
	"github.com/naftiko-go/naftiko/internal/expose/rest"
	"github.com/naftiko-go/naftiko/internal/expr"
	"github.com/naftiko-go/naftiko/internal/spec"
)

// Options configure Build.
type Options struct {
	// BaseURIs replace consumers' base URIs, by consumer namespace.
	BaseURIs map[string]string
	// Ports replace adapters' ports, by adapter namespace (0 picks a free port).
	Ports map[string]int
	// Address is the listen address of adapters that declare none
	// (default 127.0.0.1).
	Address string
	// LookupEnv reads environment variables (default os.LookupEnv).
	LookupEnv func(string) (string, bool)
	// Logger receives the engine's logs (default: discard).
	Logger *slog.Logger
	// Metrics is the registry that /metrics of a control adapter serves and
	// every invocation feeds. Give the same one to every build of a
	// reloadable configuration so that a reload does not reset the
	// counters; nil makes a new one per build.
	Metrics *control.Metrics
	// Traces keeps the recent traces a control adapter serves at /traces;
	// it must also be a span processor of TracerProvider. nil: no /traces.
	Traces *control.TraceBuffer
	// AccessLogger receives the access lines (see AccessLog); default Logger.
	// The CLI gives it a writer that batches lines.
	AccessLogger *slog.Logger
	// ValidateOnly builds without bind values and without resolving
	// base-URI placeholders: what `naftiko validate` needs.
	ValidateOnly bool
	// UpstreamTimeout bounds every upstream call (default 30s).
	UpstreamTimeout time.Duration
	// MaxResponseBytes bounds every upstream response (default 16 MiB).
	MaxResponseBytes int64
	// MaxBodyBytes bounds REST request bodies and MCP messages (default 1 MiB).
	MaxBodyBytes int64
	// ShutdownGrace bounds how long in-flight requests may run after a stop
	// signal (default 30s).
	ShutdownGrace time.Duration
	// AllowedOrigins are extra Origin values the MCP adapters accept.
	AllowedOrigins []string
	// Version is reported as the MCP server version.
	Version string
	// HTTPClient is used for upstream calls (default: consume's own).
	HTTPClient *http.Client
	// Stdin and Stdout carry the JSON-RPC of an MCP adapter with transport
	// stdio (default os.Stdin and os.Stdout); logs never go to Stdout.
	Stdin  io.Reader
	Stdout io.Writer
	// ScriptTimeout bounds each script step (default DefaultScriptTimeout);
	// a capability's management.scripting.timeout takes precedence.
	ScriptTimeout time.Duration
	// OperationTimeouts replace UpstreamTimeout for one consumer ("NS") or
	// one consumed operation ("NS.OP"; `serve --timeout NS.OP=D`).
	OperationTimeouts map[string]time.Duration
	// MaxUpstreamConcurrency bounds the calls in flight per consumer
	// namespace (default DefaultMaxUpstreamConcurrency; negative: no limit).
	MaxUpstreamConcurrency int
	// AccessLog logs one info line per REST request and MCP request.
	AccessLog bool
	// TracerProvider makes the spans of invocations and upstream calls
	// (default: an SDK provider that exports nothing, so that trace
	// context is still propagated to upstreams with fresh span ids).
	TracerProvider trace.TracerProvider
}

// DefaultMaxUpstreamConcurrency is the default of
// Options.MaxUpstreamConcurrency.
const DefaultMaxUpstreamConcurrency = 64

func (o *Options) defaults() {
	if o.Address == "" {
		o.Address = "127.0.0.1"
	}
	if o.LookupEnv == nil {
		o.LookupEnv = os.LookupEnv
	}
	if o.Stdin == nil {
		o.Stdin = os.Stdin
	}
	if o.Stdout == nil {
		o.Stdout = os.Stdout
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.AccessLogger == nil {
		o.AccessLogger = o.Logger
	}
	if o.UpstreamTimeout <= 0 {
		o.UpstreamTimeout = 30 * time.Second
	}
	if o.ShutdownGrace <= 0 {
		o.ShutdownGrace = 30 * time.Second
	}
	if o.Version == "" {
		o.Version = "dev"
	}
	if o.ScriptTimeout <= 0 {
		o.ScriptTimeout = DefaultScriptTimeout
	}
	if o.MaxUpstreamConcurrency == 0 {
		o.MaxUpstreamConcurrency = DefaultMaxUpstreamConcurrency
	}
	if o.TracerProvider == nil {
		// No exporter: propagate trace context without recording spans.
		o.TracerProvider = sdktrace.NewTracerProvider(sdktrace.WithSampler(sdktrace.ParentBased(sdktrace.NeverSample())))
	}
}

// Engine is a built set of capabilities, ready to Run.
type Engine struct {
	opts     Options
	log      *slog.Logger
	plans    map[*spec.Endpoint]*plan
	forwards map[*spec.RestResource]*forwardPlan
	adapters []*adapter
	secrets  []string
	// scripting is the script-step governance of the document being built
	// (its control adapter's management.scripting), nil when none.
	scripting *spec.Scripting
	// doc is the document being built (OpenAPI, skill siblings, /status).
	doc *spec.Document
	// metrics is the registry of the first control adapter serving
	// /metrics; observer is it as the Observer (nil: nothing observes).
	metrics  *control.Metrics
	observer expose.Observer
	// binds are the bind values of the document being built (server-side
	// authentication templates).
	binds map[string]any
	// docs are every document built, for the files a reload watches.
	docs []*spec.Document
	// tracer makes the invocation and upstream-call spans (telemetry.go).
	tracer trace.Tracer
	// upSpans caches the client span name and options of each consumed
	// operation (*spec.ConsumedOperation → *upstreamSpan).
	upSpans sync.Map
	// stamps are the sizes and times of Files() when built (reload.go).
	stamps map[string]fileStamp
}

// adapter is one exposing adapter with its handler and listen address.
type adapter struct {
	spec    *spec.Expose
	addr    string
	handler http.Handler
	mcp     *mcpx.Server
	stdio   bool         // MCP on stdin/stdout: no listener
	state   adapterState // for the control adapter
}

// plan is everything precomputed for one exposed endpoint, so that a call
// only evaluates.
type plan struct {
	name     string   // for logs and errors: "<adapter>/<endpoint>"
	prefixes []string // the adapter namespace and its type alias
	rest     bool     // a REST operation (else an MCP tool)
	with     *expr.With
	hasWith  bool // with has entries: else applying it sets nothing
	body
}

// mode is how an endpoint or an aggregate function answers.
type mode uint8

const (
	modeCall  mode = iota // one upstream call, shaped (invoke.go)
	modeMock              // output values only, no upstream (mock.go)
	modeSteps             // steps and mappings (orchestrate.go)
	modeRef               // an aggregate function (aggregate.go)
)

// body is what runs after an endpoint's or a function's own `with`.
type body struct {
	mode mode
	// modeCall; shaper also shapes the last call step's response when an
	// orchestration's mappings resolve nothing.
	client *consume.Client
	op     *spec.ConsumedOperation
	shaper *expr.Shaper
	// modeMock
	mock *mockPlan
	// modeSteps
	steps    []*stepPlan
	mappings []*mappingPlan
	// modeRef
	fn *fnPlan
}

// Build compiles docs into an Engine without listening. Every problem is
// returned as a positioned diagnostic; on any error diagnostic the Engine is
// nil. Warnings are returned alongside a usable Engine.
func Build(docs []*spec.Document, opts Options) (*Engine, spec.Diagnostics) {
	opts.defaults()
	e := &Engine{opts: opts, log: opts.Logger.With("component", "engine"), plans: map[*spec.Endpoint]*plan{}, forwards: map[*spec.RestResource]*forwardPlan{},
		docs: docs, tracer: opts.TracerProvider.Tracer(tracerName)}
	diags := spec.CheckSet(docs)
	for _, doc := range docs {
		diags = append(diags, checkSupported(doc)...)
	}
	diags = append(diags, checkOverrides(docs, opts)...)
	if diags.HasErrors() {
		return nil, diags
	}
	for _, doc := range docs {
		diags = append(diags, e.buildDocument(doc)...)
	}
	if diags.HasErrors() {
		return nil, diags
	}
	if !opts.ValidateOnly {
		e.stamps = statFiles(e.Files())
	}
	return e, diags
}

// checkOverrides reports --base-uri and --port values that name nothing, so
// a typo never silently leaves the real upstream or port in place.
func checkOverrides(docs []*spec.Document, opts Options) spec.Diagnostics {
	consumers, adapters := map[string]bool{}, map[string]bool{}
	for _, doc := range docs {
		if doc.Capability == nil {
			continue
		}
		for _, c := range doc.Capability.Consumes {
			consumers[c.Namespace] = true
		}
		for _, x := range doc.Capability.Exposes {
			adapters[x.Namespace] = true
		}
	}
	var diags spec.Diagnostics
	for _, ns := range sortedKeys(opts.BaseURIs) {
		if !consumers[ns] {
			diags.Errorf(spec.Loc{}, "known consumers: "+joinKeys(consumers), "--base-uri names consumer %q, which no capability declares", ns)
		}
		if err := checkBaseURI(opts.BaseURIs[ns]); err != nil {
			diags.Errorf(spec.Loc{}, "write it as http://host:port or https://host[:port][/path]", "--base-uri %s=%s: %v", ns, opts.BaseURIs[ns], err)
		}
	}
	for _, ns := range sortedKeys(opts.Ports) {
		if !adapters[ns] {
			diags.Errorf(spec.Loc{}, "known adapters: "+joinKeys(adapters), "--port names adapter %q, which no capability declares", ns)
		}
	}
	diags = append(diags, checkOperationTimeouts(docs, opts.OperationTimeouts)...)
	return diags
}

// checkOperationTimeouts reports `--timeout NS[.OP]=D` keys that name no
// consumer or no operation of it.
func checkOperationTimeouts(docs []*spec.Document, timeouts map[string]time.Duration) spec.Diagnostics {
	ops := map[string]map[string]bool{}
	for _, doc := range docs {
		if doc.Capability == nil {
			continue
		}
		for _, c := range doc.Capability.Consumes {
			if ops[c.Namespace] == nil {
				ops[c.Namespace] = map[string]bool{}
			}
			for _, r := range c.Resources {
				for _, o := range r.Operations {
					ops[c.Namespace][o.Name] = true
				}
			}
		}
	}
	consumers := map[string]bool{}
	for ns := range ops {
		consumers[ns] = true
	}
	var diags spec.Diagnostics
	for _, key := range sortedKeys(timeouts) {
		ns, op, hasOp := strings.Cut(key, ".")
		switch {
		case ops[ns] == nil:
			diags.Errorf(spec.Loc{}, "known consumers: "+joinKeys(consumers), "--timeout names consumer %q, which no capability declares", ns)
		case hasOp && !ops[ns][op]:
			diags.Errorf(spec.Loc{}, "known operations: "+joinKeys(ops[ns]), "--timeout names operation %q of consumer %q, which does not declare it", op, ns)
		case timeouts[key] <= 0:
			diags.Errorf(spec.Loc{}, "write a positive duration such as 5s", "--timeout %s: the timeout must be positive", key)
		}
	}
	return diags
}

// timeoutsOf returns the consumer ns's timeout and its per-operation ones.
func (o *Options) timeoutsOf(ns string) (time.Duration, map[string]time.Duration) {
	def := o.UpstreamTimeout
	if d, ok := o.OperationTimeouts[ns]; ok {
		def = d
	}
	var per map[string]time.Duration
	for key, d := range o.OperationTimeouts {
		if n, op, ok := strings.Cut(key, "."); ok && n == ns {
			if per == nil {
				per = map[string]time.Duration{}
			}
			per[op] = d
		}
	}
	return def, per
}

// checkBaseURI rejects base URIs that would only fail at the first call.
func checkBaseURI(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return errors.New("not a URL")
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return errors.New("the scheme must be http or https")
	}
	if u.Hostname() == "" {
		return errors.New("the host is missing")
	}
	if strings.HasSuffix(u.Host, ":") {
		return errors.New("the port is empty")
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return errors.New("a base URI has no query or fragment")
	}
	return nil
}

func (e *Engine) buildDocument(doc *spec.Document) spec.Diagnostics {
	var diags spec.Diagnostics
	if doc.Capability == nil {
		return diags // a shared consumer file: nothing to run
	}
	var vars bindValues
	if !e.opts.ValidateOnly {
		var bd spec.Diagnostics
		vars, bd = resolveBinds(doc, e.opts.LookupEnv)
		diags = append(diags, bd...)
		e.secrets = append(e.secrets, vars.secrets...)
	}
	clients := map[string]*consume.Client{}
	for _, c := range doc.Capability.Consumes {
		timeout, opTimeouts := e.opts.timeoutsOf(c.Namespace)
		cl, err := consume.New(c, consume.Options{
			BaseURI:           e.opts.BaseURIs[c.Namespace],
			Vars:              vars.vars,
			LookupEnv:         e.opts.LookupEnv,
			AllowUnresolved:   e.opts.ValidateOnly,
			Timeout:           timeout,
			OperationTimeouts: opTimeouts,
			MaxConcurrency:    max(e.opts.MaxUpstreamConcurrency, 0),
			InjectHeaders:     injectTraceContext,
			MaxResponseBytes:  e.opts.MaxResponseBytes,
			HTTPClient:        e.opts.HTTPClient,
			UserAgent:         "naftiko-go/" + e.opts.Version,
		})
		if err != nil {
			diags.Errorf(c.Loc, "", "%v", err)
			continue
		}
		clients[c.Namespace] = cl
	}
	if diags.HasErrors() {
		return diags
	}
	e.scripting = scriptingOf(doc)
	e.doc = doc
	e.binds = vars.vars
	for _, x := range doc.Capability.Exposes {
		diags = append(diags, e.buildAdapter(x, clients)...)
	}
	return diags
}

func (e *Engine) buildAdapter(x *spec.Expose, clients map[string]*consume.Client) spec.Diagnostics {
	var diags spec.Diagnostics
	var alias string
	var endpoints []*spec.Endpoint
	switch {
	case x.Rest != nil:
		alias = "rest"
		for _, r := range x.Rest.Resources {
			if r.Forward != nil {
				fp, err := compileForward(r, clients)
				if err != nil {
					diags.Errorf(r.Forward.Loc, "", "%v", err)
				}
				e.forwards[r] = fp
			}
			for _, op := range r.Operations {
				endpoints = append(endpoints, &op.Endpoint)
			}
		}
	case x.MCP != nil:
		alias = "tools"
		for _, t := range x.MCP.Tools {
			endpoints = append(endpoints, &t.Endpoint)
		}
		for _, r := range x.MCP.Resources {
			if r.Location == "" { // dynamic: read through Invoke
				endpoints = append(endpoints, &r.Endpoint)
			}
		}
	}
	for _, ep := range endpoints {
		p, err := e.compile(x, alias, ep, clients)
		if err != nil {
			diags.Errorf(ep.Loc, "", "%v", err)
			continue
		}
		e.plans[ep] = p
	}
	if diags.HasErrors() {
		return diags
	}

	a := &adapter{spec: x, addr: e.listenAddr(x)}
	// The adapters add their own component and adapter attributes.
	log := e.opts.Logger
	var err error
	var more spec.Diagnostics
	switch {
	case x.Rest != nil:
		a.handler, err = rest.New(x, e.invokerFor(x), rest.Options{Logger: log, MaxBodyBytes: e.opts.MaxBodyBytes})
		if err == nil {
			a.handler, more = e.withOpenAPI(x, a.handler)
		}
	case x.MCP != nil:
		if a.stdio = isStdio(x); a.stdio {
			a.addr = "stdio"
			more = e.checkStdio(x)
		}
		a.mcp, err = mcpx.New(x, e.invokerFor(x), mcpx.Options{Logger: log, Version: e.opts.Version, AllowedOrigins: e.opts.AllowedOrigins, MaxBodyBytes: e.opts.MaxBodyBytes})
		if err == nil && !a.stdio {
			mux := http.NewServeMux()
			mux.Handle("/mcp", a.mcp.Handler())
			a.handler = mux
		}
	case x.Skill != nil:
		a.handler, more = e.buildSkill(x)
	case x.Control != nil:
		a.handler, more = e.buildControl(x)
	}
	if diags = append(diags, more...); diags.HasErrors() {
		return diags
	}
	if err != nil {
		diags.Errorf(x.Loc, "", "adapter %q: %v", x.Namespace, err)
		return diags
	}
	if x.Authentication != nil && a.handler != nil {
		g, err := xauth.New(x.Authentication, xauth.Options{Vars: e.binds, LookupEnv: e.opts.LookupEnv,
			AllowUnresolved: e.opts.ValidateOnly, Adapter: x.Namespace, Logger: e.opts.Logger,
			HTTPClient: e.opts.HTTPClient, ResourceMetadata: x.MCP != nil})
		if err != nil {
			diags.Errorf(x.Authentication.Loc, "", "adapter %q: %v", x.Namespace, err)
			return diags
		}
		a.handler = g.Wrap(a.handler)
	}
	e.adapters = append(e.adapters, a)
	return diags
}

// compile precomputes the plan of one endpoint: its `with` (references in
// the adapter's namespace or type alias) and what it runs.
func (e *Engine) compile(x *spec.Expose, alias string, ep *spec.Endpoint, clients map[string]*consume.Client) (*plan, error) {
	p := &plan{name: x.Namespace + "/" + ep.Name, prefixes: []string{x.Namespace, alias}, rest: x.Rest != nil, hasWith: len(ep.With) > 0}
	var err error
	if p.with, err = compileWith(ep.With, p.prefixes); err != nil {
		return nil, fmt.Errorf("endpoint %q: %w", ep.Name, err)
	}
	b, err := e.compileBody(ep, p.prefixes, clients)
	if err != nil {
		return nil, fmt.Errorf("endpoint %q: %w", ep.Name, err)
	}
	p.body = *b
	return p, nil
}

// compileBody compiles what an endpoint or function runs, chosen as the
// reference engine does: ref, else call, else steps, else mock.
func (e *Engine) compileBody(ep *spec.Endpoint, prefixes []string, clients map[string]*consume.Client) (*body, error) {
	shaper, err := expr.CompileShaper(shapes(ep.OutputParameters))
	if err != nil {
		return nil, fmt.Errorf("outputParameters: %w", err)
	}
	b := &body{shaper: shaper}
	switch {
	case ep.Ref != "":
		b.mode = modeRef
		b.fn, err = e.compileFunction(ep, clients)
	case ep.Call != "":
		b.mode = modeCall
		if ep.Target == nil {
			return nil, fmt.Errorf("call %q does not resolve to a consumed operation", ep.Call)
		}
		b.op = ep.Target
		b.client = clients[ep.Target.Consumer.Namespace]
		if b.client == nil {
			return nil, fmt.Errorf("no client for consumer %q", ep.Target.Consumer.Namespace)
		}
	case len(ep.Steps) > 0 || len(ep.Mappings) > 0:
		b.mode = modeSteps
		err = e.compileSteps(ep, prefixes, clients, b)
	default:
		b.mode = modeMock
		b.mock, err = compileMock(ep.OutputParameters)
	}
	if err != nil {
		return nil, err
	}
	return b, nil
}

// compileWith compiles a `with` block of the model.
func compileWith(with []*spec.WithEntry, prefixes []string) (*expr.With, error) {
	entries := make([]expr.WithEntry, len(with))
	for i, w := range with {
		entries[i] = expr.WithEntry{Key: w.Key, Value: w.Value}
	}
	w, err := expr.CompileWith(entries, prefixes)
	if err != nil {
		return nil, fmt.Errorf("with: %w", err)
	}
	return w, nil
}

// shapes converts the model's output parameters to expr's shaping input.
func shapes(outs []*spec.OutputParam) []*expr.Shape {
	if len(outs) == 0 {
		return nil
	}
	res := make([]*expr.Shape, len(outs))
	for i, o := range outs {
		res[i] = shape(o)
	}
	return res
}

func shape(o *spec.OutputParam) *expr.Shape {
	s := &expr.Shape{
		Name: o.Name, Type: o.Type,
		Mapping: o.Mapping, HasMapping: o.HasMapping,
		Value: o.Value, HasValue: o.HasValue,
		Const: o.Const, HasConst: o.HasConst,
		Properties: shapes(o.Properties),
		MaxLength:  o.MaxLength,
	}
	if o.Items != nil {
		s.Items = shape(o.Items)
	}
	return s
}

func (e *Engine) listenAddr(x *spec.Expose) string {
	host := x.Address
	if host == "" {
		host = e.opts.Address
	}
	port := x.Port
	if p, ok := e.opts.Ports[x.Namespace]; ok {
		port = p
	}
	return net.JoinHostPort(host, strconv.Itoa(port))
}

// Secrets returns every resolved bind value, so that callers can make sure
// none of them reaches a log line or a response.
func (e *Engine) Secrets() []string { return append([]string(nil), e.secrets...) }

var _ expose.Invoker = (*Engine)(nil)
