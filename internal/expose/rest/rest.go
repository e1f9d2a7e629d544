package rest

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/naftiko-go/naftiko/internal/expose"
	"github.com/naftiko-go/naftiko/internal/spec"
)

// DefaultMaxBodyBytes is the request body limit when Options.MaxBodyBytes is 0.
const DefaultMaxBodyBytes int64 = 1 << 20

// Log attribute keys.
const (
	logKeyComponent = "component"
	logKeyAdapter   = "adapter"
	logKeyMethod    = "method"
	logKeyPath      = "path"
	logKeyOperation = "operation"
	logKeyError     = "error"
	logKeyPanic     = "panic"
	logKeyStack     = "stack"
)

// methodOrder is the order of methods in an Allow header; it is also the
// set of methods chi routes without a global RegisterMethod.
var methodOrder = []string{
	http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
	http.MethodDelete, http.MethodOptions, http.MethodConnect, http.MethodTrace,
}

// Options configure the REST adapter.
type Options struct {
	// Logger receives request failures; nil discards them.
	Logger *slog.Logger
	// MaxBodyBytes limits request bodies (413 beyond); 0 means DefaultMaxBodyBytes.
	MaxBodyBytes int64
}

// New builds the HTTP handler of a REST adapter: one route per resource path
// and operation method, invoking inv. It fails, instead of panicking, on a
// path or method chi cannot route, on two operations for the same route, and
// on invalid declared parameters.
func New(adapter *spec.Expose, inv expose.Invoker, opts Options) (http.Handler, error) {
	if adapter == nil || adapter.Rest == nil {
		return nil, errors.New("rest: adapter is not a rest adapter")
	}
	if inv == nil {
		return nil, errors.New("rest: invoker is nil")
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	log = log.With(logKeyComponent, "rest", logKeyAdapter, adapter.Namespace)
	limit := opts.MaxBodyBytes
	if limit <= 0 {
		limit = DefaultMaxBodyBytes
	}

	mux := chi.NewRouter()
	a := &api{mux: mux, log: log}
	mux.Use(a.recoverer)
	mux.NotFound(a.notFound)
	mux.MethodNotAllowed(a.methodNotAllowed)

	declared := map[string]string{} // shape+" "+method → where
	for _, res := range adapter.Rest.Resources {
		if res == nil {
			continue
		}
		rt, err := parseRoute(res.Path)
		if err != nil {
			return nil, fmt.Errorf("rest: %s: %w", res.Path, err)
		}
		if res.Forward != nil {
			// Forward takes the methods no operation declares. Registered
			// first: chi's any-method registration would overwrite the
			// per-method handlers of the same route.
			if err := a.handleForward(adapter, res, rt, inv, limit); err != nil {
				return nil, fmt.Errorf("rest: %s: %w", res.Path, err)
			}
		}
		for _, op := range res.Operations {
			if op == nil {
				continue
			}
			method := strings.ToUpper(strings.TrimSpace(op.Method))
			if !slices.Contains(methodOrder, method) {
				return nil, fmt.Errorf("rest: %s: method %q is not an HTTP method this adapter can route", op.Path, op.Method)
			}
			key := method + " " + rt.shape
			if prev, dup := declared[key]; dup {
				return nil, fmt.Errorf("rest: %s: %s %s is already declared at %s", op.Path, method, res.Path, prev)
			}
			declared[key] = op.Path
			params, err := compileParams(res, op)
			if err != nil {
				return nil, fmt.Errorf("rest: %w", err)
			}
			h := &operation{
				adapter: adapter, op: op, inv: inv, log: log, limit: limit,
				vars: rt.vars, params: params, declared: len(params) > 0,
			}
			if err := a.handle(method, rt.pattern, h); err != nil {
				return nil, fmt.Errorf("rest: %s: %w", op.Path, err)
			}
		}
	}
	return mux, nil
}

// Forwarder is implemented by invokers that can pass a request through to a
// consumer (a resource's `forward`). path is what the resource's {path}
// variable captured, escaped as on the wire.
type Forwarder interface {
	Forward(ctx context.Context, adapter *spec.Expose, res *spec.RestResource, path string, r *http.Request) (*expose.Result, error)
}

// handleForward registers the forward of res. A trailing {path} (or
// {{path}}) variable captures the rest of the URL, several segments.
func (a *api) handleForward(adapter *spec.Expose, res *spec.RestResource, rt route, inv expose.Invoker, limit int64) error {
	fw, ok := inv.(Forwarder)
	if !ok {
		ns := res.Forward.TargetNamespace
		return a.handle("", rt.pattern, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			writeProblem(w, problemOf(&expose.Error{Kind: expose.KindNotSupported,
				Detail: fmt.Sprintf("forwarding to %q is not supported by this engine", ns)}))
		}))
	}
	pattern, rest := rt.pattern, false
	if p, found := strings.CutSuffix(pattern, "/{path}"); found {
		pattern, rest = p+"/*", true
	}
	return a.handle("", pattern, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, limit)
		path := ""
		if rest {
			path = chi.URLParam(r, "*")
		}
		out, err := fw.Forward(r.Context(), adapter, res, path, r)
		if err != nil {
			// The forwarder reports a body over the limit as KindTooLarge.
			writeProblem(w, problemOf(expose.AsError(err)))
			return
		}
		writeResult(w, r, out)
	}))
}

// api is the adapter's router and its shared handlers.
type api struct {
	mux *chi.Mux
	log *slog.Logger
	// methods are the methods registered on at least one route, for Allow.
	methods []string
}

// handle registers h, turning a chi panic into an error (belt and braces:
// parseRoute already refuses what chi would panic on).
func (a *api) handle(method, pattern string, h http.Handler) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("cannot route %q: %v", pattern, p)
		}
	}()
	if method == "" {
		a.mux.Handle(pattern, h)
		return nil
	}
	a.mux.Method(method, pattern, h)
	if !slices.Contains(a.methods, method) {
		a.methods = append(a.methods, method)
	}
	return nil
}

// notFound answers a path no resource declares.
func (a *api) notFound(w http.ResponseWriter, r *http.Request) {
	writeProblem(w, problem{Type: typeNotFound, Title: "Not found", Status: http.StatusNotFound,
		Detail: fmt.Sprintf("no resource at %s", r.URL.Path)})
}

// methodNotAllowed answers a declared path with an undeclared method. chi
// does not pass the allowed methods to a custom handler, so they are found
// by asking the router which methods match this path.
func (a *api) methodNotAllowed(w http.ResponseWriter, r *http.Request) {
	path := r.URL.RawPath
	if path == "" {
		path = r.URL.Path
	}
	var allowed []string
	for _, m := range methodOrder {
		if slices.Contains(a.methods, m) && a.mux.Match(chi.NewRouteContext(), m, path) {
			allowed = append(allowed, m)
		}
	}
	if len(allowed) == 0 {
		// chi also lands here for a method it does not know, whatever the path.
		a.notFound(w, r)
		return
	}
	w.Header().Set("Allow", strings.Join(allowed, ", "))
	writeProblem(w, problem{Type: typeMethodNotAllowed, Title: "Method not allowed", Status: http.StatusMethodNotAllowed,
		Detail: fmt.Sprintf("%s is not allowed on %s; allowed: %s", r.Method, r.URL.Path, strings.Join(allowed, ", "))})
}

// recoverer turns a panic into a 500 problem (when nothing was written yet)
// and a log line, so one bad request never takes the process down.
func (a *api) recoverer(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tw := &trackingWriter{ResponseWriter: w}
		defer func() {
			p := recover()
			if p == nil {
				return
			}
			if p == http.ErrAbortHandler {
				panic(p)
			}
			a.log.Error("panic in handler", logKeyMethod, r.Method, logKeyPath, r.URL.Path,
				logKeyPanic, fmt.Sprint(p), logKeyStack, string(debug.Stack()))
			if !tw.wrote {
				writeProblem(w, problemOf(&expose.Error{Kind: expose.KindInternal}))
			}
		}()
		next.ServeHTTP(tw, r)
	})
}

// trackingWriter records whether the response has started.
type trackingWriter struct {
	http.ResponseWriter
	wrote bool
}

// WriteHeader records that the response started.
func (t *trackingWriter) WriteHeader(code int) {
	t.wrote = true
	t.ResponseWriter.WriteHeader(code)
}

// Write records that the response started.
func (t *trackingWriter) Write(b []byte) (int, error) {
	t.wrote = true
	return t.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (t *trackingWriter) Unwrap() http.ResponseWriter { return t.ResponseWriter }

// operation serves one declared REST operation.
type operation struct {
	adapter  *spec.Expose
	op       *spec.RestOperation
	inv      expose.Invoker
	log      *slog.Logger
	limit    int64
	vars     []string
	params   []*param
	declared bool
}

// ServeHTTP builds the inputs, invokes the endpoint and writes the answer.
func (o *operation) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, p := readBody(w, r, o.limit)
	if p != nil {
		writeProblem(w, *p)
		return
	}
	in := expose.Inputs{Body: b.value, HasBody: b.has}
	if o.declared {
		values, err := declaredInputs(r, o.params, o.vars, b)
		if err != nil {
			o.fail(w, r, err)
			return
		}
		in.Values = values
	} else {
		in.Values = implicitInputs(r, o.vars)
	}
	res, err := o.inv.Invoke(r.Context(), o.adapter, &o.op.Endpoint, in)
	if err != nil {
		o.fail(w, r, err)
		return
	}
	if res == nil || res.Status < 200 || res.Status > 999 {
		status := 0
		if res != nil {
			status = res.Status
		}
		o.fail(w, r, &expose.Error{Kind: expose.KindInternal, Err: fmt.Errorf("invoker returned an invalid result (status %d)", status)})
		return
	}
	writeResult(w, r, res)
}

// fail logs an engine error and answers with its problem document.
func (o *operation) fail(w http.ResponseWriter, r *http.Request, err error) {
	e := expose.AsError(err)
	level := slog.LevelDebug
	if e.Kind == expose.KindInternal {
		level = slog.LevelError
	} else if e.Kind != expose.KindInput {
		level = slog.LevelWarn
	}
	o.log.Log(r.Context(), level, "request failed", logKeyMethod, r.Method, logKeyPath, r.URL.Path,
		logKeyOperation, o.op.Name, logKeyError, err.Error())
	writeProblem(w, problemOf(e))
}

// writeResult passes an invocation result through: status, body and content
// type as they are. 204, 304, HEAD and empty bodies carry no body and no
// content type.
func writeResult(w http.ResponseWriter, r *http.Request, res *expose.Result) {
	noBody := res.Status == http.StatusNoContent || res.Status == http.StatusNotModified || len(res.Body) == 0
	if !noBody {
		ct := res.ContentType
		if ct == "" {
			ct = "application/octet-stream"
			if res.IsJSON {
				ct = "application/json"
			}
		}
		w.Header().Set("Content-Type", ct)
		w.Header().Set("Content-Length", strconv.Itoa(len(res.Body)))
	}
	w.WriteHeader(res.Status)
	if !noBody && r.Method != http.MethodHead {
		_, _ = w.Write(res.Body)
	}
}
