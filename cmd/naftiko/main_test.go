package main_test

import (
	"bufio"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestSIGTERMFinishesInFlightRequest runs the real binary, sends SIGTERM
// while a request waits on a slow upstream, and checks that the request
// completes and the process exits 0.
func TestSIGTERMFinishesInFlightRequest(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "naftiko")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Stderr = os.Stderr
	require.NoError(t, build.Run())

	arrived := make(chan struct{})
	release := make(chan struct{})
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(arrived)
		<-release
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `[{"id":"slow"}]`)
	}))
	defer upstream.Close()

	cmd := exec.Command(bin, "serve", "--log-format", "json",
		"--port", "logto-organization-invitations-rest=0", "--port", "logto-organization-invitations-mcp=0",
		"--base-uri", "logto-organization-invitations="+upstream.URL,
		"../../capabilities/logto-organization-invitations.yaml")
	cmd.Env = append(os.Environ(), "LOGTO_API_KEY=sigterm-test-token")
	stderr, err := cmd.StderrPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { _ = cmd.Process.Kill() })

	lines := make(chan map[string]any)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			var rec map[string]any
			if json.Unmarshal(sc.Bytes(), &rec) == nil {
				lines <- rec
			}
		}
	}()
	waitFor := func(msg string, match func(map[string]any) bool) map[string]any {
		t.Helper()
		timeout := time.After(30 * time.Second)
		for {
			select {
			case rec, ok := <-lines:
				require.True(t, ok, "the process ended before logging %q", msg)
				if rec["msg"] == msg && (match == nil || match(rec)) {
					return rec
				}
			case <-timeout:
				t.Fatalf("no %q log line within 30s", msg)
			}
		}
	}
	rest := waitFor("listening", func(r map[string]any) bool { return r["type"] == "rest" })
	addr := rest["addr"].(string)

	answered := make(chan string, 1)
	go func() {
		resp, err := http.Get("http://" + addr + "/v1/api/organization-invitations")
		if err != nil {
			answered <- "error: " + err.Error()
			return
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		answered <- resp.Status + " " + string(b)
	}()
	<-arrived
	require.NoError(t, cmd.Process.Signal(syscall.SIGTERM))
	waitFor("shutting down", nil)
	close(release)

	assert.Equal(t, `200 OK [{"id":"slow"}]`, <-answered)
	for range lines {
		// drain until the process closes stderr
	}
	err = cmd.Wait()
	assert.NoError(t, err, "exit status")
	assert.Equal(t, 0, cmd.ProcessState.ExitCode())
}
