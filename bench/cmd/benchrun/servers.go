package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	_ "net/http/pprof" // BENCH_PPROF_ADDR
	"net/url"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"
)

// The fixtures run as child processes of the driver so that each one's CPU
// time can be read from /proc. Each listens on 127.0.0.1:0 and prints its
// address on stdout, then serves until SIGTERM.

// smallUser is the ~100-byte document of GET /users/{id} (the id is spliced in).
const smallUserFmt = `{"id":%q,"name":"Ada Lovelace","email":"ada@example.com","role":"admin","active":true,"team":"analytics"}`

// bigDoc builds a JSON object of about n bytes: {"items":[{…},…]}.
func bigDoc(n int) []byte {
	var b strings.Builder
	b.WriteString(`{"items":[`)
	for i := 0; b.Len() < n-120; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"id":%d,"name":"item-%06d","tags":["alpha","beta","gamma"],"price":%d.%02d,"ok":%t}`,
			i, i, i%1000, i%100, i%2 == 0)
	}
	b.WriteString(`],"total":true}`)
	return []byte(b.String())
}

// keepAliveClient is what the baselines use to reach the upstream: the same
// pool sizes as the engine's shared client (internal/consume).
func keepAliveClient() *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConns = 512
	t.MaxIdleConnsPerHost = 64
	t.IdleConnTimeout = 90 * time.Second
	return &http.Client{Transport: t, Timeout: 30 * time.Second}
}

func upstreamHandler() http.Handler {
	big := bigDoc(100 << 10)
	mux := http.NewServeMux()
	writeJSON := func(w http.ResponseWriter, b []byte) {
		h := w.Header()
		h.Set("Content-Type", "application/json")
		h.Set("Content-Length", fmt.Sprint(len(b)))
		_, _ = w.Write(b)
	}
	mux.HandleFunc("GET /users/{id}", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, fmt.Appendf(nil, smallUserFmt, r.PathValue("id")))
	})
	mux.HandleFunc("GET /big", func(w http.ResponseWriter, _ *http.Request) { writeJSON(w, big) })
	mux.HandleFunc("GET /slow", func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-time.After(50 * time.Millisecond):
		case <-r.Context().Done():
			return
		}
		writeJSON(w, []byte(`{"slow":true,"ms":50}`))
	})
	return mux
}

func proxyHandler(upstream string) (http.Handler, error) {
	u, err := url.Parse(upstream)
	if err != nil {
		return nil, err
	}
	p := httputil.NewSingleHostReverseProxy(u)
	p.Transport = keepAliveClient().Transport
	return p, nil
}

// bareMCPHandler is the SDK floor: a stateless mcp-go server whose
// hand-written tools do the same GET as the engine's and answer the same
// shape (text + structuredContent), with no engine logic.
func bareMCPHandler(upstream string) http.Handler {
	client := keepAliveClient()
	get := func(ctx context.Context, path string) (*mcp.CallToolResult, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, upstream+path, nil)
		if err != nil {
			return nil, err
		}
		req.Header.Set("Accept", "application/json")
		resp, err := client.Do(req)
		if err != nil {
			return mcp.NewToolResultError(err.Error()), nil
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		if err != nil {
			return mcp.NewToolResultError(err.Error()), nil
		}
		if resp.StatusCode >= 400 {
			return mcp.NewToolResultError(fmt.Sprintf("upstream returned HTTP %d: %s", resp.StatusCode, body)), nil
		}
		out := mcp.NewToolResultText(string(body))
		var obj map[string]any
		if json.Unmarshal(body, &obj) == nil {
			out.StructuredContent = obj
		}
		return out, nil
	}
	s := server.NewMCPServer("bench-bare", "1.0.0", server.WithToolCapabilities(false))
	s.AddTool(mcp.NewTool("get_user", mcp.WithDescription("Get a user by id"), mcp.WithString("id", mcp.Required())),
		func(ctx context.Context, r mcp.CallToolRequest) (*mcp.CallToolResult, error) {
			return get(ctx, "/users/"+url.PathEscape(r.GetString("id", "")))
		})
	s.AddTool(mcp.NewTool("get_big", mcp.WithDescription("Get the 100 KB document")),
		func(ctx context.Context, _ mcp.CallToolRequest) (*mcp.CallToolResult, error) { return get(ctx, "/big") })
	s.AddTool(mcp.NewTool("get_slow", mcp.WithDescription("Answer after 50 ms")),
		func(ctx context.Context, _ mcp.CallToolRequest) (*mcp.CallToolResult, error) {
			return get(ctx, "/slow")
		})
	mux := http.NewServeMux()
	mux.Handle("/mcp", server.NewStreamableHTTPServer(s, server.WithStateLess(true)))
	return mux
}

// serveFixture listens on 127.0.0.1:0, prints the address and serves h
// until SIGTERM/SIGINT.
func serveFixture(h http.Handler) error {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	if a := os.Getenv("BENCH_PPROF_ADDR"); a != "" {
		// For profiling a baseline: net/http/pprof on its own loopback port.
		go func() { _ = http.ListenAndServe(a, nil) }()
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 120 * time.Second}
	fmt.Println(ln.Addr().String())
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
	}()
	if err := srv.Serve(ln); err != nil && err != http.ErrServerClosed {
		return err
	}
	return nil
}
