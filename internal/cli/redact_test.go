package cli

import (
	"bytes"
	"errors"
	"log/slog"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestRedactHandler(t *testing.T) {
	t.Parallel()
	const secret = "s3cr3t-bind-value"
	tests := []struct {
		name string
		log  func(*slog.Logger)
		want string // the text output, without time
	}{
		{"message", func(l *slog.Logger) { l.Info("token " + secret + " seen") },
			`level=INFO msg="token [REDACTED] seen"` + "\n"},
		{"string attribute", func(l *slog.Logger) { l.Info("call", "detail", "Bearer "+secret) },
			`level=INFO msg=call detail="Bearer [REDACTED]"` + "\n"},
		{"error attribute", func(l *slog.Logger) { l.Info("call", "error", errors.New("dial "+secret)) },
			`level=INFO msg=call error="dial [REDACTED]"` + "\n"},
		{"group", func(l *slog.Logger) { l.Info("call", slog.Group("up", "url", "https://x/?k="+secret)) },
			`level=INFO msg=call up.url="https://x/?k=[REDACTED]"` + "\n"},
		{"short values are not masked", func(l *slog.Logger) { l.Info("call", "n", "on") },
			`level=INFO msg=call n=on` + "\n"},
		{"nothing to hide passes unchanged", func(l *slog.Logger) { l.Info("call", "status", 200, "route", "/v1/x") },
			`level=INFO msg=call status=200 route=/v1/x` + "\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var buf bytes.Buffer
			r := &redactor{}
			r.set([]string{secret, "on"})
			noTime := &slog.HandlerOptions{ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
				if a.Key == slog.TimeKey {
					return slog.Attr{}
				}
				return a
			}}
			tc.log(slog.New(&redactHandler{next: slog.NewTextHandler(&buf, noTime), r: r}))
			assert.Equal(t, tc.want, buf.String())
		})
	}
}
