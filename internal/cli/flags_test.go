package cli

import (
	"flag"
	"io"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseInterspersed(t *testing.T) {
	tests := []struct {
		name      string
		args      []string
		wantPos   []string
		wantPorts map[string]string
		wantLevel string
		wantWatch bool
		wantErr   bool
	}{
		{name: "flags first", args: []string{"--port", "a=1", "--log-level", "warn", "x.yaml"},
			wantPos: []string{"x.yaml"}, wantPorts: map[string]string{"a": "1"}, wantLevel: "warn"},
		{name: "flags after the file", args: []string{"x.yaml", "--port", "a=1", "--log-level=debug"},
			wantPos: []string{"x.yaml"}, wantPorts: map[string]string{"a": "1"}, wantLevel: "debug"},
		{name: "flags between files", args: []string{"x.yaml", "--port", "a=1", "y.yaml", "-port=b=2", "z.yaml"},
			wantPos: []string{"x.yaml", "y.yaml", "z.yaml"}, wantPorts: map[string]string{"a": "1", "b": "2"}, wantLevel: "info"},
		{name: "double dash ends the flags", args: []string{"x.yaml", "--", "--port", "-y.yaml"},
			wantPos: []string{"x.yaml", "--port", "-y.yaml"}, wantLevel: "info"},
		{name: "double dash as a flag value", args: []string{"x.yaml", "--log-level", "--", "y.yaml", "--port", "a=1"},
			wantPos: []string{"x.yaml", "y.yaml"}, wantPorts: map[string]string{"a": "1"}, wantLevel: "--"},
		{name: "double dash after a boolean flag ends the flags", args: []string{"x.yaml", "--watch", "--", "--port"},
			wantPos: []string{"x.yaml", "--port"}, wantLevel: "info", wantWatch: true},
		{name: "a lone dash is a file", args: []string{"-", "--log-level", "error"},
			wantPos: []string{"-"}, wantLevel: "error"},
		{name: "no arguments", args: nil, wantLevel: "info"},
		{name: "unknown flag after a file", args: []string{"x.yaml", "--nope"}, wantErr: true},
		{name: "flag without its value after a file", args: []string{"x.yaml", "--port"}, wantErr: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fs := flag.NewFlagSet("t", flag.ContinueOnError)
			fs.SetOutput(io.Discard)
			var ports pairs
			fs.Var(&ports, "port", "")
			level := fs.String("log-level", "info", "")
			watch := fs.Bool("watch", false, "")
			err := parseInterspersed(fs, tc.args)
			if tc.wantErr {
				require.Error(t, err)
				return
			}
			require.NoError(t, err)
			if tc.wantPos == nil {
				assert.Empty(t, fs.Args())
			} else {
				assert.Equal(t, tc.wantPos, fs.Args())
			}
			if tc.wantPorts == nil {
				assert.Empty(t, ports.m)
			} else {
				assert.Equal(t, tc.wantPorts, ports.m)
			}
			assert.Equal(t, tc.wantLevel, *level)
			assert.Equal(t, tc.wantWatch, *watch)
		})
	}
}
