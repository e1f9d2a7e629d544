package engine_test

import (
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/naftiko-go/naftiko/internal/engine"
	"github.com/naftiko-go/naftiko/internal/secrettest"
)

const (
	inboundKey   = secrettest.InboundAPIKey
	inboundToken = secrettest.InboundToken
)

const authCapability = `naftiko: 1.0.0-alpha2
info: {label: Guarded, description: Server-side authentication on both adapters}
binds:
  - namespace: env
    keys: {REST_KEY: REST_KEY, MCP_TOKEN: MCP_TOKEN}
capability:
  consumes:
    - type: http
      namespace: pets
      baseUri: https://pets.example.test
      resources:
        - name: pets
          path: /pets
          operations:
            - {name: list-pets, method: GET}
  exposes:
    - type: rest
      namespace: pets-rest
      port: 18080
      authentication: {type: apikey, key: X-API-Key, value: '{{REST_KEY}}', placement: header}
      resources:
        - path: /pets
          operations:
            - {method: GET, call: pets.list-pets}
    - type: mcp
      namespace: pets-mcp
      port: 19090
      authentication: {type: bearer, token: '{{env.MCP_TOKEN}}'}
      tools:
        - {name: list-pets, description: List pets, call: pets.list-pets}
`

// TestServerSideAuthentication runs both adapters of a guarded capability:
// no request passes without the credential, none reaches the upstream with
// it, and no credential shows in a log line, an error or a tool result.
func TestServerSideAuthentication(t *testing.T) {
	var mu sync.Mutex
	var upstreamHeaders []http.Header
	upstream := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		upstreamHeaders = append(upstreamHeaders, r.Header.Clone())
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `[{"name":"Rex"}]`)
	}))
	logs := &syncBuffer{}
	urls := serveYAML(t, authCapability, nil, upstream, func(o *engine.Options) {
		o.LookupEnv = func(k string) (string, bool) {
			return map[string]string{"REST_KEY": inboundKey, "MCP_TOKEN": inboundToken}[k], k == "REST_KEY" || k == "MCP_TOKEN"
		}
		o.Logger = slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	})

	get := func(u string, header map[string]string) httpReply {
		req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, u, nil)
		require.NoError(t, err)
		for k, v := range header {
			req.Header.Set(k, v)
		}
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		return httpReply{status: resp.StatusCode, header: resp.Header, body: string(b)}
	}

	t.Run("REST", func(t *testing.T) {
		for _, tt := range []struct {
			name   string
			header map[string]string
			status int
		}{
			{"missing", nil, 401},
			{"wrong", map[string]string{"X-API-Key": "guess"}, 401},
			{"right", map[string]string{"X-API-Key": inboundKey}, 200},
		} {
			r := get(urls["pets-rest"]+"/pets", tt.header)
			assert.Equal(t, tt.status, r.status, tt.name)
			if tt.status == 401 {
				assert.Equal(t, "application/problem+json", r.header.Get("Content-Type"), tt.name)
				assert.Contains(t, r.header.Get("WWW-Authenticate"), `APIKey realm="naftiko"`, tt.name)
			}
			assertNoSecret(t, "the answer of case "+tt.name, r.body)
		}
	})

	t.Run("MCP", func(t *testing.T) {
		init := `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"0"}}}`
		for _, auth := range []string{"", "Bearer wrong"} {
			req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, urls["pets-mcp"], strings.NewReader(init))
			require.NoError(t, err)
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Accept", "application/json, text/event-stream")
			if auth != "" {
				req.Header.Set("Authorization", auth)
			}
			resp, err := http.DefaultClient.Do(req)
			require.NoError(t, err)
			_ = resp.Body.Close()
			assert.Equal(t, 401, resp.StatusCode, "Authorization %q", auth)
			assert.True(t, strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), "Bearer "))
		}

		c := mcpClientWith(t, urls["pets-mcp"], map[string]string{"Authorization": "Bearer " + inboundToken})
		res := callTool(t, c, "list-pets", nil)
		assert.False(t, res.IsError)
		text := resultText(t, res)
		assert.Contains(t, text, "Rex")
	})

	mu.Lock()
	defer mu.Unlock()
	require.NotEmpty(t, upstreamHeaders)
	for _, h := range upstreamHeaders {
		assert.Empty(t, h.Get("X-API-Key"), "the inbound key never goes upstream")
		assert.Empty(t, h.Get("Authorization"), "the inbound token never goes upstream")
	}
	assert.Contains(t, logs.String(), "request refused")
	assertNoSecret(t, "the logs", logs.String())
}
