package cli

import (
	"context"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
)

// redactor replaces known secret values (bind values) with a mask. Code is
// written never to log secrets; this is the safety net for text that comes
// from elsewhere (an upstream's error message echoing a token, say).
type redactor struct {
	repl atomic.Pointer[strings.Replacer]
	// masked are the values repl hides, for the cheap check that lets a
	// record without any of them through uncopied.
	masked atomic.Pointer[[]string]
	mu     sync.Mutex // serializes set
	all    []string   // every secret set so far
}

const mask = "[REDACTED]"

// set installs the secrets to hide. Values shorter than 4 bytes are left
// alone: masking "1" or "on" everywhere would garble logs and hides nothing.
// A reload calls it again with the new secrets added to the old ones: an
// old secret may still be in flight.
func (r *redactor) set(secrets []string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, s := range secrets {
		if !slices.Contains(r.all, s) {
			r.all = append(r.all, s)
		}
	}
	var args, masked []string
	for _, s := range r.all {
		if len(s) >= 4 {
			args = append(args, s, mask)
			masked = append(masked, s)
		}
	}
	if len(args) == 0 {
		return
	}
	r.masked.Store(&masked)
	r.repl.Store(strings.NewReplacer(args...))
}

// holds reports whether s contains a masked value.
func (r *redactor) holds(s string) bool {
	m := r.masked.Load()
	if m == nil {
		return false
	}
	for _, secret := range *m {
		if strings.Contains(s, secret) {
			return true
		}
	}
	return false
}

func (r *redactor) redact(s string) string {
	if repl := r.repl.Load(); repl != nil {
		return repl.Replace(s)
	}
	return s
}

// redactHandler redacts the message and every string attribute.
type redactHandler struct {
	next slog.Handler
	r    *redactor
}

func (h *redactHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return h.next.Enabled(ctx, l)
}

func (h *redactHandler) Handle(ctx context.Context, rec slog.Record) error {
	if h.r.repl.Load() == nil || !h.needs(rec) {
		return h.next.Handle(ctx, rec)
	}
	out := slog.NewRecord(rec.Time, rec.Level, h.r.redact(rec.Message), rec.PC)
	rec.Attrs(func(a slog.Attr) bool {
		out.AddAttrs(h.redactAttr(a))
		return true
	})
	return h.next.Handle(ctx, out)
}

// needs reports whether any text of rec holds a secret: most records hold
// none and are passed on without being copied.
func (h *redactHandler) needs(rec slog.Record) bool {
	found := h.r.holds(rec.Message)
	rec.Attrs(func(a slog.Attr) bool {
		found = found || h.attrHolds(a)
		return !found
	})
	return found
}

func (h *redactHandler) attrHolds(a slog.Attr) bool {
	switch a.Value.Kind() {
	case slog.KindString:
		return h.r.holds(a.Value.String())
	case slog.KindGroup:
		for _, g := range a.Value.Group() {
			if h.attrHolds(g) {
				return true
			}
		}
	case slog.KindAny:
		if err, ok := a.Value.Any().(error); ok {
			return h.r.holds(err.Error())
		}
	}
	return false
}

func (h *redactHandler) redactAttr(a slog.Attr) slog.Attr {
	switch a.Value.Kind() {
	case slog.KindString:
		return slog.String(a.Key, h.r.redact(a.Value.String()))
	case slog.KindGroup:
		attrs := a.Value.Group()
		out := make([]any, len(attrs))
		for i, g := range attrs {
			out[i] = h.redactAttr(g)
		}
		return slog.Group(a.Key, out...)
	case slog.KindAny:
		if err, ok := a.Value.Any().(error); ok {
			return slog.String(a.Key, h.r.redact(err.Error()))
		}
	}
	return a
}

func (h *redactHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	red := make([]slog.Attr, len(attrs))
	for i, a := range attrs {
		red[i] = h.redactAttr(a)
	}
	return &redactHandler{next: h.next.WithAttrs(red), r: h.r}
}

func (h *redactHandler) WithGroup(name string) slog.Handler {
	return &redactHandler{next: h.next.WithGroup(name), r: h.r}
}
