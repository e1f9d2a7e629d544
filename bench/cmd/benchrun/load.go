package main

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// target is one thing to load: a GET URL, or an MCP tools/call.
type target struct {
	url  string
	tool string // MCP tool name; "" for a plain GET
	args string // MCP arguments, raw JSON
}

// result of one closed-loop phase.
type result struct {
	n, errs  int
	elapsed  time.Duration
	lat      []time.Duration // sorted
	firstErr string
}

func (r result) rps() float64 { return float64(r.n) / r.elapsed.Seconds() }

// pct is the p-th percentile latency in µs (nearest rank).
func (r result) pct(p float64) float64 {
	if len(r.lat) == 0 {
		return 0
	}
	i := int(p/100*float64(len(r.lat))+0.5) - 1
	i = max(0, min(i, len(r.lat)-1))
	return float64(r.lat[i].Nanoseconds()) / 1e3
}

// newLoadClient is the generator's client: keep-alive with enough idle
// connections for every worker, no compression.
func newLoadClient(workers int) *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConns = 1024
	t.MaxIdleConnsPerHost = max(workers, 256)
	t.DisableCompression = true
	t.IdleConnTimeout = 5 * time.Minute
	return &http.Client{Transport: t, Timeout: 10 * time.Second}
}

var rpcID atomic.Int64

// request builds one request; MCP calls get a unique JSON-RPC id.
func (t target) request() (*http.Request, error) {
	if t.tool == "" {
		return http.NewRequest(http.MethodGet, t.url, nil)
	}
	id := rpcID.Add(1)
	body := make([]byte, 0, 160)
	body = append(body, `{"jsonrpc":"2.0","id":`...)
	body = strconv.AppendInt(body, id, 10)
	body = append(body, `,"method":"tools/call","params":{"name":"`...)
	body = append(body, t.tool...)
	body = append(body, `","arguments":`...)
	body = append(body, t.args...)
	body = append(body, "}}"...)
	req, err := http.NewRequest(http.MethodPost, t.url, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	req.Header.Set("MCP-Protocol-Version", "2025-11-25")
	return req, nil
}

var isErrorTrue = []byte(`"isError":true`)

// do sends one request and checks the answer: HTTP 200, and for MCP a
// result that is not an error.
func do(c *http.Client, t target, buf *bytes.Buffer) (int, error) {
	req, err := t.request()
	if err != nil {
		return 0, err
	}
	resp, err := c.Do(req)
	if err != nil {
		return 0, err
	}
	buf.Reset()
	_, err = io.Copy(buf, resp.Body)
	resp.Body.Close()
	if err != nil {
		return 0, err
	}
	if resp.StatusCode != http.StatusOK {
		return buf.Len(), fmt.Errorf("HTTP %d: %.200s", resp.StatusCode, buf.Bytes())
	}
	if t.tool != "" && (bytes.Contains(buf.Bytes(), isErrorTrue) || !bytes.Contains(buf.Bytes(), []byte(`"result"`))) {
		return buf.Len(), fmt.Errorf("MCP error: %.200s", buf.Bytes())
	}
	return buf.Len(), nil
}

// load runs a closed loop: workers each send one request at a time until
// maxN requests were started or d elapsed, whichever comes first.
func load(c *http.Client, t target, workers, maxN int, d time.Duration) result {
	var started atomic.Int64
	var mu sync.Mutex
	var res result
	deadline := time.Now().Add(d)
	var wg sync.WaitGroup
	t0 := time.Now()
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			lat := make([]time.Duration, 0, 4096)
			var errs int
			var firstErr string
			var buf bytes.Buffer
			for started.Add(1) <= int64(maxN) && time.Now().Before(deadline) {
				s := time.Now()
				_, err := do(c, t, &buf)
				if err != nil {
					errs++
					if firstErr == "" {
						firstErr = err.Error()
					}
					continue
				}
				lat = append(lat, time.Since(s))
			}
			mu.Lock()
			res.lat = append(res.lat, lat...)
			res.errs += errs
			if res.firstErr == "" {
				res.firstErr = firstErr
			}
			mu.Unlock()
		}()
	}
	wg.Wait()
	res.elapsed = time.Since(t0)
	res.n = len(res.lat)
	slices.Sort(res.lat)
	return res
}

// loadCmd is `benchrun load`: one closed-loop phase against a running server.
func loadCmd(args []string) error {
	fs := flag.NewFlagSet("load", flag.ContinueOnError)
	var t target
	fs.StringVar(&t.url, "url", "", "`URL` to GET, or the MCP endpoint with -tool")
	fs.StringVar(&t.tool, "tool", "", "MCP tool `name` (tools/call POSTs)")
	fs.StringVar(&t.args, "args", "{}", "MCP tool arguments (`JSON`)")
	workers := fs.Int("c", 16, "concurrent workers")
	n := fs.Int("n", 1_000_000, "at most this many requests")
	d := fs.Duration("d", 10*time.Second, "at most this long")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if t.url == "" {
		return fmt.Errorf("load: -url is required")
	}
	r := load(newLoadClient(*workers), t, *workers, *n, *d)
	fmt.Printf("%d requests in %s: %.0f req/s, p50 %.0f µs, p99 %.0f µs, %d errors %s\n",
		r.n, r.elapsed.Round(time.Millisecond), r.rps(), r.pct(50), r.pct(99), r.errs, r.firstErr)
	return nil
}
