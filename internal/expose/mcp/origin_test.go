package mcp

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/naftiko-go/naftiko/internal/expose/exposetest"
)

func TestOriginGuard(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		allowed    []string
		origin     string
		host       string // "" keeps the listener's 127.0.0.1:port
		sameHost   bool   // origin = "http://" + listener host
		wantStatus int
	}{
		{name: "no origin (non-browser client)", wantStatus: http.StatusOK},
		{name: "other site", origin: "https://evil.example", wantStatus: http.StatusForbidden},
		{name: "other site with a port", origin: "http://evil.example:9090", wantStatus: http.StatusForbidden},
		{name: "null origin", origin: "null", wantStatus: http.StatusForbidden},
		{name: "same host", sameHost: true, wantStatus: http.StatusOK},
		{name: "localhost, other port", origin: "http://localhost:5173", wantStatus: http.StatusOK},
		{name: "loopback v6", origin: "http://[::1]:3000", wantStatus: http.StatusOK},
		{name: "allowed origin", allowed: []string{"https://app.example.com/"}, origin: "https://APP.example.com", wantStatus: http.StatusOK},
		{name: "allowed origin, other scheme", allowed: []string{"https://app.example.com"}, origin: "http://app.example.com", wantStatus: http.StatusForbidden},
		{name: "allowed bare host", allowed: []string{"app.example.com"}, origin: "https://app.example.com", wantStatus: http.StatusOK},
		{name: "allow all", allowed: []string{"*"}, origin: "https://evil.example", wantStatus: http.StatusOK},
		{name: "allow list does not allow others", allowed: []string{"https://app.example.com"}, origin: "https://evil.example", wantStatus: http.StatusForbidden},
		// mcp-go's own guard stays on: a loopback listener refuses a foreign Host.
		{name: "rebound host", host: "evil.example", wantStatus: http.StatusForbidden},
		{name: "rebound host, allow-all origins", allowed: []string{"*"}, host: "evil.example", wantStatus: http.StatusForbidden},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			inv := &exposetest.FakeInvoker{}
			srv := serve(t, seedMCP(t), inv, Options{AllowedOrigins: tt.allowed})
			var header []string
			origin := tt.origin
			if tt.sameHost {
				u, err := url.Parse(srv.URL)
				require.NoError(t, err)
				origin = "http://" + u.Host
			}
			if origin != "" {
				header = append(header, "Origin", origin)
			}
			if tt.host != "" {
				header = append(header, "Host", tt.host)
			}
			status, body := rpc(t, srv, "tools/call", map[string]any{
				"name": "get-organization-invitation", "arguments": map[string]any{"id": "x"},
			}, header...)
			require.Equal(t, tt.wantStatus, status, body)
			if tt.wantStatus == http.StatusOK {
				assert.Len(t, inv.Recorded(), 1)
			} else {
				assert.Empty(t, inv.Recorded())
			}
		})
	}
}
