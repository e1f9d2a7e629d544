package cli_test

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/naftiko-go/naftiko/internal/cli"
	"github.com/naftiko-go/naftiko/internal/engine"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

const seed = "../../capabilities/logto-organization-invitations.yaml"

func env(kv ...string) func(string) (string, bool) {
	m := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return func(k string) (string, bool) {
		v, ok := m[k]
		return v, ok
	}
}

func run(t *testing.T, app *cli.App, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb lockedBuffer
	app.Stdout, app.Stderr = &out, &errb
	if app.LookupEnv == nil {
		app.LookupEnv = env()
	}
	code = app.Run(t.Context(), args)
	return code, out.String(), errb.String()
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestValidateGolden runs `naftiko validate` over files with known problems
// and compares the whole output with a golden file.
func TestValidateGolden(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		args     []string
		wantCode int
	}{
		{"seed", []string{"validate", seed}, 0},
		{"seed-strict", []string{"validate", "--strict", seed}, 1},
		{"malformed-yaml", []string{"validate", "testdata/validate/malformed-yaml.yaml"}, 1},
		{"unknown-call", []string{"validate", "testdata/validate/unknown-call.yaml"}, 1},
		{"duplicate-tools", []string{"validate", "testdata/validate/duplicate-tools.yaml"}, 1},
		{"same-port", []string{"validate", "testdata/validate/same-port.yaml"}, 1},
		{"not-supported", []string{"validate", "testdata/validate/not-supported.yaml"}, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			code, stdout, _ := run(t, &cli.App{}, tc.args...)
			assert.Equal(t, tc.wantCode, code, stdout)
			golden := filepath.Join("testdata", "validate", tc.name+".golden")
			if *update {
				require.NoError(t, os.WriteFile(golden, []byte(stdout), 0o644))
			}
			want, err := os.ReadFile(golden)
			require.NoError(t, err, "run `go test ./internal/cli -update` to create it")
			assert.Equal(t, string(want), stdout)
		})
	}
}

// TestValidateNeedsNoBinds: validate works without LOGTO_API_KEY or TENANT_ID.
func TestValidateNeedsNoBinds(t *testing.T) {
	t.Parallel()
	code, stdout, _ := run(t, &cli.App{LookupEnv: env()}, "validate", seed)
	assert.Equal(t, 0, code, stdout)
	assert.Contains(t, stdout, "valid: 1 file(s)")
}

func TestServeStartupFailures(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		env        []string
		args       []string
		wantInErr  []string
		wantNoText string
	}{
		{
			name:      "bind missing",
			args:      []string{"serve", "--base-uri", "logto-organization-invitations=http://127.0.0.1:1", seed},
			wantInErr: []string{"LOGTO_API_KEY", "missing bind values"},
		},
		{
			name:       "tenant placeholder unresolved",
			env:        []string{"LOGTO_API_KEY", "s3cr3t-value"},
			args:       []string{"serve", seed},
			wantInErr:  []string{"[tenant_id]", "TENANT_ID", "--base-uri"},
			wantNoText: "s3cr3t-value",
		},
		{
			name:      "base-uri names no consumer",
			env:       []string{"LOGTO_API_KEY", "x", "TENANT_ID", "t"},
			args:      []string{"serve", "--base-uri", "logto=http://127.0.0.1:1", seed},
			wantInErr: []string{`"logto"`, "logto-organization-invitations"},
		},
		{
			name:      "port names no adapter",
			env:       []string{"LOGTO_API_KEY", "x", "TENANT_ID", "t"},
			args:      []string{"serve", "--port", "rest=0", seed},
			wantInErr: []string{`"rest"`, "logto-organization-invitations-rest"},
		},
		{
			name:      "base-uri with an empty port",
			env:       []string{"LOGTO_API_KEY", "x"},
			args:      []string{"serve", "--base-uri", "logto-organization-invitations=http://127.0.0.1:", seed},
			wantInErr: []string{"the port is empty"},
		},
		{
			name:      "file not found",
			args:      []string{"serve", "testdata/nope.yaml"},
			wantInErr: []string{"testdata/nope.yaml"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			code, _, stderr := run(t, &cli.App{LookupEnv: env(tc.env...)}, tc.args...)
			assert.Equal(t, 1, code, stderr)
			for _, w := range tc.wantInErr {
				assert.Contains(t, stderr, w)
			}
			if tc.wantNoText != "" {
				assert.NotContains(t, stderr, tc.wantNoText)
			}
		})
	}
}

// TestServeLogsListenersAndStops serves the seed, checks the one log line per
// listener, makes a call, then stops it as a signal would.
func TestServeLogsListenersAndStops(t *testing.T) {
	t.Parallel()
	const secret = "tok-9d8a7c6b5e4f"
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`[]`))
	}))
	defer upstream.Close()

	ctx, stop := context.WithCancel(t.Context())
	listening := make(chan []engine.Listener, 1)
	app := &cli.App{LookupEnv: env("LOGTO_API_KEY", secret), OnListening: func(ls []engine.Listener) { listening <- ls }}
	var stderr lockedBuffer
	app.Stdout, app.Stderr = &lockedBuffer{}, &stderr
	done := make(chan int, 1)
	go func() {
		done <- app.Run(ctx, []string{"serve", "--log-format", "json",
			"--port", "logto-organization-invitations-rest=0", "--port", "logto-organization-invitations-mcp=0",
			"--base-uri", "logto-organization-invitations=" + upstream.URL, seed})
	}()

	var ls []engine.Listener
	select {
	case ls = <-listening:
	case code := <-done:
		t.Fatalf("serve exited with %d: %s", code, stderr.String())
	}
	require.Len(t, ls, 2)
	resp, err := http.Get("http://" + ls[0].Addr + "/v1/api/organization-invitations")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)

	stop()
	assert.Equal(t, 0, <-done)

	var seen []string
	for _, line := range strings.Split(strings.TrimSpace(stderr.String()), "\n") {
		var rec map[string]any
		require.NoError(t, json.Unmarshal([]byte(line), &rec), "every log line is JSON: %s", line)
		if rec["msg"] == "listening" {
			seen = append(seen, rec["adapter"].(string)+" "+rec["type"].(string)+" "+rec["addr"].(string))
		}
	}
	assert.ElementsMatch(t, []string{
		"logto-organization-invitations-rest rest " + ls[0].Addr,
		"logto-organization-invitations-mcp mcp " + ls[1].Addr,
	}, seen)
	assert.NotContains(t, stderr.String(), secret)
}

func TestVersionAndUsage(t *testing.T) {
	t.Parallel()
	code, stdout, _ := run(t, &cli.App{}, "version")
	assert.Equal(t, 0, code)
	assert.Contains(t, stdout, "naftiko ")

	code, _, stderr := run(t, &cli.App{})
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, "naftiko serve")

	code, _, stderr = run(t, &cli.App{}, "bogus")
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, `unknown command "bogus"`)
}
