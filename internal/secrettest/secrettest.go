// Package secrettest holds every secret value the tests of this module hand
// to the code under test (bind values, inbound credentials, OAuth 2 client
// secrets) and the check that none of them shows in what a test captured:
// log lines, error bodies, problem details, tool results, process output.
//
// Tests take their secrets from here, so that one scan finds any of them
// wherever it leaks (SPEC §3: bind values are never logged). It is imported
// by tests only.
package secrettest

import (
	"encoding/base64"
	"encoding/json"
	"net/url"
	"strings"
	"testing"
)

// The secret values of the tests. Each is distinctive enough never to occur
// by chance in a log line or a body.
const (
	// LogtoAPIKey is LOGTO_API_KEY of the in-process engine tests: the
	// bearer token sent to the fake Logto.
	LogtoAPIKey = "test-secret-token-5f1c"
	// E2ELogtoAPIKey is LOGTO_API_KEY of the end-to-end tests.
	E2ELogtoAPIKey = "e2e-s3cret-logto-key-77a0"
	// SandboxToken is the fixed bearer token of the Logto sandbox in the
	// end-to-end tests.
	SandboxToken = "e2e-sandbox-token-91b3"
	// InboundAPIKey is the API key a guarded REST adapter requires.
	InboundAPIKey = "rest-k3y-value-0042"
	// InboundToken is the bearer token a guarded MCP adapter requires.
	InboundToken = "mcp-t0ken-value-0042"
	// ConsumeToken is the bind value of the consume package's tests.
	ConsumeToken = "s3cr3t-logto-token-4711"
	// CallerPassword is a secret a caller passes as an input.
	CallerPassword = "caller-secret-pw"
	// OAuth2ClientSecret is the client secret of the OAuth 2 client
	// credentials tests, with characters RFC 6749 §2.3.1 form-encodes.
	OAuth2ClientSecret = "cl1ent-s3cret/&="
)

// All lists every secret above.
var All = []string{
	LogtoAPIKey, E2ELogtoAPIKey, SandboxToken, InboundAPIKey, InboundToken,
	ConsumeToken, CallerPassword, OAuth2ClientSecret,
}

// forms returns s as it may appear once encoded: raw, query- and
// path-escaped, JSON-escaped (with and without HTML escaping) and base64.
func forms(s string) []string {
	out := []string{s, url.QueryEscape(s), url.PathEscape(s), base64.StdEncoding.EncodeToString([]byte(s))}
	if b, err := json.Marshal(s); err == nil {
		out = append(out, strings.Trim(string(b), `"`))
	}
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if enc.Encode(s) == nil {
		out = append(out, strings.Trim(strings.TrimSpace(b.String()), `"`))
	}
	return out
}

// Find returns the secrets of All (and extra) that text contains in any
// encoding of forms, each once.
func Find(text string, extra ...string) []string {
	var found []string
	for _, s := range append(append([]string(nil), All...), extra...) {
		if s == "" {
			continue
		}
		for _, f := range forms(s) {
			if strings.Contains(text, f) {
				found = append(found, s)
				break
			}
		}
	}
	return found
}

// AssertNone reports a test error naming where when text contains a secret
// of All or extra, and returns whether it contains none. The secret itself is
// not repeated in the message beyond what a test log needs to find it.
func AssertNone(t testing.TB, where, text string, extra ...string) bool {
	t.Helper()
	found := Find(text, extra...)
	for _, s := range found {
		t.Errorf("secret %q leaked into %s", s, where)
	}
	return len(found) == 0
}
