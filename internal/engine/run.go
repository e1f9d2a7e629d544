package engine

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"
)

// Listener is one adapter's bound address, known after Listen.
type Listener struct {
	Adapter string // adapter namespace
	Type    string // rest, mcp
	Addr    string // host:port actually bound
}

// Running is a set of listening servers started by Listen.
type Running struct {
	e         *Engine
	servers   []*http.Server
	listeners []net.Listener
	bound     []Listener
}

// Listen binds every adapter's address. Nothing is served until Serve. If
// any address cannot be bound, every listener opened so far is closed and
// the error names the adapter and the address.
func (e *Engine) Listen() (*Running, error) {
	r := &Running{e: e}
	for _, a := range e.adapters {
		ln, err := net.Listen("tcp", a.addr)
		if err != nil {
			r.closeListeners()
			return nil, fmt.Errorf("adapter %q cannot listen on %s: %w (choose another port with --port %s=PORT)", a.spec.Namespace, a.addr, err, a.spec.Namespace)
		}
		r.listeners = append(r.listeners, ln)
		r.servers = append(r.servers, &http.Server{
			Handler:           a.handler,
			ReadHeaderTimeout: 10 * time.Second,
			IdleTimeout:       120 * time.Second,
			MaxHeaderBytes:    1 << 20,
			ErrorLog:          slog.NewLogLogger(e.opts.Logger.Handler(), slog.LevelWarn),
		})
		r.bound = append(r.bound, Listener{Adapter: a.spec.Namespace, Type: a.spec.Type, Addr: ln.Addr().String()})
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
	for _, l := range r.bound {
		r.e.opts.Logger.LogAttrs(ctx, slog.LevelInfo, "listening",
			slog.String(keyAdapter, l.Adapter), slog.String(keyType, l.Type), slog.String(keyAddr, l.Addr))
	}
	errc := make(chan error, len(r.servers))
	var wg sync.WaitGroup
	for i, srv := range r.servers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := srv.Serve(r.listeners[i]); err != nil && !errors.Is(err, http.ErrServerClosed) {
				errc <- fmt.Errorf("adapter %q: %w", r.bound[i].Adapter, err)
			}
		}()
	}

	var serveErr error
	select {
	case <-ctx.Done():
	case serveErr = <-errc:
	}
	r.e.opts.Logger.Info("shutting down", "grace", r.e.opts.ShutdownGrace.String())
	// The caller's context is already done; shutdown gets its own deadline.
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), r.e.opts.ShutdownGrace)
	defer cancel()
	var shutdownErrs []error
	for i, srv := range r.servers {
		if err := srv.Shutdown(sctx); err != nil {
			shutdownErrs = append(shutdownErrs, fmt.Errorf("adapter %q: %w", r.bound[i].Adapter, err))
			_ = srv.Close()
		}
	}
	for _, a := range r.e.adapters {
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
