package cli

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/naftiko-go/naftiko/internal/spec"
)

// TestTracerProviderKeepsLocalTraces: a control adapter with local traces
// (the default) gets a trace buffer that the tracer provider feeds even
// without an OTLP endpoint; turning observability off leaves both out.
func TestTracerProviderKeepsLocalTraces(t *testing.T) {
	t.Parallel()
	const base = `naftiko: 1.0.0-alpha2
info: {label: T, description: traces}
capability:
  exposes:
    - type: control
      port: 9123
`
	tests := []struct {
		name     string
		extra    string
		wantKept bool
		wantSize int
		wantNone bool // kept, but sampling records nothing
	}{
		{"default", "", true, 100, false},
		{"buffer size", "      observability:\n        traces: {local: {buffer-size: 25}}\n", true, 25, false},
		{"sampling zero", "      observability:\n        traces: {sampling: 0}\n", true, 100, true},
		{"observability off", "      observability: {enabled: false}\n", false, 0, false},
		{"local traces off", "      observability:\n        traces: {local: {enabled: false}}\n", false, 0, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			file := filepath.Join(t.TempDir(), "c.yaml")
			require.NoError(t, os.WriteFile(file, []byte(base+tc.extra), 0o600))
			doc, diags := spec.Load(file)
			require.False(t, diags.HasErrors(), diags.Error())
			tp, traces, err := tracerProvider("", []*spec.Document{doc}, slog.New(slog.DiscardHandler))
			require.NoError(t, err)
			t.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
			if !tc.wantKept {
				assert.Nil(t, traces)
				_, span := tp.Tracer("t").Start(context.Background(), "x")
				assert.False(t, span.IsRecording(), "nothing records spans without a buffer or an exporter")
				return
			}
			require.NotNil(t, traces)
			_, span := tp.Tracer("t").Start(context.Background(), "GET /x")
			span.End()
			list := traces.Snapshot()
			if tc.wantNone {
				assert.Empty(t, list, "traces.sampling: 0 samples no new trace")
				return
			}
			require.Len(t, list, 1)
			assert.Equal(t, "GET /x", list[0].Operation)
			assert.Equal(t, tc.wantSize, traces.Size())
		})
	}
}
