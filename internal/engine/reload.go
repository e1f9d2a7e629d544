package engine

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"time"

	"github.com/naftiko-go/naftiko/internal/spec"
)

// This file is hot reload: a new configuration is built from scratch next
// to the one being served and swapped in behind the same listeners. New
// requests go to the new handlers; requests already running finish on the
// old ones (each listener's handler is an atomic pointer, swapHandler).
// Listeners are kept: a configuration whose adapters would need a listener
// added, removed or moved is refused, and the old one keeps serving.

// ErrIncompatible is wrapped by Swap's error when the new configuration
// needs other listeners than the running one: a restart is needed.
var ErrIncompatible = errors.New("the adapters or their addresses changed; restart to apply")

// Swap makes next serve the listeners of r. next must declare the same
// adapters (by type and namespace) on the same configured addresses, and
// neither may have an MCP adapter on stdio; otherwise nothing changes and
// the error wraps ErrIncompatible. The replaced engine's MCP servers are
// shut down (stateless: that touches no request in flight).
func (r *Running) Swap(next *Engine) error {
	if next == nil {
		return errors.New("swap: no engine")
	}
	r.mu.Lock()
	old := r.e
	order, err := r.matchLocked(next)
	if err != nil {
		r.mu.Unlock()
		return err
	}
	for i, a := range order {
		prev := r.served[i]
		a.state.bound.Store(prev.state.bound.Load())
		a.state.started.Store(prev.state.started.Load())
		r.handlers[i].h.Store(new(next.front(a)))
		prev.state.started.Store(false)
		r.served[i] = a
	}
	r.e = next
	r.mu.Unlock()

	ctx, cancel := context.WithTimeout(context.Background(), old.opts.ShutdownGrace)
	defer cancel()
	var errs []error
	for _, a := range old.adapters {
		if a.mcp != nil {
			if err := a.mcp.Shutdown(ctx); err != nil {
				errs = append(errs, fmt.Errorf("adapter %q: %w", a.spec.Namespace, err))
			}
		}
	}
	if err := errors.Join(errs...); err != nil {
		next.opts.Logger.Warn("closing the replaced configuration", "error", err.Error())
	}
	return nil
}

// matchLocked returns, for each server of r, the adapter of next that takes
// it over, or an error wrapping ErrIncompatible.
func (r *Running) matchLocked(next *Engine) ([]*adapter, error) {
	key := func(a *adapter) string { return a.spec.Type + " " + a.spec.Namespace + " " + a.addr }
	byKey := map[string]*adapter{}
	for _, a := range next.adapters {
		if a.stdio || r.stdio != nil {
			return nil, fmt.Errorf("an MCP adapter on stdio cannot be reloaded: %w", ErrIncompatible)
		}
		if _, dup := byKey[key(a)]; dup {
			return nil, fmt.Errorf("two %s adapters %q on %s: %w", a.spec.Type, a.spec.Namespace, a.addr, ErrIncompatible)
		}
		byKey[key(a)] = a
	}
	order := make([]*adapter, len(r.served))
	for i, prev := range r.served {
		a := byKey[key(prev)]
		if a == nil {
			return nil, fmt.Errorf("%s adapter %q on %s is gone or moved: %w", prev.spec.Type, prev.spec.Namespace, prev.addr, ErrIncompatible)
		}
		delete(byKey, key(prev))
		order[i] = a
	}
	for _, a := range next.adapters {
		if _, added := byKey[key(a)]; added {
			return nil, fmt.Errorf("%s adapter %q on %s is new: %w", a.spec.Type, a.spec.Namespace, a.addr, ErrIncompatible)
		}
	}
	return order, nil
}

// Files returns the files the engine was built from: the capability files,
// the consumer files they import and the bind files they read. A reload
// watches them.
func (e *Engine) Files() []string {
	var out []string
	add := func(p string) {
		if p != "" && !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	for _, doc := range e.docs {
		add(doc.File)
		binds := doc.Binds
		if doc.Capability != nil {
			binds = append(slices.Clip(binds), doc.Capability.Binds...)
			for _, c := range doc.Capability.Consumes {
				if c.IsImport() {
					add(localFile(doc.File, c.Location))
				}
			}
		}
		for _, b := range binds {
			if b.Location != "" {
				add(localFile(doc.File, b.Location))
			}
		}
	}
	return out
}

// localFile resolves a file location as the loader does; "" for other
// schemes (nothing to watch).
func localFile(from, location string) string {
	p, err := spec.FilePath(from, location)
	if err != nil {
		return ""
	}
	return p
}

// Reloader rebuilds the configuration and swaps it into a Running, on a
// signal or when a file it was built from changes.
type Reloader struct {
	// Build loads, validates and builds the whole configuration anew (the
	// same files and options as at start-up).
	Build func() (*Engine, spec.Diagnostics)
	// Logger receives the outcome of every reload and, on failure, every
	// diagnostic (default: discard).
	Logger *slog.Logger
	// Interval is how often the files are checked for changes (their size
	// and modification time); 0 disables watching.
	Interval time.Duration
}

// Reload builds a new configuration and swaps it in. On any error the
// running configuration is left serving, the diagnostics are logged and the
// error is returned.
func (rl *Reloader) Reload(r *Running, reason string) error {
	log := rl.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	start := time.Now()
	next, diags := rl.Build()
	if diags.HasErrors() || next == nil {
		for _, d := range diags {
			level := slog.LevelWarn
			if d.Severity == spec.SeverityError {
				level = slog.LevelError
			}
			log.LogAttrs(context.Background(), level, "reload diagnostic", slog.String(keyDetail, d.String()))
		}
		err := fmt.Errorf("the new configuration has %d error(s)", len(diags.Errors()))
		log.Error("reload failed; still serving the previous configuration", "reason", reason, "error", err.Error())
		return err
	}
	if err := r.Swap(next); err != nil {
		log.Error("reload refused; still serving the previous configuration", "reason", reason, "error", err.Error())
		return err
	}
	log.Info("reloaded", "reason", reason, "warnings", len(diags), attrDuration(time.Since(start)))
	return nil
}

// Run reloads on every value of trigger (SIGHUP) and, when Interval is set,
// on every change of the running configuration's files, until ctx ends.
func (rl *Reloader) Run(ctx context.Context, r *Running, trigger <-chan os.Signal) {
	var tick <-chan time.Time
	if rl.Interval > 0 {
		t := time.NewTicker(rl.Interval)
		defer t.Stop()
		tick = t.C
	}
	// Changes made since the running configuration was built count.
	seen := r.engine().stamps
	for {
		reason := ""
		select {
		case <-ctx.Done():
			return
		case sig := <-trigger:
			reason = "signal " + sig.String()
		case <-tick:
			now := statFiles(r.engine().Files())
			changed := changedFile(seen, now)
			if changed == "" {
				continue
			}
			reason = "file changed: " + changed
		}
		_ = rl.Reload(r, reason) // logged
		// A failed reload is not retried until a file changes again.
		seen = statFiles(r.engine().Files())
	}
}

// fileStamp is what tells that a file changed.
type fileStamp struct {
	size    int64
	modTime time.Time
	missing bool
}

// statFiles stamps each file, following symbolic links (a Kubernetes
// ConfigMap volume swaps a link when it updates).
func statFiles(files []string) map[string]fileStamp {
	out := make(map[string]fileStamp, len(files))
	for _, f := range files {
		fi, err := os.Stat(f)
		if err != nil {
			out[f] = fileStamp{missing: true}
			continue
		}
		out[f] = fileStamp{size: fi.Size(), modTime: fi.ModTime()}
	}
	return out
}

// changedFile returns a file whose stamp differs between a and b, or "".
func changedFile(a, b map[string]fileStamp) string {
	for f, sb := range b {
		sa, ok := a[f]
		if !ok || sa.size != sb.size || !sa.modTime.Equal(sb.modTime) || sa.missing != sb.missing {
			return f
		}
	}
	return ""
}
