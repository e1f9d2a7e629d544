package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime/debug"
	"strconv"
	"sync"
	"time"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/naftiko-go/naftiko/internal/engine"
	"github.com/naftiko-go/naftiko/internal/expose/control"
	"github.com/naftiko-go/naftiko/internal/spec"
	"github.com/naftiko-go/naftiko/internal/telemetry"
)

// Version is the engine version, set at build time with
// -ldflags "-X github.com/naftiko-go/naftiko/internal/cli.Version=…".
var Version = "dev"

// Exit codes.
const (
	exitOK      = 0
	exitFailure = 1
	exitUsage   = 2
)

// App is the command-line program with its environment made explicit, so
// tests can run it in-process.
type App struct {
	Stdout, Stderr io.Writer
	// LookupEnv reads the process environment (default os.LookupEnv).
	LookupEnv func(string) (string, bool)
	// OnListening, when set, is called once every adapter is bound (tests
	// use it to learn the ports chosen for --port NS=0).
	OnListening func([]engine.Listener)
	// Reload receives SIGHUP: each value reloads the served configuration
	// (nil: never).
	Reload <-chan os.Signal
}

// Main runs the program with the process environment and returns the exit
// code.
func Main(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	return (&App{Stdout: stdout, Stderr: stderr}).Run(ctx, args)
}

const usage = `naftiko runs Naftiko capability files: it serves their REST and MCP adapters
in front of the upstream HTTP APIs they consume.

Usage:
  naftiko serve [flags] FILE...      serve every adapter of every file
  naftiko validate [--strict] FILE... check files without serving them
  naftiko inspect [--format F] FILE... show routes, tools, upstream calls and needed variables
  naftiko export openapi [flags] FILE write the OpenAPI 3.1 document of a REST adapter
  naftiko version                    print the version

Run 'naftiko serve -h' or 'naftiko validate -h' for the flags.
`

// Run runs the command line args (without the program name).
func (a *App) Run(ctx context.Context, args []string) int {
	if a.LookupEnv == nil {
		a.LookupEnv = os.LookupEnv
	}
	if len(args) == 0 {
		fmt.Fprint(a.Stderr, usage)
		return exitUsage
	}
	switch args[0] {
	case "serve":
		return a.serve(ctx, args[1:])
	case "validate":
		return a.validate(args[1:])
	case "inspect":
		return a.inspect(args[1:])
	case "export":
		return a.export(args[1:])
	case "version", "--version", "-version":
		fmt.Fprintf(a.Stdout, "naftiko %s (Naftiko 1.0.0-alpha2)\n", Version)
		return exitOK
	case "help", "-h", "--help", "-help":
		fmt.Fprint(a.Stdout, usage)
		return exitOK
	default:
		fmt.Fprintf(a.Stderr, "naftiko: unknown command %q\n\n%s", args[0], usage)
		return exitUsage
	}
}

func (a *App) validate(args []string) int {
	fs := flag.NewFlagSet("validate", flag.ContinueOnError)
	fs.SetOutput(a.Stderr)
	strict := fs.Bool("strict", false, "treat every warning as an error (schema conformance)")
	fs.Usage = func() {
		fmt.Fprintln(a.Stderr, "Usage: naftiko validate [--strict] FILE...\n\nBuilds every file without listening and prints its diagnostics; exits 1 on any error.")
		fs.PrintDefaults()
	}
	if err := parseInterspersed(fs, args); err != nil {
		return flagExit(err)
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return exitUsage
	}
	docs, diags := loadAll(fs.Args())
	if !diags.HasErrors() {
		_, bd := engine.Build(docs, engine.Options{ValidateOnly: true, LookupEnv: a.LookupEnv, Version: Version})
		diags = append(diags, bd...)
	}
	if *strict {
		diags = diags.Strict()
	}
	for _, d := range diags {
		fmt.Fprintln(a.Stdout, d.String())
	}
	nerr := len(diags.Errors())
	nwarn := len(diags) - nerr
	if nerr > 0 {
		fmt.Fprintf(a.Stdout, "invalid: %d error(s), %d warning(s)\n", nerr, nwarn)
		return exitFailure
	}
	fmt.Fprintf(a.Stdout, "valid: %d file(s), %d warning(s)\n", len(docs), nwarn)
	return exitOK
}

// loadAll loads every file, collecting every diagnostic.
func loadAll(files []string) ([]*spec.Document, spec.Diagnostics) {
	var docs []*spec.Document
	var diags spec.Diagnostics
	for _, f := range files {
		doc, d := spec.Load(f)
		diags = append(diags, d...)
		if doc != nil {
			docs = append(docs, doc)
		}
	}
	return docs, diags
}

// serveFlags are the flags of `naftiko serve` (SPEC §11).
type serveFlags struct {
	baseURIs    pairs
	ports       pairs
	origins     list
	address     string
	envFile     string
	logLevel    string
	logFormat   string
	timeout     timeouts
	grace       time.Duration
	maxBody     int64
	maxUpstream int64
	maxConc     int
	watch       bool
	accessLog   bool
	otlp        string
}

func (a *App) serve(ctx context.Context, args []string) int {
	var f serveFlags
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(a.Stderr)
	fs.Var(&f.baseURIs, "base-uri", "`NS=URL`: replace the base URI of consumer NS (repeatable)")
	fs.Var(&f.ports, "port", "`NS=PORT`: replace the port of adapter NS; 0 picks a free port (repeatable)")
	fs.StringVar(&f.address, "address", "127.0.0.1", "listen `address` of adapters that declare none (the container uses 0.0.0.0)")
	fs.StringVar(&f.envFile, "env-file", "", "read KEY=VALUE lines from `FILE` for variables the environment does not set")
	fs.StringVar(&f.logLevel, "log-level", "info", "log `level`: debug, info, warn, error")
	fs.StringVar(&f.logFormat, "log-format", "text", "log `format`: text or json")
	f.timeout.def = 30 * time.Second
	fs.Var(&f.timeout, "timeout", "timeout of every upstream call; `NS=D` or NS.OP=D: of consumer NS or its operation OP (repeatable)")
	fs.IntVar(&f.maxConc, "max-upstream-concurrency", engine.DefaultMaxUpstreamConcurrency, "calls in flight per consumer namespace; more wait within their timeout (0: no limit)")
	fs.BoolVar(&f.watch, "watch", false, "reload when a capability, imported or bind file changes (checked every second); SIGHUP always reloads")
	fs.BoolVar(&f.accessLog, "access-log", true, "log one info line per REST request and MCP request")
	fs.StringVar(&f.otlp, "otlp-endpoint", "", "export traces to this OTLP/HTTP `URL` (JSON; default: the control adapter's observability.exporters.otlp.endpoint, else none)")
	fs.DurationVar(&f.grace, "shutdown-grace", 30*time.Second, "how long in-flight requests may finish after SIGINT/SIGTERM")
	fs.Int64Var(&f.maxBody, "max-body-bytes", 1<<20, "largest REST request body or MCP message accepted")
	fs.Int64Var(&f.maxUpstream, "max-response-bytes", 16<<20, "largest upstream response accepted")
	fs.Var(&f.origins, "allow-origin", "`ORIGIN` the MCP adapters accept besides their own host (repeatable; * for any)")
	fs.Usage = func() {
		fmt.Fprintln(a.Stderr, "Usage: naftiko serve [flags] FILE...\n\nServes every adapter of every capability file until SIGINT/SIGTERM.\n\nFlags:")
		fs.PrintDefaults()
	}
	if err := parseInterspersed(fs, args); err != nil {
		return flagExit(err)
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return exitUsage
	}
	// From here on every write to stderr goes through one sink, which
	// batches access lines and keeps every line in order.
	stderr := newLogSink(a.Stderr)
	defer func() { _ = stderr.Flush() }()
	redactor := &redactor{}
	logger, err := newLogger(stderr, f.logLevel, f.logFormat, redactor)
	if err != nil {
		fmt.Fprintf(a.Stderr, "naftiko: %v\n", err)
		return exitUsage
	}
	accessLogger, err := newLogger(stderr.Batched(), f.logLevel, f.logFormat, redactor)
	if err != nil {
		fmt.Fprintf(a.Stderr, "naftiko: %v\n", err)
		return exitUsage
	}
	ports := map[string]int{}
	for ns, v := range f.ports.m {
		p, err := strconv.Atoi(v)
		if err != nil || p < 0 || p > 65535 {
			fmt.Fprintf(stderr, "naftiko: --port %s=%s: the port must be a number from 0 to 65535\n", ns, v)
			return exitUsage
		}
		ports[ns] = p
	}
	lookupEnv := a.LookupEnv
	if f.envFile != "" {
		fileEnv, err := readEnvFile(f.envFile)
		if err != nil {
			fmt.Fprintf(stderr, "naftiko: --env-file: %v\n", err)
			return exitFailure
		}
		lookupEnv = func(k string) (string, bool) {
			if v, ok := a.LookupEnv(k); ok {
				return v, true
			}
			v, ok := fileEnv[k]
			return v, ok
		}
	}

	docs, diags := loadAll(fs.Args())
	var eng *engine.Engine
	opts := engine.Options{
		BaseURIs:               f.baseURIs.m,
		Ports:                  ports,
		Address:                f.address,
		LookupEnv:              lookupEnv,
		Logger:                 logger,
		AccessLogger:           accessLogger,
		UpstreamTimeout:        f.timeout.def,
		OperationTimeouts:      f.timeout.per,
		MaxUpstreamConcurrency: f.maxConc,
		AccessLog:              f.accessLog,
		ShutdownGrace:          f.grace,
		MaxBodyBytes:           f.maxBody,
		MaxResponseBytes:       f.maxUpstream,
		AllowedOrigins:         f.origins.v,
		Version:                Version,
		// One registry for the life of the process: reloads keep counting.
		Metrics: control.NewMetrics(),
	}
	if f.maxConc <= 0 {
		opts.MaxUpstreamConcurrency = -1 // no limit
	}
	if !diags.HasErrors() {
		tp, traces, err := tracerProvider(f.otlp, docs, logger)
		if err != nil {
			fmt.Fprintf(stderr, "naftiko: %v\n", err)
			return exitUsage
		}
		defer func() {
			sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
			defer cancel()
			_ = tp.Shutdown(sctx) // flushes the last spans
		}()
		opts.TracerProvider = tp
		opts.Traces = traces
		var bd spec.Diagnostics
		eng, bd = engine.Build(docs, opts)
		diags = append(diags, bd...)
	}
	if diags.HasErrors() || f.logLevel == "debug" {
		printDiagnostics(stderr, logger, f.logFormat, diags)
	} else {
		summarizeWarnings(logger, diags)
	}
	if diags.HasErrors() {
		if f.logFormat == "json" {
			logger.Error("not serving", "errors", len(diags.Errors()))
		} else {
			fmt.Fprintf(stderr, "naftiko: not serving: %d error(s) above\n", len(diags.Errors()))
		}
		return exitFailure
	}
	redactor.set(eng.Secrets())

	running, err := eng.Listen()
	if err != nil {
		fmt.Fprintf(stderr, "naftiko: %v\n", err)
		return exitFailure
	}
	if a.OnListening != nil {
		a.OnListening(running.Listeners())
	}
	// Loading and building left garbage behind (YAML trees, scratch of
	// schema and template compilation): return it to the system now
	// rather than when the scavenger gets to it, so that an idle server
	// stays small (about 1 MB less resident).
	go debug.FreeOSMemory()
	// Reloads rebuild from the same files and flags; the trace provider
	// (and so the OTLP endpoint) is kept.
	files := fs.Args()
	tracesOn, tracesSize := engine.LocalTraces(docs)
	reloader := &engine.Reloader{Logger: logger, Build: func() (*engine.Engine, spec.Diagnostics) {
		docs, diags := loadAll(files)
		if diags.HasErrors() {
			return nil, diags
		}
		if on, size := engine.LocalTraces(docs); on != tracesOn || size != tracesSize {
			logger.Warn("the control adapter's local traces changed; they are set up at start-up: restart to apply",
				"traces_local", on, "buffer_size", size)
		}
		next, bd := engine.Build(docs, opts)
		if next != nil {
			redactor.set(next.Secrets()) // before it serves
		}
		return next, append(diags, bd...)
	}}
	if f.watch {
		reloader.Interval = time.Second
	}
	rctx, stopReloads := context.WithCancel(ctx)
	var reloads sync.WaitGroup
	reloads.Go(func() { reloader.Run(rctx, running, a.Reload) })
	err = running.Serve(ctx)
	stopReloads()
	reloads.Wait()
	if err != nil {
		logger.Error("stopped with an error", "error", err.Error())
		return exitFailure
	}
	logger.Info("stopped")
	return exitOK
}

// tracerProvider makes the spans of invocations and upstream calls, exported
// to the --otlp-endpoint flag or else to the first control adapter's OTLP
// endpoint (unless its observability is disabled), or to nothing; and kept
// in memory for the control adapter's /traces unless it turns that off.
// Both are read once at start-up: a reload keeps them.
func tracerProvider(flagEndpoint string, docs []*spec.Document, logger *slog.Logger) (*sdktrace.TracerProvider, *control.TraceBuffer, error) {
	opts := telemetry.Options{Endpoint: flagEndpoint, ServiceVersion: Version, Logger: logger.With("component", "otlp")}
	if o := engine.Observability(docs); o != nil && (o.Enabled == nil || *o.Enabled) {
		if opts.Endpoint == "" {
			opts.Endpoint = o.OTLPEndpoint
		}
		opts.SamplingRatio = o.TracesSampling
	}
	var traces *control.TraceBuffer
	if on, size := engine.LocalTraces(docs); on {
		traces = control.NewTraceBuffer(size)
		opts.Local = append(opts.Local, traces)
	}
	tp, err := telemetry.NewTracerProvider(opts)
	if err != nil {
		return nil, nil, fmt.Errorf("--otlp-endpoint: %w", err)
	}
	if opts.Endpoint != "" {
		logger.Info("exporting traces", "endpoint", opts.Endpoint)
	}
	return tp, traces, nil
}

// printDiagnostics prints diagnostics as text lines, or as log records when
// the logs are JSON, so that a JSON log stream stays parseable.
func printDiagnostics(w io.Writer, logger *slog.Logger, format string, diags spec.Diagnostics) {
	for _, d := range diags {
		if format != "json" {
			fmt.Fprintln(w, d.String())
			continue
		}
		level := slog.LevelWarn
		if d.Severity == spec.SeverityError {
			level = slog.LevelError
		}
		logger.LogAttrs(context.Background(), level, "diagnostic",
			slog.String("file", d.Pos.File), slog.Int("line", d.Pos.Line), slog.Int("col", d.Pos.Col),
			slog.String("path", d.Path), slog.String("summary", d.Summary), slog.String("hint", d.Hint))
	}
}

// summarizeWarnings logs one line per file with warnings: a file that runs
// should not flood every start with its schema deviations, which `naftiko
// validate` lists.
func summarizeWarnings(logger *slog.Logger, diags spec.Diagnostics) {
	counts := map[string]int{}
	var files []string
	for _, d := range diags {
		if counts[d.Pos.File] == 0 {
			files = append(files, d.Pos.File)
		}
		counts[d.Pos.File]++
	}
	for _, f := range files {
		logger.Warn("capability has warnings; run `naftiko validate "+f+"` to list them", "file", f, "warnings", counts[f])
	}
}

func flagExit(err error) int {
	if errors.Is(err, flag.ErrHelp) {
		return exitOK
	}
	return exitUsage
}

// newLogger builds a logger of the process writing to w through the
// redactor: the logger, and the access logger with its batching writer.
func newLogger(w io.Writer, level, format string, r *redactor) (*slog.Logger, error) {
	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("--log-level %q: use debug, info, warn or error", level)
	}
	opts := &slog.HandlerOptions{Level: lvl}
	var h slog.Handler
	switch format {
	case "text":
		h = slog.NewTextHandler(w, opts)
	case "json":
		h = slog.NewJSONHandler(w, opts)
	default:
		return nil, fmt.Errorf("--log-format %q: use text or json", format)
	}
	return slog.New(&redactHandler{next: h, r: r}), nil
}
