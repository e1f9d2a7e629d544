package consume

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/naftiko-go/naftiko/internal/sandbox"
	"github.com/naftiko-go/naftiko/internal/secrettest"
	"github.com/naftiko-go/naftiko/internal/spec"
)

const (
	testClientID     = "m2m app"
	testClientSecret = secrettest.OAuth2ClientSecret // characters that RFC 6749 §2.3.1 form-encodes
)

// tokenServer is a client-credentials token endpoint plus an upstream that
// accepts the tokens it issued and has not revoked.
type tokenServer struct {
	URL       string
	requests  atomic.Int32 // token requests
	expiresIn int
	delay     time.Duration
	status    int // token endpoint status when not 0

	mu      sync.Mutex
	valid   map[string]bool
	forms   []url.Values
	apiAuth []string
}

func newTokenServer(t *testing.T) *tokenServer {
	t.Helper()
	s := &tokenServer{expiresIn: 3600, valid: map[string]bool{}}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /token", func(w http.ResponseWriter, r *http.Request) {
		n := s.requests.Add(1)
		time.Sleep(s.delay) // widens the window in which callers overlap
		id, secret, _ := r.BasicAuth()
		id, _ = url.QueryUnescape(id)
		secret, _ = url.QueryUnescape(secret)
		_ = r.ParseForm()
		s.mu.Lock()
		s.forms = append(s.forms, r.PostForm)
		s.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		if s.status != 0 || id != testClientID || secret != testClientSecret || r.PostForm.Get("grant_type") != "client_credentials" {
			w.WriteHeader(max(s.status, http.StatusUnauthorized))
			_, _ = fmt.Fprint(w, `{"error":"invalid_client","error_description":"client authentication failed"}`)
			return
		}
		tok := fmt.Sprintf("access-token-%d", n)
		s.mu.Lock()
		s.valid[tok] = true
		s.mu.Unlock()
		_ = json.NewEncoder(w).Encode(map[string]any{"access_token": tok, "token_type": "Bearer", "expires_in": s.expiresIn})
	})
	mux.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		h := r.Header.Get("Authorization")
		s.mu.Lock()
		s.apiAuth = append(s.apiAuth, h)
		ok := len(h) > 7 && s.valid[h[7:]]
		s.mu.Unlock()
		if !ok {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		_, _ = fmt.Fprint(w, `{"ok":true}`)
	})
	ts := httptest.NewServer(mux)
	t.Cleanup(ts.Close)
	s.URL = ts.URL
	return s
}

func (s *tokenServer) revokeAll() {
	s.mu.Lock()
	clear(s.valid)
	s.mu.Unlock()
}

// oauthClient is a client of the token server's /api/x with the
// client-credentials grant and a controllable clock.
func oauthClient(t *testing.T, s *tokenServer, vars map[string]any) (*Client, *spec.Consumer, *fakeClock) {
	t.Helper()
	c := simpleConsumer(s.URL, "/api/x", &spec.ConsumedOperation{})
	c.Authentication = &spec.Auth{
		Type: "oauth2", TokenEndpoint: s.URL + "/token", Resource: "https://api.example.com",
		Scopes: []string{"read", "write"}, ClientID: "{{CLIENT_ID}}", ClientSecret: "{{env.CLIENT_SECRET}}",
	}
	if vars == nil {
		vars = map[string]any{"CLIENT_ID": testClientID, "env": map[string]any{"CLIENT_SECRET": testClientSecret}}
	}
	cl := newClient(t, c, Options{Vars: vars})
	clock := &fakeClock{t: time.Unix(1_700_000_000, 0)}
	cl.auth.oauth.now = clock.now
	return cl, c, clock
}

type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func TestOAuth2ClientCredentials(t *testing.T) {
	t.Parallel()
	s := newTokenServer(t)
	cl, c, clock := oauthClient(t, s, nil)

	resp, err := call(t, cl, c, nil)
	require.NoError(t, err)
	assert.Equal(t, 200, resp.Status)
	resp, err = call(t, cl, c, nil)
	require.NoError(t, err)
	assert.Equal(t, 200, resp.Status)
	assert.Equal(t, int32(1), s.requests.Load(), "the token is cached")

	s.mu.Lock()
	form := s.forms[0]
	auth := s.apiAuth
	s.mu.Unlock()
	assert.Equal(t, url.Values{"grant_type": {"client_credentials"}, "resource": {"https://api.example.com"}, "scope": {"read write"}}, form)
	assert.Equal(t, []string{"Bearer access-token-1", "Bearer access-token-1"}, auth)

	// Refreshed at 90% of expires_in, not later.
	clock.add(3239 * time.Second)
	_, err = call(t, cl, c, nil)
	require.NoError(t, err)
	assert.Equal(t, int32(1), s.requests.Load())
	clock.add(2 * time.Second)
	_, err = call(t, cl, c, nil)
	require.NoError(t, err)
	assert.Equal(t, int32(2), s.requests.Load(), "refreshed before expiry")
}

func TestOAuth2ConcurrentCallersShareOneFetch(t *testing.T) {
	t.Parallel()
	s := newTokenServer(t)
	s.delay = 20 * time.Millisecond
	cl, c, _ := oauthClient(t, s, nil)
	var wg sync.WaitGroup
	errs := make(chan error, 32)
	for range 32 {
		wg.Go(func() {
			resp, err := cl.Call(t.Context(), c.Resources[0].Operations[0], nil)
			if err == nil && resp.Status != 200 {
				err = fmt.Errorf("status %d", resp.Status)
			}
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	assert.Equal(t, int32(1), s.requests.Load())
}

func TestOAuth2UpstreamRejectsToken(t *testing.T) {
	t.Parallel()
	s := newTokenServer(t)
	cl, c, _ := oauthClient(t, s, nil)
	_, err := call(t, cl, c, nil)
	require.NoError(t, err)

	// A revoked token: dropped once, a new one fetched, the call succeeds.
	s.revokeAll()
	resp, err := call(t, cl, c, nil)
	require.NoError(t, err)
	assert.Equal(t, 200, resp.Status)
	assert.Equal(t, int32(2), s.requests.Load())

	// An upstream that refuses every token: one more token, then its 401.
	up := newUpstream(t, 401, nil, `{"message":"no"}`)
	c2 := simpleConsumer(up.URL, "/p", &spec.ConsumedOperation{})
	c2.Authentication = c.Authentication
	cl2 := newClient(t, c2, Options{Vars: map[string]any{"CLIENT_ID": testClientID, "env": map[string]any{"CLIENT_SECRET": testClientSecret}}})
	before := s.requests.Load()
	resp, err = call(t, cl2, c2, nil)
	require.NoError(t, err)
	assert.Equal(t, 401, resp.Status)
	assert.Equal(t, before+2, s.requests.Load())
	up.next(t)
	up.next(t)
	up.none(t)
}

func TestOAuth2Failures(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		vars     map[string]any
		status   int
		wantType any
		want     string
	}{
		{"wrong secret", map[string]any{"CLIENT_ID": testClientID, "env": map[string]any{"CLIENT_SECRET": "wrong-s3cret-value"}}, 0,
			&TransportError{}, `answered 401 invalid_client (client authentication failed)`},
		{"token endpoint down", nil, 503, &TransportError{}, `answered 503 invalid_client`},
		{"empty secret", map[string]any{"CLIENT_ID": testClientID, "env": map[string]any{"CLIENT_SECRET": ""}}, 0,
			&ConfigError{}, `oauth2 authentication clientSecret renders empty: check that env.CLIENT_SECRET has a value (bind or input)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := newTokenServer(t)
			s.status = tt.status
			cl, c, _ := oauthClient(t, s, tt.vars)
			_, err := call(t, cl, c, nil)
			require.Error(t, err)
			assert.IsType(t, tt.wantType, err)
			assert.Contains(t, err.Error(), tt.want)
			assert.NotContains(t, err.Error(), "wrong-s3cret-value")
			secrettest.AssertNone(t, "the error", err.Error())
			s.mu.Lock()
			defer s.mu.Unlock()
			assert.Empty(t, s.apiAuth, "no upstream call without a token")
		})
	}
}

// TestOAuth2AgainstSandbox runs the grant against the Logto emulator, as a
// deployment against Logto's /oidc/token would.
func TestOAuth2AgainstSandbox(t *testing.T) {
	t.Parallel()
	ts := httptest.NewServer(sandbox.New(sandbox.Options{ClientID: "naftiko-m2m", ClientSecret: "sandbox-s3cret"}))
	t.Cleanup(ts.Close)
	c := logtoConsumer()
	c.BaseURI = ts.URL
	c.Authentication = &spec.Auth{
		Type: "oauth2", TokenEndpoint: ts.URL + "/oidc/token", Resource: "https://default.logto.app/api",
		Scopes: []string{"all"}, ClientID: "{{LOGTO_CLIENT_ID}}", ClientSecret: "{{LOGTO_CLIENT_SECRET}}",
	}
	cl := newClient(t, c, Options{Vars: map[string]any{"LOGTO_CLIENT_ID": "naftiko-m2m", "LOGTO_CLIENT_SECRET": "sandbox-s3cret"}})
	resp, err := cl.Call(t.Context(), c.Resources[0].Operations[0], nil)
	require.NoError(t, err)
	assert.Equal(t, 200, resp.Status, string(resp.Body))
}
