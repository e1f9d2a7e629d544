//go:build load

package engine_test

import (
	"bufio"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/client/transport"
	"github.com/mark3labs/mcp-go/mcp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/naftiko-go/naftiko/internal/engine"
	"github.com/naftiko-go/naftiko/internal/secrettest"
)

// Load test parameters (make load).
const (
	loadWorkers = 32
	loadWarmup  = 1_000
	loadCalls   = 10_000
	// Tolerances of the comparison with the baseline taken after the
	// warm-up. Both are measured with every keep-alive connection closed and
	// the goroutine count settled, so goroutines must come back exactly,
	// give or take a runtime helper; the heap may keep a few buffers of the
	// pools that grew under load; RSS (not under -race, whose shadow memory
	// only grows) what the runtime has not returned yet.
	loadGoroutineSlack = 4
	loadHeapSlackBytes = 4 << 20
	loadRSSSlackBytes  = 16 << 20
)

// TestLoad sends 10 000 mixed REST and MCP calls with 32 workers to the
// seed served in-process in front of a fake Logto, after 1 000 calls of
// warm-up: no call fails, and goroutines, the Go heap and (without -race)
// resident memory come back to their level after the warm-up.
func TestLoad(t *testing.T) {
	// A fake Logto that keeps nothing per request (fakeLogto records every
	// request, which would grow the heap with the call count).
	var upstreamCalls atomic.Int64
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		upstreamCalls.Add(1)
		w.Header().Set("Content-Type", "application/json")
		if r.Header.Get("Authorization") != wantBearer {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		switch r.URL.EscapedPath() {
		case "/api/organization-invitations":
			_, _ = io.WriteString(w, "["+logtoEntity+"]")
		case "/api/organization-invitations/" + knownID:
			_, _ = io.WriteString(w, logtoEntity)
		default:
			w.WriteHeader(http.StatusNotFound)
			_, _ = io.WriteString(w, logtoNotFound)
		}
	}))
	t.Cleanup(up.Close)
	// Log lines (access logs included) are scanned for secrets as they are
	// written, and not kept: keeping them would grow the heap with the
	// call count and hide what the engine itself keeps.
	logs := &scanningDiscard{}
	s := serveSeed(t, up.URL, func(o *engine.Options) {
		o.Logger = slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelInfo}))
	})
	t.Cleanup(func() {
		assert.Zero(t, logs.leaks.Load(), "log lines with a secret (of %d)", logs.lines.Load())
	})

	tr := &http.Transport{MaxIdleConns: 2 * loadWorkers, MaxIdleConnsPerHost: 2 * loadWorkers, IdleConnTimeout: time.Minute}
	t.Cleanup(tr.CloseIdleConnections)
	hc := &http.Client{Transport: tr, Timeout: 30 * time.Second}
	mcpClients := make([]*client.Client, loadWorkers)
	for i := range mcpClients {
		c, err := client.NewStreamableHttpClient(s.mcp, transport.WithHTTPBasicClient(hc))
		require.NoError(t, err)
		t.Cleanup(func() { _ = c.Close() })
		require.NoError(t, c.Start(t.Context()))
		init := mcp.InitializeRequest{}
		init.Params.ProtocolVersion = mcp.LATEST_PROTOCOL_VERSION
		init.Params.ClientInfo = mcp.Implementation{Name: "load", Version: "0"}
		_, err = c.Initialize(t.Context(), init)
		require.NoError(t, err)
		mcpClients[i] = c
	}

	// call makes call number n of a worker: REST list, REST get, MCP list,
	// MCP get, in turn.
	call := func(c *client.Client, n int) error {
		switch n % 4 {
		case 0, 1:
			path := "/v1/api/organization-invitations"
			if n%4 == 1 {
				path += "/" + knownID
			}
			req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, s.rest+path, nil)
			if err != nil {
				return err
			}
			resp, err := hc.Do(req)
			if err != nil {
				return err
			}
			defer resp.Body.Close()
			var b strings.Builder
			if _, err := bufio.NewReader(resp.Body).WriteTo(&b); err != nil {
				return err
			}
			if resp.StatusCode != http.StatusOK || !strings.Contains(b.String(), knownID) {
				return fmt.Errorf("GET %s: %d %.200s", path, resp.StatusCode, b.String())
			}
			return nil
		default:
			req := mcp.CallToolRequest{}
			req.Params.Name = "get-organization-invitations"
			req.Params.Arguments = map[string]any{}
			if n%4 == 3 {
				req.Params.Name = "get-organization-invitation"
				req.Params.Arguments = map[string]any{"id": knownID}
			}
			res, err := c.CallTool(t.Context(), req)
			if err != nil {
				return err
			}
			if res.IsError {
				return fmt.Errorf("tool %s: isError %+v", req.Params.Name, res.Content)
			}
			return nil
		}
	}

	// run makes total calls spread over the workers and returns the number
	// of failures (the first few are logged).
	run := func(total int) int64 {
		var next, failed atomic.Int64
		var wg sync.WaitGroup
		for w := range loadWorkers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					n := next.Add(1) - 1
					if n >= int64(total) {
						return
					}
					if err := call(mcpClients[w], int(n)); err != nil {
						if failed.Add(1) <= 5 {
							t.Errorf("call %d: %v", n, err)
						}
					}
				}
			}()
		}
		wg.Wait()
		return failed.Load()
	}

	// quiesce closes every keep-alive connection (clients → adapters,
	// engine → upstream), so that the goroutines serving them end.
	quiesce := func() {
		tr.CloseIdleConnections()
		up.CloseClientConnections()
	}

	require.Zero(t, run(loadWarmup), "failures during the warm-up")
	quiesce()
	before := measure(t)

	start := time.Now()
	failed := run(loadCalls)
	elapsed := time.Since(start)
	quiesce()
	after := measure(t)

	t.Logf("%d calls (REST and MCP, half each) with %d workers in %v: %.0f calls/s, %d failed",
		loadCalls, loadWorkers, elapsed.Round(time.Millisecond), float64(loadCalls)/elapsed.Seconds(), failed)
	t.Logf("%d log lines, none with a secret: %v", logs.lines.Load(), logs.leaks.Load() == 0)
	t.Logf("after the warm-up: %s", before)
	t.Logf("after the run:     %s (race detector: %v)", after, raceEnabled)
	assert.Zero(t, failed, "failed calls")
	assert.EqualValues(t, loadWarmup+loadCalls, upstreamCalls.Load(), "one upstream request per call")
	assert.LessOrEqual(t, after.goroutines, before.goroutines+loadGoroutineSlack, "goroutines grew")
	assert.LessOrEqual(t, after.heap, before.heap+loadHeapSlackBytes, "the Go heap grew")
	if !raceEnabled {
		assert.LessOrEqual(t, after.rss, before.rss+loadRSSSlackBytes, "resident memory grew")
	}
}

// scanningDiscard is a log sink that counts the lines it is given and those
// holding a secret of secrettest.All, and keeps nothing.
type scanningDiscard struct {
	lines, leaks atomic.Int64
}

func (d *scanningDiscard) Write(p []byte) (int, error) {
	d.lines.Add(1)
	if len(secrettest.Find(string(p))) > 0 {
		d.leaks.Add(1)
	}
	return len(p), nil
}

// usage is the process's resource use at one moment.
type usage struct {
	goroutines int
	rss        int64 // VmRSS, bytes
	heap       uint64
}

func (u usage) String() string {
	return fmt.Sprintf("%d goroutines, RSS %.1f MiB, heap in use %.1f MiB",
		u.goroutines, float64(u.rss)/(1<<20), float64(u.heap)/(1<<20))
}

// measure waits for the goroutine count to settle (connections closed just
// before end their goroutines asynchronously), collects garbage, returns
// freed memory to the OS and reads the goroutine count, VmRSS and the heap
// in use.
func measure(t *testing.T) usage {
	t.Helper()
	// Bounded: at most 300 polls of 10 ms; settled when unchanged 10 times.
	n, same := runtime.NumGoroutine(), 0
	for i := 0; i < 300 && same < 10; i++ {
		<-time.After(10 * time.Millisecond)
		if m := runtime.NumGoroutine(); m == n {
			same++
		} else {
			n, same = m, 0
		}
	}
	runtime.GC()
	debug.FreeOSMemory()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return usage{goroutines: runtime.NumGoroutine(), rss: vmRSS(t), heap: ms.HeapInuse}
}

// vmRSS reads the resident set size of this process from /proc.
func vmRSS(t *testing.T) int64 {
	t.Helper()
	data, err := os.ReadFile("/proc/self/status")
	require.NoError(t, err)
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			require.NoError(t, err)
			return kb << 10
		}
	}
	t.Fatal("no VmRSS in /proc/self/status")
	return 0
}
