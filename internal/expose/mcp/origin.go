package mcp

import (
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
)

// originGuard refuses browser requests from other sites (DNS rebinding and
// cross-site requests, MCP security best practices): an Origin header is
// accepted when it names the server's own host, a loopback host, or an
// allowed origin. Requests without Origin (non-browser clients) pass.
func originGuard(next http.Handler, allowed []string, log *slog.Logger) http.Handler {
	allowAll := false
	var origins, hosts []string
	for _, a := range allowed {
		a = strings.ToLower(strings.TrimRight(strings.TrimSpace(a), "/"))
		switch {
		case a == "":
		case a == "*":
			allowAll = true
		case strings.Contains(a, "://"):
			origins = append(origins, a)
		default:
			hosts = append(hosts, a)
		}
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		origin := r.Header.Get("Origin")
		if origin == "" || allowAll || originAllowed(origin, r.Host, origins, hosts) {
			next.ServeHTTP(w, r)
			return
		}
		log.Warn("refused request from another origin", logKeyOrigin, origin)
		http.Error(w, fmt.Sprintf("Forbidden: origin %q is not allowed (allow it with the adapter's allowed origins)", origin),
			http.StatusForbidden)
	})
}

// originAllowed decides for one Origin value.
func originAllowed(origin, host string, origins, hosts []string) bool {
	o := strings.ToLower(strings.TrimRight(origin, "/"))
	for _, a := range origins {
		if o == a {
			return true
		}
	}
	u, err := url.Parse(o)
	if err != nil || u.Host == "" {
		// "null" (sandboxed frames, file://) or garbage: not a site we know.
		return false
	}
	for _, h := range hosts {
		if u.Host == h || u.Hostname() == h {
			return true
		}
	}
	if strings.EqualFold(u.Host, host) {
		return true
	}
	return isLoopback(u.Hostname())
}

// isLoopback reports whether host is localhost or a loopback address.
func isLoopback(host string) bool {
	host = strings.Trim(host, "[]")
	if strings.EqualFold(host, "localhost") || strings.HasSuffix(strings.ToLower(host), ".localhost") {
		return true
	}
	if ip, err := netip.ParseAddr(host); err == nil {
		return ip.IsLoopback()
	}
	return net.ParseIP(host).IsLoopback()
}
