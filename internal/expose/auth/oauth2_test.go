package auth

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/naftiko-go/naftiko/internal/expose"
	"github.com/naftiko-go/naftiko/internal/spec"
)

const resource = "https://api.example.com/mcp"

// signer is one signing key of the fake authorization server.
type signer struct {
	kid    string
	method jwt.SigningMethod
	key    crypto.Signer
}

// authServer is a fake OpenID provider with Logto's layout: issuer
// <url>/oidc, metadata below the issuer, keys at <url>/oidc/jwks.
type authServer struct {
	URL       string
	Issuer    string
	signers   map[string]*signer
	jwksHits  atomic.Int32
	mu        sync.Mutex
	published []string // kids in the JWKS
}

var (
	keysOnce sync.Once
	rsaKey   *rsa.PrivateKey
	ec256    *ecdsa.PrivateKey
	ec384    *ecdsa.PrivateKey
	otherRSA *rsa.PrivateKey
)

func testKeys(t *testing.T) {
	t.Helper()
	keysOnce.Do(func() {
		var err error
		rsaKey, err = rsa.GenerateKey(rand.Reader, 2048)
		require.NoError(t, err)
		otherRSA, err = rsa.GenerateKey(rand.Reader, 2048)
		require.NoError(t, err)
		ec256, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		require.NoError(t, err)
		ec384, err = ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
		require.NoError(t, err)
	})
}

func newAuthServer(t *testing.T) *authServer {
	t.Helper()
	testKeys(t)
	s := &authServer{signers: map[string]*signer{
		"rsa1": {"rsa1", jwt.SigningMethodRS256, rsaKey},
		"ec1":  {"ec1", jwt.SigningMethodES256, ec256},
		"ec2":  {"ec2", jwt.SigningMethodES384, ec384}, // Logto's default
	}, published: []string{"rsa1", "ec1", "ec2"}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /oidc/.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		_ = json.NewEncoder(w).Encode(map[string]string{"issuer": s.Issuer, "jwks_uri": s.URL + "/oidc/jwks"})
	})
	mux.HandleFunc("GET /oidc/jwks", func(w http.ResponseWriter, r *http.Request) {
		s.jwksHits.Add(1)
		s.mu.Lock()
		defer s.mu.Unlock()
		var keys []map[string]string
		b64 := func(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }
		for _, kid := range s.published {
			switch k := s.signers[kid].key.Public().(type) {
			case *rsa.PublicKey:
				keys = append(keys, map[string]string{"kty": "RSA", "kid": kid, "use": "sig", "alg": "RS256",
					"n": b64(k.N.Bytes()), "e": b64(big.NewInt(int64(k.E)).Bytes())})
			case *ecdsa.PublicKey:
				raw, err := k.Bytes()
				require.NoError(t, err)
				size := (len(raw) - 1) / 2
				crv := map[int]string{32: "P-256", 48: "P-384"}[size]
				keys = append(keys, map[string]string{"kty": "EC", "kid": kid, "crv": crv, "x": b64(raw[1 : 1+size]), "y": b64(raw[1+size:])})
			}
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"keys": keys})
	})
	ts := httptest.NewServer(mux)
	t.Cleanup(ts.Close)
	s.URL, s.Issuer = ts.URL, ts.URL+"/oidc"
	return s
}

func (s *authServer) publish(kids ...string) {
	s.mu.Lock()
	s.published = kids
	s.mu.Unlock()
}

// now is the fixed clock of the oauth2 tests.
var now = time.Unix(1_800_000_000, 0)

// token signs claims with the key kid; claims default to a valid token.
func (s *authServer) token(t *testing.T, kid string, edit func(jwt.MapClaims)) string {
	t.Helper()
	c := jwt.MapClaims{"iss": s.Issuer, "aud": resource, "sub": "app", "scope": "all read",
		"iat": now.Unix(), "exp": now.Add(time.Hour).Unix()}
	if edit != nil {
		edit(c)
	}
	sg := s.signers[kid]
	tok := jwt.NewWithClaims(sg.method, c)
	tok.Header["kid"] = kid
	out, err := tok.SignedString(sg.key)
	require.NoError(t, err)
	return out
}

func oauthGuard(t *testing.T, s *authServer, a *spec.Auth, clock func() time.Time) *guarded {
	t.Helper()
	if a == nil {
		a = &spec.Auth{Type: "oauth2", AuthorizationServerURI: s.Issuer + "/", Resource: resource, Scopes: []string{"all"}}
	}
	if clock == nil {
		clock = func() time.Time { return now }
	}
	return newGuarded(t, a, Options{Now: clock, ResourceMetadata: true, HTTPClient: &http.Client{Timeout: 5 * time.Second}})
}

func TestOAuth2(t *testing.T) {
	t.Parallel()
	s := newAuthServer(t)
	g := oauthGuard(t, s, nil, nil)
	meta := `resource_metadata="http://127.0.0.1:8080/.well-known/oauth-protected-resource"`
	invalid := func(desc string) string {
		return `Bearer realm="naftiko", error="invalid_token", error_description="` + desc + `", ` + meta
	}
	hs := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{"iss": s.Issuer, "aud": resource, "scope": "all", "exp": now.Add(time.Hour).Unix()})
	hs.Header["kid"] = "rsa1"
	hsToken, err := hs.SignedString([]byte("guessable"))
	require.NoError(t, err)
	forged := s.token(t, "rsa1", nil)
	forged = forged[:len(forged)-4] + "AAAA"

	tests := []struct {
		name      string
		token     string
		status    int
		challenge string
	}{
		{"RS256", s.token(t, "rsa1", nil), 200, ""},
		{"ES256", s.token(t, "ec1", nil), 200, ""},
		{"ES384 as Logto signs", s.token(t, "ec2", nil), 200, ""},
		{"audience in a list", s.token(t, "rsa1", func(c jwt.MapClaims) { c["aud"] = []string{"other", resource} }), 200, ""},
		{"within the clock leeway", s.token(t, "rsa1", func(c jwt.MapClaims) { c["exp"] = now.Add(-10 * time.Second).Unix() }), 200, ""},
		{"missing", "", 401, `Bearer realm="naftiko", ` + meta},
		{"expired", s.token(t, "rsa1", func(c jwt.MapClaims) { c["exp"] = now.Add(-time.Hour).Unix() }), 401, invalid("the token has expired")},
		{"not yet valid", s.token(t, "rsa1", func(c jwt.MapClaims) { c["nbf"] = now.Add(time.Hour).Unix() }), 401, invalid("the token is not valid yet")},
		{"no expiry", s.token(t, "rsa1", func(c jwt.MapClaims) { delete(c, "exp") }), 401, invalid("the token has no expiry")},
		{"other issuer", s.token(t, "rsa1", func(c jwt.MapClaims) { c["iss"] = "https://evil.example.com/oidc" }), 401,
			invalid("the token was not issued by the expected authorization server")},
		{"other audience", s.token(t, "rsa1", func(c jwt.MapClaims) { c["aud"] = "https://default.logto.app/api" }), 401,
			invalid("the token is not meant for this resource")},
		{"bad signature", forged, 401, invalid("the token signature is not valid")},
		{"HS256 with a guessed secret", hsToken, 401, invalid("the token signature is not valid")},
		{"not a JWT", "opaque-token-value", 401, invalid("the token is not a JWT")},
		{"missing scope", s.token(t, "rsa1", func(c jwt.MapClaims) { c["scope"] = "read" }), 403,
			`Bearer realm="naftiko", error="insufficient_scope", scope="all", error_description="the token lacks scope all", ` + meta},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var prepare func(*http.Request)
			if tt.token != "" {
				prepare = header("Authorization", "Bearer "+tt.token)
			}
			w := g.do("/mcp", prepare)
			require.Equal(t, tt.status, w.Code, w.Body.String())
			assertNoSecret(t, w, g.logs.String(), tt.token)
			if tt.status == 200 {
				return
			}
			assert.Equal(t, tt.challenge, w.Header().Get("WWW-Authenticate"))
			var p expose.Problem
			require.NoError(t, json.Unmarshal(w.Body.Bytes(), &p))
			assert.Equal(t, tt.status, p.Status)
			if tt.status == 403 {
				assert.Equal(t, TypeForbidden, p.Type)
			} else {
				assert.Equal(t, TypeUnauthorized, p.Type)
			}
		})
	}
}

func TestOAuth2KeyCache(t *testing.T) {
	t.Parallel()
	s := newAuthServer(t)
	var mu sync.Mutex
	clock := now
	tick := func(d time.Duration) { mu.Lock(); clock = clock.Add(d); mu.Unlock() }
	g := oauthGuard(t, s, nil, func() time.Time { mu.Lock(); defer mu.Unlock(); return clock })

	s.publish("rsa1")
	ok := s.token(t, "rsa1", nil)
	for range 3 {
		require.Equal(t, 200, g.do("/x", header("Authorization", "Bearer "+ok)).Code)
	}
	assert.Equal(t, int32(1), s.jwksHits.Load(), "keys are cached")

	// A key the server does not publish: one refetch, then none for 30s.
	unknown := s.token(t, "ec1", nil)
	tick(31 * time.Second)
	assert.Equal(t, 401, g.do("/x", header("Authorization", "Bearer "+unknown)).Code)
	assert.Equal(t, 401, g.do("/x", header("Authorization", "Bearer "+unknown)).Code)
	assert.Equal(t, int32(2), s.jwksHits.Load(), "unknown kids refetch at most every 30s")

	// A rotated key appears after the rate limit.
	s.publish("rsa1", "ec1")
	tick(31 * time.Second)
	assert.Equal(t, 200, g.do("/x", header("Authorization", "Bearer "+unknown)).Code)
	assert.Equal(t, int32(3), s.jwksHits.Load())

	// After the TTL the keys are fetched again.
	tick(6 * time.Minute)
	fresh := s.token(t, "rsa1", func(c jwt.MapClaims) { c["iat"] = clock.Unix(); c["exp"] = clock.Add(time.Hour).Unix() })
	assert.Equal(t, 200, g.do("/x", header("Authorization", "Bearer "+fresh)).Code)
	assert.Equal(t, int32(4), s.jwksHits.Load())
}

// TestOAuth2FromTokenEndpoint: without authorizationServerUri the issuer is
// found from the token endpoint, as a Logto deployment declares it.
func TestOAuth2FromTokenEndpoint(t *testing.T) {
	t.Parallel()
	s := newAuthServer(t)
	g := oauthGuard(t, s, &spec.Auth{Type: "oauth2", TokenEndpoint: s.URL + "/oidc/token", Audience: resource}, nil)
	assert.Equal(t, 200, g.do("/x", header("Authorization", "Bearer "+s.token(t, "ec2", nil))).Code)
	other := s.token(t, "ec2", func(c jwt.MapClaims) { c["iss"] = s.URL })
	assert.Equal(t, 401, g.do("/x", header("Authorization", "Bearer "+other)).Code)
}

func TestOAuth2KeysUnreachable(t *testing.T) {
	t.Parallel()
	s := newAuthServer(t)
	g := oauthGuard(t, s, &spec.Auth{Type: "oauth2", AuthorizationServerURI: "http://127.0.0.1:1/oidc", Resource: resource}, nil)
	w := g.do("/x", header("Authorization", "Bearer "+s.token(t, "rsa1", nil)))
	assert.Equal(t, 401, w.Code)
	assert.Contains(t, w.Header().Get("WWW-Authenticate"), `error_description="the authorization server's keys could not be fetched"`)
	assert.Contains(t, g.logs.String(), "fetching the authorization server's keys failed")
}

func TestProtectedResourceMetadata(t *testing.T) {
	t.Parallel()
	s := newAuthServer(t)
	g := oauthGuard(t, s, &spec.Auth{Type: "oauth2", AuthorizationServerURI: s.Issuer, Resource: resource, Scopes: []string{"all", "read"}}, nil)
	for _, p := range []string{"/.well-known/oauth-protected-resource", "/.well-known/oauth-protected-resource/mcp"} {
		w := g.do(p, nil)
		require.Equal(t, 200, w.Code, p)
		assert.JSONEq(t, `{"resource":"`+resource+`","authorization_servers":["`+s.Issuer+`"],
			"scopes_supported":["all","read"],"bearer_methods_supported":["header"]}`, w.Body.String())
	}
	// Without the option (a REST adapter) the path is protected like any other.
	plain := newGuarded(t, &spec.Auth{Type: "oauth2", AuthorizationServerURI: s.Issuer, Resource: resource}, Options{Now: func() time.Time { return now }})
	w := plain.do("/.well-known/oauth-protected-resource", nil)
	assert.Equal(t, 401, w.Code)
	assert.Equal(t, `Bearer realm="naftiko"`, w.Header().Get("WWW-Authenticate"))
}
