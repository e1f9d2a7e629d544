package engine

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/naftiko-go/naftiko/internal/consume"
	"github.com/naftiko-go/naftiko/internal/expose"
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
	// ValidateOnly builds without bind values and without resolving
	// base-URI placeholders: what `naftiko validate` needs.
	ValidateOnly bool
	// UpstreamTimeout bounds every upstream call (default 30s).
	UpstreamTimeout time.Duration
	// MaxResponseBytes bounds every upstream response (default 16 MiB).
	MaxResponseBytes int64
	// MaxBodyBytes bounds REST request bodies (default 1 MiB).
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
}

func (o *Options) defaults() {
	if o.Address == "" {
		o.Address = "127.0.0.1"
	}
	if o.LookupEnv == nil {
		o.LookupEnv = os.LookupEnv
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
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
}

// Engine is a built set of capabilities, ready to Run.
type Engine struct {
	opts     Options
	log      *slog.Logger
	plans    map[*spec.Endpoint]*plan
	adapters []*adapter
	secrets  []string
}

// adapter is one exposing adapter with its handler and listen address.
type adapter struct {
	spec    *spec.Expose
	addr    string
	handler http.Handler
	mcp     *mcpx.Server
}

// plan is everything precomputed for one exposed endpoint, so that a call
// only evaluates.
type plan struct {
	name     string   // for logs and errors: "<adapter>/<endpoint>"
	prefixes []string // the adapter namespace and its type alias
	client   *consume.Client
	op       *spec.ConsumedOperation
	with     *expr.With
	shaper   *expr.Shaper
}

// Build compiles docs into an Engine without listening. Every problem is
// returned as a positioned diagnostic; on any error diagnostic the Engine is
// nil. Warnings are returned alongside a usable Engine.
func Build(docs []*spec.Document, opts Options) (*Engine, spec.Diagnostics) {
	opts.defaults()
	e := &Engine{opts: opts, log: opts.Logger.With("component", "engine"), plans: map[*spec.Endpoint]*plan{}}
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
	return diags
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
		cl, err := consume.New(c, consume.Options{
			BaseURI:          e.opts.BaseURIs[c.Namespace],
			Vars:             vars.vars,
			LookupEnv:        e.opts.LookupEnv,
			AllowUnresolved:  e.opts.ValidateOnly,
			Timeout:          e.opts.UpstreamTimeout,
			MaxResponseBytes: e.opts.MaxResponseBytes,
			HTTPClient:       e.opts.HTTPClient,
			UserAgent:        "naftiko-go/" + e.opts.Version,
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
			for _, op := range r.Operations {
				endpoints = append(endpoints, &op.Endpoint)
			}
		}
	case x.MCP != nil:
		alias = "tools"
		for _, t := range x.MCP.Tools {
			endpoints = append(endpoints, &t.Endpoint)
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
	switch {
	case x.Rest != nil:
		a.handler, err = rest.New(x, e, rest.Options{Logger: log, MaxBodyBytes: e.opts.MaxBodyBytes})
	case x.MCP != nil:
		a.mcp, err = mcpx.New(x, e, mcpx.Options{Logger: log, Version: e.opts.Version, AllowedOrigins: e.opts.AllowedOrigins})
		if err == nil {
			mux := http.NewServeMux()
			mux.Handle("/mcp", a.mcp.Handler())
			a.handler = mux
		}
	}
	if err != nil {
		diags.Errorf(x.Loc, "", "adapter %q: %v", x.Namespace, err)
		return diags
	}
	e.adapters = append(e.adapters, a)
	return diags
}

// compile precomputes the plan of one endpoint.
func (e *Engine) compile(x *spec.Expose, alias string, ep *spec.Endpoint, clients map[string]*consume.Client) (*plan, error) {
	p := &plan{name: x.Namespace + "/" + ep.Name, op: ep.Target, prefixes: []string{x.Namespace, alias}}
	if ep.Target == nil {
		return nil, fmt.Errorf("endpoint %q: call %q does not resolve to a consumed operation", ep.Name, ep.Call)
	}
	p.client = clients[ep.Target.Consumer.Namespace]
	if p.client == nil {
		return nil, fmt.Errorf("endpoint %q: no client for consumer %q", ep.Name, ep.Target.Consumer.Namespace)
	}
	entries := make([]expr.WithEntry, len(ep.With))
	for i, w := range ep.With {
		entries[i] = expr.WithEntry{Key: w.Key, Value: w.Value}
	}
	var err error
	if p.with, err = expr.CompileWith(entries, p.prefixes); err != nil {
		return nil, fmt.Errorf("endpoint %q: with: %w", ep.Name, err)
	}
	if p.shaper, err = expr.CompileShaper(shapes(ep.OutputParameters)); err != nil {
		return nil, fmt.Errorf("endpoint %q: outputParameters: %w", ep.Name, err)
	}
	return p, nil
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
