package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/naftiko-go/naftiko/internal/secrettest"
)

// roundRobin is a loopback reverse proxy that sends request n to backend
// n mod len(backends) and records which backend got which JSON-RPC method.
type roundRobin struct {
	proxies []*httputil.ReverseProxy

	mu   sync.Mutex
	hits []hit
}

// hit is one proxied request.
type hit struct {
	backend int
	method  string // HTTP method
	rpc     string // JSON-RPC method of a POST, "" otherwise
}

func newRoundRobin(t *testing.T, backends ...string) (*roundRobin, string) {
	t.Helper()
	rr := &roundRobin{}
	for _, b := range backends {
		target, err := url.Parse(b)
		require.NoError(t, err)
		rr.proxies = append(rr.proxies, &httputil.ReverseProxy{
			// SetURL also sets the outbound Host to the backend's
			// 127.0.0.1:port, which mcp-go's DNS-rebinding guard accepts.
			Rewrite: func(pr *httputil.ProxyRequest) { pr.SetURL(target) },
		})
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	srv := &http.Server{Handler: rr, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return rr, "http://" + ln.Addr().String()
}

func (rr *roundRobin) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var rpc string
	if r.Body != nil {
		body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		var msg struct {
			Method string `json:"method"`
		}
		_ = json.Unmarshal(body, &msg)
		rpc = msg.Method
		r.Body = io.NopCloser(bytes.NewReader(body))
	}
	rr.mu.Lock()
	n := len(rr.hits) % len(rr.proxies)
	rr.hits = append(rr.hits, hit{backend: n, method: r.Method, rpc: rpc})
	rr.mu.Unlock()
	rr.proxies[n].ServeHTTP(w, r)
}

func (rr *roundRobin) recorded() []hit {
	rr.mu.Lock()
	defer rr.mu.Unlock()
	return append([]hit(nil), rr.hits...)
}

// TestTwoReplicasBehindRoundRobin serves the seed from two naftiko
// processes behind a round-robin proxy: the official TypeScript client
// initializes, lists the tools and makes twenty calls through the proxy,
// every request landing on the other replica than the one before. The
// stateless MCP adapter needs no session affinity, so every call succeeds,
// including a get on one replica of what a create made on the other.
func TestTwoReplicasBehindRoundRobin(t *testing.T) {
	tl := requireTools(t)
	bin := buildNaftiko(t, tl.repoRoot)
	upstream := newFakeLogto(t)

	var backends []string
	var replicas []*naftiko
	for range 2 {
		n := startNaftiko(t, bin, []string{"LOGTO_API_KEY=" + fakeLogtoToken}, []string{restNS, mcpNS},
			"--log-format", "json",
			"--address", "127.0.0.1",
			"--port", restNS+"=0",
			"--port", mcpNS+"=0",
			"--base-uri", consumesNS+"="+upstream.URL,
			filepath.Join(tl.repoRoot, "capabilities", seedCapability),
		)
		replicas = append(replicas, n)
		backends = append(backends, "http://"+n.listeners[mcpNS].Addr)
	}
	rr, proxy := newRoundRobin(t, backends...)

	// Ten pairs: a create, then a get of what it created (by reference to
	// the create's result), so the two halves of a pair run on different
	// replicas.
	var calls []clientCall
	for i := range 10 {
		calls = append(calls,
			clientCall{Name: "create-organization-invitation", Arguments: map[string]any{
				"body": map[string]any{"invitee": fmt.Sprintf("r%d@example.com", i), "organizationId": "org-1", "expiresAt": 1716900000000},
			}},
			clientCall{Name: "get-organization-invitation", Arguments: map[string]any{
				"id": fmt.Sprintf("${call%d.structuredContent.id}", 2*i),
			}},
		)
	}
	callsFile := filepath.Join(t.TempDir(), "calls.json")
	data, err := json.Marshal(calls)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(callsFile, data, 0o600))

	stdout, stderr, err := runNode(t, tl.e2eDir, tl.node, tl.clientJS, proxy+"/mcp", callsFile)
	require.NoError(t, err, "client.mjs\nstdout:\n%s\nstderr:\n%s", stdout, stderr)
	var got clientReport
	require.NoError(t, json.Unmarshal(stdout, &got), "client.mjs stdout:\n%s", stdout)

	names := make([]string, 0, len(got.Tools))
	for _, tool := range got.Tools {
		names = append(names, tool.Name)
	}
	assert.ElementsMatch(t, seedTools, names, "tools/list through the proxy")
	require.Len(t, got.Calls, len(calls))
	for i, c := range got.Calls {
		require.Nil(t, c.Error, "call %d (%s): JSON-RPC error %+v", i, c.Name, c.Error)
		require.NotNil(t, c.Result, "call %d (%s)", i, c.Name)
		assert.False(t, c.Result.IsError, "call %d (%s): %s", i, c.Name, c.Result.text())
		if i%2 == 1 {
			assert.Contains(t, c.Result.text(), fmt.Sprintf(`"inv-new-%d"`, i/2+1), "call %d gets what call %d created", i, i-1)
		}
	}
	assert.Len(t, upstream.Requests(), len(calls), "one upstream request per tool call")

	hits := rr.recorded()
	perBackend := map[int]int{}
	toolCalls := map[int]int{}
	for i, h := range hits {
		perBackend[h.backend]++
		if h.rpc == "tools/call" {
			toolCalls[h.backend]++
		}
		if i > 0 {
			assert.NotEqual(t, hits[i-1].backend, h.backend, "request %d went to the same replica as request %d", i, i-1)
		}
	}
	t.Logf("%d requests through the proxy: %v per replica, tools/call %v per replica", len(hits), perBackend, toolCalls)
	assert.InDelta(t, perBackend[0], perBackend[1], 1, "requests per replica")
	assert.Equal(t, len(calls), toolCalls[0]+toolCalls[1], "every tools/call went through the proxy")
	assert.Equal(t, len(calls)/2, toolCalls[0], "tools/call on replica 0")
	var rpcs []string
	for _, h := range hits {
		rpcs = append(rpcs, h.method+" "+h.rpc)
	}
	assert.Contains(t, rpcs, "POST initialize")
	assert.Contains(t, rpcs, "POST tools/list")

	for i, n := range replicas {
		n.stop(t)
		secrettest.AssertNone(t, fmt.Sprintf("the logs of replica %d", i), n.stderr.String())
	}
	secrettest.AssertNone(t, "the client's output", string(stdout)+string(stderr))
}
