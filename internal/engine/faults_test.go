package engine_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/naftiko-go/naftiko/internal/engine"
)

// faultTimeout is the upstream timeout of the fault cases that stall.
const faultTimeout = 300 * time.Millisecond

// bigBody is a valid JSON document of about mib MiB: an array of strings.
func bigBody(mib int) []byte {
	item := `"` + strings.Repeat("x", 1022) + `"`
	n := mib << 10 // items of 1 KiB each, with separators
	var b strings.Builder
	b.Grow(n*(len(item)+1) + 2)
	b.WriteByte('[')
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(item)
	}
	b.WriteByte(']')
	return []byte(b.String())
}

// faultCase is one upstream misbehaviour and what REST and MCP callers get
// (the table of docs/COMPATIBILITY.md, "Upstream failures").
type faultCase struct {
	name     string
	upstream func(t *testing.T) string // the base URI of the misbehaving upstream
	opts     func(o *engine.Options)

	status     int    // REST status
	problem    bool   // REST answer is an engine-made application/problem+json
	restType   string // REST Content-Type (prefix) when not a problem
	restBody   string // REST body (exact) when not a problem and not empty
	detail     string // text the REST problem detail and the MCP error text contain
	mcpIsError bool
	mcpText    string // text the MCP result contains
}

func faultCases() []faultCase {
	big := bigBody(10)
	// The body that passes under a raised limit: 10 MB, or 2 MB under the
	// race detector, which makes a 10 MB answer cost 40 s of JSON work.
	passing := big
	if raceEnabled {
		passing = bigBody(2)
	}
	limit := func(n int64) func(o *engine.Options) { return func(o *engine.Options) { o.MaxResponseBytes = n } }
	stall := func(o *engine.Options) { o.UpstreamTimeout = faultTimeout }
	answer := func(status int, ct, body string) func(t *testing.T) string {
		return func(t *testing.T) string {
			return upstreamFunc(t, func(w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Content-Type", ct)
				w.WriteHeader(status)
				_, _ = io.WriteString(w, body)
			})
		}
	}
	const upstreamErr = `{"code":"oops","message":"upstream trouble"}`
	const html = "<!doctype html><html><body>Sign in to the captive portal</body></html>"
	return []faultCase{
		{name: "connection closed without an answer", upstream: hijackUpstream(false),
			status: 502, problem: true, detail: "EOF", mcpIsError: true, mcpText: "EOF"},
		{name: "connection reset", upstream: hijackUpstream(true),
			status: 502, problem: true, detail: "connection reset by peer", mcpIsError: true, mcpText: "connection reset by peer"},
		{name: "headers then a stalled body", upstream: stalledBodyUpstream, opts: stall,
			status: 504, problem: true, detail: "no complete answer within 300ms", mcpIsError: true, mcpText: "no complete answer within 300ms"},
		{name: "accepted and never answered", upstream: silentUpstream, opts: stall,
			status: 504, problem: true, detail: "no complete answer within 300ms", mcpIsError: true, mcpText: "no complete answer within 300ms"},
		{name: "500 passes through", upstream: answer(500, "application/json", upstreamErr),
			status: 500, restType: "application/json", restBody: upstreamErr, mcpIsError: true, mcpText: "upstream returned HTTP 500: " + upstreamErr},
		{name: "502 passes through", upstream: answer(502, "text/plain", "bad gateway"),
			status: 502, restType: "text/plain", restBody: "bad gateway", mcpIsError: true, mcpText: "upstream returned HTTP 502: bad gateway"},
		{name: "503 passes through", upstream: answer(503, "application/json", upstreamErr),
			status: 503, restType: "application/json", restBody: upstreamErr, mcpIsError: true, mcpText: "upstream returned HTTP 503"},
		{name: "10 MB body over a 1 MiB limit, with Content-Length", upstream: bodyUpstream(big, true), opts: limit(1 << 20),
			status: 502, problem: true, detail: "more than the limit of 1048576 bytes", mcpIsError: true, mcpText: "more than the limit of 1048576 bytes"},
		{name: "10 MB body over a 1 MiB limit, chunked", upstream: bodyUpstream(big, false), opts: limit(1 << 20),
			status: 502, problem: true, detail: "more than the limit of 1048576 bytes", mcpIsError: true, mcpText: "more than the limit of 1048576 bytes"},
		{name: "10 MB body (2 MB with -race) under a raised limit", upstream: bodyUpstream(passing, true), opts: limit(16 << 20),
			status: 200, restType: "application/json", restBody: string(passing), mcpText: string(passing[:2048])},
		{name: "malformed JSON labelled JSON, 200", upstream: answer(200, "application/json", `{"id": "a",`),
			status: 502, problem: true, detail: "not valid JSON", mcpIsError: true, mcpText: "not valid JSON"},
		{name: "malformed JSON labelled JSON, 500 passes through", upstream: answer(500, "application/json", `{"id": `),
			status: 500, restType: "application/json", restBody: `{"id": `, mcpIsError: true, mcpText: "upstream returned HTTP 500"},
		{name: "HTML 200 where JSON is expected passes through", upstream: answer(200, "text/html; charset=utf-8", html),
			status: 200, restType: "text/html", restBody: html, mcpText: html},
		{name: "redirect loop", upstream: redirectLoopUpstream,
			status: 502, problem: true, detail: "stopped after 10 redirects", mcpIsError: true, mcpText: "stopped after 10 redirects"},
	}
}

// TestUpstreamFaults runs every fault of faultCases through the REST route
// and the MCP tool that list invitations: each gives the documented answer,
// nothing panics, and no goroutine outlives the case.
func TestUpstreamFaults(t *testing.T) {
	for _, tc := range faultCases() {
		t.Run(tc.name, func(t *testing.T) {
			// Registered first, so it runs after every other cleanup: the
			// engine stopped, the upstream closed, the clients closed.
			// Unlike TestMain, it ignores no network goroutine.
			ignore := goleak.IgnoreCurrent()
			t.Cleanup(func() {
				http.DefaultClient.CloseIdleConnections()
				goleak.VerifyNone(t, ignore)
			})
			s := serveSeed(t, tc.upstream(t), tc.opts)

			got := do(t, http.MethodGet, s.rest+"/v1/api/organization-invitations", "")
			assert.Equal(t, tc.status, got.status, "REST status; body: %.300s", got.body)
			if tc.problem {
				require.Equal(t, problemType, got.header.Get("Content-Type"), "body: %.300s", got.body)
				var p struct {
					Status int    `json:"status"`
					Detail string `json:"detail"`
				}
				require.NoError(t, json.Unmarshal([]byte(got.body), &p))
				assert.Equal(t, tc.status, p.Status)
				assert.Contains(t, p.Detail, tc.detail)
				assert.Contains(t, p.Detail, consumerNS, "the detail names the consumer")
				assert.Contains(t, p.Detail, "listorganizationinvitations", "the detail names the operation")
			} else {
				assert.True(t, strings.HasPrefix(got.header.Get("Content-Type"), tc.restType), "Content-Type %q", got.header.Get("Content-Type"))
				assert.True(t, tc.restBody == got.body, "REST body: %.300s (want %.300s)", got.body, tc.restBody)
			}

			res := callTool(t, mcpClient(t, s.mcp), "get-organization-invitations", map[string]any{})
			text := resultText(t, res)
			assert.Equal(t, tc.mcpIsError, res.IsError, "isError; text: %.300s", text)
			assert.Contains(t, text, tc.mcpText)

			assert.NotContains(t, s.logs.String(), "panic")
		})
	}
}

// upstreamFunc serves h on loopback until the test ends.
func upstreamFunc(t *testing.T, h http.HandlerFunc) string {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv.URL
}

// hijackUpstream takes every connection from the HTTP server and closes it
// without a byte of answer; with reset, it closes with SO_LINGER 0, so the
// peer sees a TCP RST.
func hijackUpstream(reset bool) func(t *testing.T) string {
	return func(t *testing.T) string {
		return upstreamFunc(t, func(w http.ResponseWriter, _ *http.Request) {
			conn, _, err := http.NewResponseController(w).Hijack()
			if err != nil {
				panic(err) // httptest serves HTTP/1.1: hijacking works
			}
			if tcp, ok := conn.(*net.TCPConn); ok && reset {
				_ = tcp.SetLinger(0)
			}
			_ = conn.Close()
		})
	}
}

// stalledBodyUpstream sends the headers and the first byte of a JSON body,
// then nothing until the client goes away or the test ends.
func stalledBodyUpstream(t *testing.T) string {
	release := make(chan struct{})
	u := upstreamFunc(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		_, _ = io.WriteString(w, "[")
		_ = http.NewResponseController(w).Flush()
		select {
		case <-r.Context().Done():
		case <-release:
		}
	})
	t.Cleanup(func() { close(release) }) // runs before the server's Close
	return u
}

// silentUpstream accepts connections, reads what they send and never
// answers. Every goroutine it starts ends with the test.
func silentUpstream(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	var (
		mu    sync.Mutex
		conns []net.Conn
		wg    sync.WaitGroup
	)
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return // the listener was closed
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, _ = io.Copy(io.Discard, c)
			}()
		}
	}()
	t.Cleanup(func() {
		_ = ln.Close()
		mu.Lock()
		for _, c := range conns {
			_ = c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	return "http://" + ln.Addr().String()
}

// bodyUpstream answers 200 with body as JSON, with a Content-Length or
// chunked.
func bodyUpstream(body []byte, withLength bool) func(t *testing.T) string {
	return func(t *testing.T) string {
		return upstreamFunc(t, func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			if withLength {
				w.Header().Set("Content-Length", fmt.Sprint(len(body)))
			}
			w.WriteHeader(http.StatusOK)
			// In pieces, so that without a length the answer is chunked.
			for rest := body; len(rest) > 0; {
				n := min(len(rest), 64<<10)
				if _, err := w.Write(rest[:n]); err != nil {
					return // the client stopped reading at its limit
				}
				rest = rest[n:]
				if !withLength {
					_ = http.NewResponseController(w).Flush()
				}
			}
		})
	}
}

// redirectLoopUpstream redirects every request to itself.
func redirectLoopUpstream(t *testing.T) string {
	return upstreamFunc(t, func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, r.URL.RequestURI(), http.StatusFound)
	})
}
