package cli_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/naftiko-go/naftiko/internal/cli"
)

// TestInspectGolden runs `naftiko inspect` and compares the whole output
// with a golden file (go test ./internal/cli -update rewrites them; read the
// diff before committing).
func TestInspectGolden(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		args     []string
		wantCode int
	}{
		{"seed.txt", []string{"inspect", seed}, 0},
		{"seed.json", []string{"inspect", "--format", "json", seed}, 0},
		{"dropped-in.txt", []string{"inspect", "testdata/inspect/dropped-in.yaml"}, 0},
		{"dropped-in.json", []string{"inspect", "--format=json", "testdata/inspect/dropped-in.yaml"}, 0},
		{"not-naftiko.txt", []string{"inspect", "testdata/inspect/openapi.yaml"}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			code, stdout, stderr := run(t, &cli.App{}, tt.args...)
			assert.Equal(t, tt.wantCode, code, stderr)
			golden := filepath.Join("testdata", "inspect", tt.name+".golden")
			if *update {
				require.NoError(t, os.WriteFile(golden, []byte(stdout), 0o644))
			}
			want, err := os.ReadFile(golden)
			require.NoError(t, err)
			assert.Equal(t, string(want), stdout)
		})
	}
}

// TestInspectNeedsNoValues checks that inspect reads nothing from the
// environment: the report is the same with and without the variables set.
func TestInspectNeedsNoValues(t *testing.T) {
	t.Parallel()
	_, without, _ := run(t, &cli.App{LookupEnv: env()}, "inspect", "--format", "json", seed)
	_, with, _ := run(t, &cli.App{LookupEnv: env("LOGTO_API_KEY", "secret-token", "TENANT_ID", "acme")}, "inspect", "--format", "json", seed)
	assert.Equal(t, without, with)
	assert.NotContains(t, with, "secret-token")

	var reports []cli.Report
	require.NoError(t, json.Unmarshal([]byte(with), &reports))
	require.Len(t, reports, 1)
	r := reports[0]
	assert.Len(t, r.Routes, 6)
	assert.Len(t, r.Tools, 6)
	var envs []string
	for _, n := range r.Needs {
		envs = append(envs, n.EnvVar)
	}
	assert.Equal(t, []string{"LOGTO_API_KEY", "TENANT_ID"}, envs)
}

func TestInspectUsage(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		args []string
		want int
	}{
		{"no file", []string{"inspect"}, 2},
		{"bad format", []string{"inspect", "--format", "xml", seed}, 2},
		{"missing file", []string{"inspect", "testdata/inspect/nope.yaml"}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			code, _, _ := run(t, &cli.App{}, tt.args...)
			assert.Equal(t, tt.want, code)
		})
	}
}
