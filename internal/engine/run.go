package engine

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// Listener is one adapter's bound address, known after Listen.
type Listener struct {
	Adapter string // adapter namespace
	Type    string // rest, mcp
	Addr    string // host:port actually bound
}

// Running is a set of listening servers started by Listen. Swap
// (reload.go) replaces the engine behind them while they serve.
type Running struct {
	mu        sync.Mutex // guards e and served, which Swap replaces
	e         *Engine
	servers   []*http.Server
	listeners []net.Listener
	handlers  []*swapHandler // the handler of each server
	bound     []Listener
	served    []*adapter // the adapter of each server
	stdio     *adapter   // the MCP adapter served on stdin/stdout, if any
}

// swapHandler serves with the handler last stored: a request runs to its
// end on the handler it started with, whatever Swap does meanwhile.
type swapHandler struct{ h atomic.Pointer[http.Handler] }

func newSwapHandler(h http.Handler) *swapHandler {
	s := &swapHandler{}
	s.h.Store(&h)
	return s
}

// ServeHTTP serves r with the current handler.
func (s *swapHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	(*s.h.Load()).ServeHTTP(w, r)
}

// engine returns the engine currently served.
func (r *Running) engine() *Engine {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.e
}

// adapterAt returns the adapter currently served by server i.
func (r *Running) adapterAt(i int) *adapter {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.served[i]
}

// Listen binds every adapter's address. Nothing is served until Serve. If
// any address cannot be bound, every listener opened so far is closed and
// the error names the adapter and the address.
func (e *Engine) Listen() (*Running, error) {
	r := &Running{e: e}
	for _, a := range e.adapters {
		if a.stdio {
			r.stdio = a
			r.bound = append(r.bound, Listener{Adapter: a.spec.Namespace, Type: a.spec.Type, Addr: "stdio"})
			continue
		}
		ln, err := net.Listen("tcp", a.addr)
		if err != nil {
			r.closeListeners()
			return nil, fmt.Errorf("adapter %q cannot listen on %s: %w (choose another port with --port %s=PORT)", a.spec.Namespace, a.addr, err, a.spec.Namespace)
		}
		r.listeners = append(r.listeners, ln)
		h := newSwapHandler(e.front(a))
		r.handlers = append(r.handlers, h)
		r.servers = append(r.servers, &http.Server{
			Handler:           h,
			ReadHeaderTimeout: 10 * time.Second,
			IdleTimeout:       120 * time.Second,
			MaxHeaderBytes:    1 << 20,
			ErrorLog:          slog.NewLogLogger(e.opts.Logger.Handler(), slog.LevelWarn),
		})
		bound := ln.Addr().String()
		a.state.bound.Store(&bound)
		r.served = append(r.served, a)
		r.bound = append(r.bound, Listener{Adapter: a.spec.Namespace, Type: a.spec.Type, Addr: bound})
	}
	return r, nil
}

// Listeners returns the bound addresses, in adapter order.
func (r *Running) Listeners() []Listener { return append([]Listener(nil), r.bound...) }

func (r *Running) closeListeners() {
	for _, ln := range r.listeners {
		_ = ln.Close()
	}
}

// Serve serves every adapter until ctx ends, then stops accepting, lets
// in-flight requests finish within the grace period and returns. It returns
// an error if a server fails, after shutting the others down.
func (r *Running) Serve(ctx context.Context) error {
	e := r.engine()
	for _, l := range r.bound {
		e.opts.Logger.LogAttrs(ctx, slog.LevelInfo, "listening",
			slog.String(keyAdapter, l.Adapter), slog.String(keyType, l.Type), slog.String(keyAddr, l.Addr))
	}
	errc := make(chan error, len(r.servers)+1)
	var wg sync.WaitGroup
	for i, srv := range r.servers {
		wg.Add(1)
		r.adapterAt(i).state.started.Store(true)
		go func() {
			defer wg.Done()
			defer func() { r.adapterAt(i).state.started.Store(false) }()
			if err := srv.Serve(r.listeners[i]); err != nil && !errors.Is(err, http.ErrServerClosed) {
				errc <- fmt.Errorf("adapter %q: %w", r.adapterAt(i).spec.Namespace, err)
			}
		}()
	}
	// The stdio adapter ends when its client closes stdin: the process then
	// stops as it would on a signal.
	stdioCtx, stopStdio := context.WithCancel(ctx)
	defer stopStdio()
	stdioDone := make(chan error, 1)
	if a := r.stdio; a != nil {
		wg.Add(1)
		a.state.started.Store(true)
		go func() {
			defer wg.Done()
			defer a.state.started.Store(false)
			err := a.mcp.ServeStdio(stdioCtx, e.opts.Stdin, e.opts.Stdout)
			if err != nil && !errors.Is(err, context.Canceled) {
				err = fmt.Errorf("adapter %q (stdio): %w", a.spec.Namespace, err)
			} else {
				err = nil
			}
			stdioDone <- err
		}()
	}

	var serveErr error
	select {
	case <-ctx.Done():
	case serveErr = <-errc:
	case serveErr = <-stdioDone:
		if serveErr == nil {
			e.opts.Logger.Info("stdin closed", slog.String(keyAdapter, r.stdio.spec.Namespace))
		}
	}
	stopStdio()
	e = r.engine() // a reload may have replaced it
	e.opts.Logger.Info("shutting down", "grace", e.opts.ShutdownGrace.String())
	// The caller's context is already done; shutdown gets its own deadline.
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), e.opts.ShutdownGrace)
	defer cancel()
	var shutdownErrs []error
	for i, srv := range r.servers {
		if err := srv.Shutdown(sctx); err != nil {
			shutdownErrs = append(shutdownErrs, fmt.Errorf("adapter %q: %w", r.adapterAt(i).spec.Namespace, err))
			_ = srv.Close()
		}
	}
	for _, a := range e.adapters {
		if a.mcp != nil {
			if err := a.mcp.Shutdown(sctx); err != nil {
				shutdownErrs = append(shutdownErrs, fmt.Errorf("adapter %q: %w", a.spec.Namespace, err))
			}
		}
	}
	wg.Wait()
	if serveErr != nil {
		return serveErr
	}
	return errors.Join(shutdownErrs...)
}

// Run is Listen followed by Serve.
func (e *Engine) Run(ctx context.Context) error {
	r, err := e.Listen()
	if err != nil {
		return err
	}
	return r.Serve(ctx)
}
