package engine_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/naftiko-go/naftiko/internal/engine"
	"github.com/naftiko-go/naftiko/internal/expose/control"
	"github.com/naftiko-go/naftiko/internal/spec"
)

// reloadCapability answers GET /version with a constant (a mock: no
// upstream), so that each configuration is recognisable from its answers.
func reloadCapability(version string, port int) string {
	return fmt.Sprintf(`naftiko: 1.0.0-alpha2
capability:
  exposes:
    - type: rest
      namespace: app
      port: %d
      resources:
        - path: /version
          operations:
            - method: GET
              outputParameters:
                - {name: version, type: string, value: %q}
`, port, version)
}

// reloadFixture serves a capability file from a temporary folder, with a
// Reloader that rebuilds it from that file.
type reloadFixture struct {
	file     string
	base     string // http://host:port of the REST adapter
	running  *engine.Running
	reloader *engine.Reloader
	logs     *syncBuffer
}

func serveReloadable(t *testing.T) *reloadFixture {
	t.Helper()
	f := &reloadFixture{file: filepath.Join(t.TempDir(), "app.yaml"), logs: &syncBuffer{}}
	f.write(t, reloadCapability("v1", 1))
	opts := engine.Options{Ports: map[string]int{"app": 0}, Logger: slog.New(slog.NewTextHandler(f.logs, nil))}
	build := func() (*engine.Engine, spec.Diagnostics) {
		doc, diags := spec.Load(f.file)
		if diags.HasErrors() {
			return nil, diags
		}
		eng, bd := engine.Build([]*spec.Document{doc}, opts)
		return eng, append(diags, bd...)
	}
	eng, diags := build()
	require.False(t, diags.HasErrors(), diags.Error())
	running, err := eng.Listen()
	require.NoError(t, err)
	f.running = running
	f.base = "http://" + running.Listeners()[0].Addr
	f.reloader = &engine.Reloader{Build: build, Logger: slog.New(slog.NewTextHandler(f.logs, nil))}

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- running.Serve(ctx) }()
	t.Cleanup(func() {
		cancel()
		require.NoError(t, <-done)
	})
	return f
}

func (f *reloadFixture) write(t *testing.T, content string) {
	t.Helper()
	require.NoError(t, os.WriteFile(f.file, []byte(content), 0o600))
}

// version returns the status and body of GET /version.
func (f *reloadFixture) version(c *http.Client) (int, string, error) {
	resp, err := c.Get(f.base + "/version")
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), err
}

func TestReloadFailureKeepsTheOldConfiguration(t *testing.T) {
	t.Parallel()
	f := serveReloadable(t)

	tests := []struct {
		name    string
		content string
		want    string // in the logs
	}{
		{"malformed YAML", "naftiko: [\n", "reload failed"},
		{"unknown call", strings.Replace(reloadCapability("v2", 1), "- method: GET", "- method: GET\n              call: nowhere.nothing", 1), "reload failed"},
		{"adapter added", reloadCapability("v2", 1) + `    - type: rest
      namespace: extra
      port: 2
      resources:
        - path: /extra
          operations:
            - method: GET
              outputParameters:
                - {name: x, type: string, value: "x"}
`, "is new"},
	}
	for _, tt := range tests {
		f.write(t, tt.content)
		err := f.reloader.Reload(f.running, "test")
		require.Error(t, err, tt.name)
		assert.Contains(t, f.logs.String(), tt.want, tt.name)

		status, body, err := f.version(http.DefaultClient)
		require.NoError(t, err, tt.name)
		assert.Equal(t, http.StatusOK, status, tt.name)
		assert.JSONEq(t, `{"version":"v1"}`, body, tt.name)
	}
	assert.Contains(t, f.logs.String(), "still serving the previous configuration")
}

func TestSwapRefusesOtherListeners(t *testing.T) {
	t.Parallel()
	f := serveReloadable(t)
	doc, diags := spec.Load(writeTemp(t, reloadCapability("v2", 1)))
	require.False(t, diags.HasErrors())
	// The same adapter on a fixed port instead of the running one's :0.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	port := ln.Addr().(*net.TCPAddr).Port
	require.NoError(t, ln.Close())
	eng, diags := engine.Build([]*spec.Document{doc}, engine.Options{Ports: map[string]int{"app": port}})
	require.False(t, diags.HasErrors())
	err = f.running.Swap(eng)
	require.ErrorIs(t, err, engine.ErrIncompatible)
}

// TestReloadSwapsWithoutAFailedRequest runs a bounded stream of requests
// across a reload: every one must succeed, answered by the old or the new
// configuration, and the new one must answer after the swap.
func TestReloadSwapsWithoutAFailedRequest(t *testing.T) {
	t.Parallel()
	f := serveReloadable(t)
	const workers, perWorker = 4, 150
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: workers}}
	t.Cleanup(client.CloseIdleConnections)

	var failures, v1, v2 atomic.Int64
	var firstErr atomic.Pointer[string]
	started := make(chan struct{})
	var once sync.Once
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for i := range perWorker {
				if i == 10 {
					once.Do(func() { close(started) })
				}
				status, body, err := f.version(client)
				switch {
				case err == nil && status == http.StatusOK && strings.Contains(body, `"v1"`):
					v1.Add(1)
				case err == nil && status == http.StatusOK && strings.Contains(body, `"v2"`):
					v2.Add(1)
				default:
					failures.Add(1)
					msg := fmt.Sprintf("status %d, body %q, error %v", status, body, err)
					firstErr.CompareAndSwap(nil, &msg)
				}
			}
		})
	}
	<-started
	f.write(t, reloadCapability("v2", 1))
	require.NoError(t, f.reloader.Reload(f.running, "test"))
	wg.Wait()

	if p := firstErr.Load(); p != nil {
		t.Errorf("first failure: %s", *p)
	}
	assert.Zero(t, failures.Load())
	assert.Equal(t, int64(workers*perWorker), v1.Load()+v2.Load())
	assert.Positive(t, v1.Load(), "requests before the swap")
	_, body, err := f.version(client)
	require.NoError(t, err)
	assert.JSONEq(t, `{"version":"v2"}`, body)
	assert.Contains(t, f.logs.String(), "reloaded")
}

// TestReloaderRun reloads on a signal and, when watching, on a file change.
func TestReloaderRun(t *testing.T) {
	t.Parallel()
	f := serveReloadable(t)
	f.reloader.Interval = 10 * time.Millisecond
	trigger := make(chan os.Signal, 1)
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() { f.reloader.Run(ctx, f.running, trigger) })
	t.Cleanup(func() { cancel(); wg.Wait() })

	waitFor := func(want string) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for {
			_, body, err := f.version(http.DefaultClient)
			if err == nil && strings.Contains(body, want) {
				return
			}
			require.True(t, time.Now().Before(deadline), "still %q (%v) instead of %s; logs:\n%s", body, err, want, f.logs.String())
			time.Sleep(10 * time.Millisecond) // file-watch latency: poll with a deadline
		}
	}
	// A changed size or modification time is noticed.
	f.write(t, reloadCapability("version-2", 1))
	waitFor(`"version-2"`)
	assert.Contains(t, f.logs.String(), "file changed")

	// SIGHUP reloads even without a change noticed (same size, and the
	// modification time set back).
	info, err := os.Stat(f.file)
	require.NoError(t, err)
	f.write(t, reloadCapability("version-3", 1))
	require.NoError(t, os.Chtimes(f.file, info.ModTime(), info.ModTime()))
	trigger <- syscall.SIGHUP
	waitFor(`"version-3"`)
	assert.Contains(t, f.logs.String(), "signal hangup")
}

func TestEngineFilesListsImportsAndBinds(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "secrets.yaml"), []byte("TOKEN: abcdef\n"), 0o600))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "shared.yaml"), []byte(`naftiko: 1.0.0-alpha2
consumes:
  - type: http
    namespace: shared
    baseUri: https://shared.example.com
    resources:
      - name: r
        path: /r
        operations:
          - {name: get-r, method: GET}
`), 0o600))
	main := filepath.Join(dir, "main.yaml")
	require.NoError(t, os.WriteFile(main, []byte(`naftiko: 1.0.0-alpha2
binds:
  - namespace: secrets
    location: file:///./secrets.yaml
    keys: {TOKEN: TOKEN}
capability:
  consumes:
    - location: ./shared.yaml
      import: shared
  exposes:
    - type: rest
      namespace: app
      port: 1
      resources:
        - path: /r
          operations:
            - {method: GET, call: shared.get-r}
`), 0o600))
	doc, diags := spec.Load(main)
	require.False(t, diags.HasErrors(), diags.Error())
	eng, diags := engine.Build([]*spec.Document{doc}, engine.Options{})
	require.False(t, diags.HasErrors(), diags.Error())
	assert.ElementsMatch(t, []string{main, filepath.Join(dir, "shared.yaml"), filepath.Join(dir, "secrets.yaml")}, eng.Files())
}

func writeTemp(t *testing.T, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "cap.yaml")
	require.NoError(t, os.WriteFile(p, []byte(content), 0o600))
	return p
}

// TestReloadKeepsMetrics: with one registry given to every build, a reload
// does not reset the counters that /metrics serves.
func TestReloadKeepsMetrics(t *testing.T) {
	t.Parallel()
	file := filepath.Join(t.TempDir(), "app.yaml")
	write := func(version string) {
		content := reloadCapability(version, 1) + "    - type: control\n      port: 2\n      management: {health: true}\n"
		require.NoError(t, os.WriteFile(file, []byte(content), 0o600))
	}
	write("v1")
	opts := engine.Options{Ports: map[string]int{"app": 0}, Logger: slog.New(slog.DiscardHandler), Metrics: control.NewMetrics()}
	build := func() (*engine.Engine, spec.Diagnostics) {
		doc, diags := spec.Load(file)
		if diags.HasErrors() {
			return nil, diags
		}
		for _, x := range doc.Capability.Exposes {
			if x.Control != nil {
				x.Port = 0 // control adapters have no namespace for Ports
			}
		}
		eng, bd := engine.Build([]*spec.Document{doc}, opts)
		return eng, append(diags, bd...)
	}
	eng, diags := build()
	require.False(t, diags.HasErrors(), diags.Error())
	running, err := eng.Listen()
	require.NoError(t, err)
	urls := map[string]string{}
	for _, l := range running.Listeners() {
		urls[l.Type] = "http://" + l.Addr
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- running.Serve(ctx) }()
	t.Cleanup(func() {
		cancel()
		require.NoError(t, <-done)
	})

	get := func(u string) string {
		resp, err := http.Get(u)
		require.NoError(t, err)
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		require.Equal(t, http.StatusOK, resp.StatusCode, string(b))
		return string(b)
	}
	series := `naftiko_request_total{naftiko_adapter_type="rest",naftiko_adapter="app",naftiko_operation_id="GET /version",status="200",outcome="success"}`
	get(urls["rest"] + "/version")
	get(urls["rest"] + "/version")
	assert.Contains(t, get(urls["control"]+"/metrics"), series+" 2\n")

	write("v2")
	reloader := &engine.Reloader{Build: build, Logger: slog.New(slog.DiscardHandler)}
	require.NoError(t, reloader.Reload(running, "test"))
	assert.Contains(t, get(urls["rest"]+"/version"), "v2")
	assert.Contains(t, get(urls["control"]+"/metrics"), series+" 3\n", "the count goes on after the reload")
}
