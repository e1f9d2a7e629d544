package engine_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/client/transport"
	"github.com/mark3labs/mcp-go/mcp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/naftiko-go/naftiko/internal/engine"
	"github.com/naftiko-go/naftiko/internal/spec"
)

// writeCapability writes a capability file, and the extra files it refers
// to (paths relative to its folder), into a fresh temporary folder and
// returns the capability's path.
func writeCapability(t *testing.T, yaml string, extra map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range extra {
		p := filepath.Join(dir, filepath.FromSlash(name))
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte(content), 0o600))
	}
	p := filepath.Join(dir, "capability.yaml")
	require.NoError(t, os.WriteFile(p, []byte(yaml), 0o600))
	return p
}

// loadCapability loads a capability file, failing on error diagnostics.
func loadCapability(t *testing.T, path string) *spec.Document {
	t.Helper()
	doc, diags := spec.Load(path)
	require.False(t, diags.HasErrors(), "load diagnostics:\n%s", diags.Error())
	return doc
}

// buildDoc builds doc with every adapter on a free loopback port and every
// consumer pointed at upstream (when not empty).
func buildDoc(t *testing.T, doc *spec.Document, upstream string, mutate func(*engine.Options)) (*engine.Engine, spec.Diagnostics) {
	t.Helper()
	opts := engine.Options{Ports: map[string]int{}, BaseURIs: map[string]string{}, ShutdownGrace: 5 * time.Second,
		LookupEnv: func(string) (string, bool) { return "", false }}
	for _, x := range doc.Capability.Exposes {
		if x.Namespace != "" && x.HasPort {
			opts.Ports[x.Namespace] = 0
		}
		// The tutorial binds 0.0.0.0 for Docker; tests stay on loopback.
		x.Address = "127.0.0.1"
	}
	if upstream != "" {
		for _, c := range doc.Capability.Consumes {
			opts.BaseURIs[c.Namespace] = upstream
		}
	}
	// Every log line is scanned for secrets when the test ends; a test that
	// installs its own logger checks its own lines.
	logs := &syncBuffer{}
	opts.Logger = slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	t.Cleanup(func() { assertNoSecret(t, "the logs", logs.String()) })
	if mutate != nil {
		mutate(&opts)
	}
	return engine.Build([]*spec.Document{doc}, opts)
}

// serveEngine serves eng until the test ends and returns the base URL of
// every adapter by namespace (MCP adapters: their /mcp endpoint).
func serveEngine(t *testing.T, eng *engine.Engine) map[string]string {
	t.Helper()
	running, err := eng.Listen()
	require.NoError(t, err)
	urls := map[string]string{}
	for _, l := range running.Listeners() {
		u := "http://" + l.Addr
		if l.Type == "mcp" {
			u += "/mcp"
		}
		urls[l.Adapter] = u
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- running.Serve(ctx) }()
	t.Cleanup(func() {
		cancel()
		assert.NoError(t, <-done)
	})
	return urls
}

// serveYAML writes, loads, builds and serves a capability.
func serveYAML(t *testing.T, yaml string, extra map[string]string, upstream string, mutate func(*engine.Options)) map[string]string {
	t.Helper()
	doc := loadCapability(t, writeCapability(t, yaml, extra))
	eng, diags := buildDoc(t, doc, upstream, mutate)
	require.False(t, diags.HasErrors(), "build diagnostics:\n%s", diags.Error())
	return serveEngine(t, eng)
}

// mcpClientWith is mcpClient with extra HTTP headers on every request.
func mcpClientWith(t *testing.T, u string, headers map[string]string) *client.Client {
	t.Helper()
	c, err := client.NewStreamableHttpClient(u, transport.WithHTTPHeaders(headers))
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })
	ctx := t.Context()
	require.NoError(t, c.Start(ctx))
	init := mcp.InitializeRequest{}
	init.Params.ProtocolVersion = mcp.LATEST_PROTOCOL_VERSION
	init.Params.ClientInfo = mcp.Implementation{Name: "engine-test", Version: "0"}
	_, err = c.Initialize(ctx, init)
	require.NoError(t, err)
	return c
}

// decoded parses JSON text into plain values (numbers as float64).
func decoded(t *testing.T, text string) any {
	t.Helper()
	var v any
	require.NoError(t, json.Unmarshal([]byte(text), &v), "not JSON: %s", text)
	return v
}

// toolJSON calls a tool that must succeed and returns its decoded text.
func toolJSON(t *testing.T, c *client.Client, name string, args map[string]any) any {
	t.Helper()
	res := callTool(t, c, name, args)
	text := resultText(t, res)
	require.False(t, res.IsError, "tool %s failed: %s", name, text)
	return decoded(t, text)
}
