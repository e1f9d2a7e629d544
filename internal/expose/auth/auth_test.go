package auth

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/naftiko-go/naftiko/internal/spec"
)

const (
	secretToken = "inb0und-t0ken-value"
	secretKey   = "inb0und-api-key"
	secretPass  = "inb0und-pa55word"
)

func vars() map[string]any {
	return map[string]any{
		"API_TOKEN": secretToken, "API_KEY": secretKey, "USER": "ada",
		"env": map[string]any{"PASS": secretPass},
	}
}

func TestStaticSchemes(t *testing.T) {
	t.Parallel()
	bearer := &spec.Auth{Type: "bearer", Token: "{{API_TOKEN}}"}
	apiHeader := &spec.Auth{Type: "apikey", Key: "X-API-Key", Value: "{{API_KEY}}"}
	apiQuery := &spec.Auth{Type: "apikey", Key: "api_key", Value: "{{API_KEY}}", Placement: "query"}
	basicAuth := &spec.Auth{Type: "basic", Username: "{{USER}}", Password: "{{env.PASS}}"}
	tests := []struct {
		name      string
		auth      *spec.Auth
		target    string
		prepare   func(*http.Request)
		status    int
		challenge string
		detail    string
	}{
		{"bearer ok", bearer, "/x", header("Authorization", "Bearer "+secretToken), 200, "", ""},
		{"bearer scheme is case-insensitive", bearer, "/x", header("Authorization", "bearer "+secretToken), 200, "", ""},
		{"bearer missing", bearer, "/x", nil, 401, `Bearer realm="naftiko"`, "an Authorization: Bearer header is required"},
		{"bearer wrong", bearer, "/x", header("Authorization", "Bearer "+secretToken+"x"), 401,
			`Bearer realm="naftiko", error="invalid_token"`, "the bearer token is not valid"},
		{"bearer empty", bearer, "/x", header("Authorization", "Bearer "), 401,
			`Bearer realm="naftiko", error="invalid_token"`, "the bearer token is not valid"},
		{"bearer under another scheme", bearer, "/x", header("Authorization", "Token "+secretToken), 401,
			`Bearer realm="naftiko", error="invalid_token"`, "the bearer token is not valid"},
		{"apikey header ok", apiHeader, "/x", header("X-Api-Key", secretKey), 200, "", ""},
		{"apikey header missing", apiHeader, "/x", nil, 401, `APIKey realm="naftiko", in="header", name="X-API-Key"`,
			"an API key is required in header X-API-Key"},
		{"apikey header wrong", apiHeader, "/x", header("X-API-Key", "nope"), 401, `APIKey realm="naftiko", in="header", name="X-API-Key"`,
			"the API key in header X-API-Key is not valid"},
		{"apikey query ok", apiQuery, "/x?a=1&api_key=" + secretKey, nil, 200, "", ""},
		{"apikey query in a header does not count", apiQuery, "/x", header("api_key", secretKey), 401,
			`APIKey realm="naftiko", in="query", name="api_key"`, "an API key is required in query parameter api_key"},
		{"apikey query twice", apiQuery, "/x?api_key=" + secretKey + "&api_key=" + secretKey, nil, 401,
			`APIKey realm="naftiko", in="query", name="api_key"`, "the API key in query parameter api_key is not valid"},
		{"basic ok", basicAuth, "/x", basic("ada", secretPass), 200, "", ""},
		{"basic wrong password", basicAuth, "/x", basic("ada", "nope"), 401, `Basic realm="naftiko", charset="UTF-8"`,
			"the username or password is not valid"},
		{"basic wrong user", basicAuth, "/x", basic("bob", secretPass), 401, `Basic realm="naftiko", charset="UTF-8"`,
			"the username or password is not valid"},
		{"basic missing", basicAuth, "/x", nil, 401, `Basic realm="naftiko", charset="UTF-8"`, "an Authorization: Basic header is required"},
		{"basic malformed", basicAuth, "/x", header("Authorization", "Basic %%%"), 401, `Basic realm="naftiko", charset="UTF-8"`,
			"the Authorization header is not Basic credentials"},
		{"basic as bearer", basicAuth, "/x", header("Authorization", "Bearer "+secretPass), 401, `Basic realm="naftiko", charset="UTF-8"`,
			"the Authorization header is not Basic credentials"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			g := newGuarded(t, tt.auth, Options{Vars: vars()})
			w := g.do(tt.target, tt.prepare)
			require.Equal(t, tt.status, w.Code)
			assertNoSecret(t, w, g.logs.String(), secretToken, secretKey, secretPass)
			if tt.status == 200 {
				r := g.seen.last(t)
				assert.Empty(t, r.Header.Get("Authorization"), "the credential is not passed on")
				assert.Empty(t, r.Header.Get("X-API-Key"))
				assert.NotContains(t, r.URL.RawQuery, secretKey)
				assert.NotContains(t, r.RequestURI, secretKey)
				return
			}
			assert.Equal(t, tt.challenge, w.Header().Get("WWW-Authenticate"))
			assert.Equal(t, "application/problem+json", w.Header().Get("Content-Type"))
			var p map[string]any
			require.NoError(t, json.Unmarshal(w.Body.Bytes(), &p))
			assert.Equal(t, map[string]any{"type": TypeUnauthorized, "title": "Unauthorized", "status": 401.0, "detail": tt.detail}, p)
			assert.Contains(t, g.logs.String(), "request refused")
			g.seen.mu.Lock()
			assert.Empty(t, g.seen.requests, "a refused request never reaches the adapter")
			g.seen.mu.Unlock()
		})
	}
}

func TestQueryKeyIsStripped(t *testing.T) {
	t.Parallel()
	g := newGuarded(t, &spec.Auth{Type: "apikey", Key: "api_key", Value: "{{API_KEY}}", Placement: "query"}, Options{Vars: vars()})
	w := g.do("/x?a=1&api_key="+secretKey+"&b=2", nil)
	require.Equal(t, 200, w.Code)
	r := g.seen.last(t)
	assert.Equal(t, "a=1&b=2", r.URL.RawQuery)
	assert.Equal(t, "/x?a=1&b=2", r.RequestURI)
}

func TestNewErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name         string
		auth         *spec.Auth
		opts         Options
		want         string
		notSupported bool
	}{
		{"digest", &spec.Auth{Type: "digest", Username: "u", Password: "p"}, Options{},
			"not supported yet: digest authentication of an exposed adapter", true},
		{"introspection", &spec.Auth{Type: "oauth2", AuthorizationServerURI: "https://as", Resource: "r", TokenValidation: "introspection"}, Options{},
			"not supported yet: oauth2 tokenValidation introspection (use jwks)", true},
		{"unknown", &spec.Auth{Type: "hawk"}, Options{}, `not supported yet: authentication type "hawk" on an exposed adapter`, true},
		{"empty bind", &spec.Auth{Type: "bearer", Token: "{{API_TOKEN}}"}, Options{Vars: map[string]any{"API_TOKEN": ""}},
			"bearer authentication token renders empty: check that API_TOKEN has a value (bind)", false},
		{"no token at all", &spec.Auth{Type: "bearer"}, Options{}, "bearer authentication token is empty", false},
		{"apikey without key", &spec.Auth{Type: "apikey", Value: "v"}, Options{}, "apikey authentication has no key", false},
		{"apikey placement", &spec.Auth{Type: "apikey", Key: "k", Value: "v", Placement: "cookie"}, Options{},
			`apikey authentication placement "cookie": want header or query`, false},
		{"oauth2 without server", &spec.Auth{Type: "oauth2", Resource: "r"}, Options{},
			"oauth2 authentication needs authorizationServerUri (or tokenEndpoint) as an http(s) URL", false},
		{"oauth2 without audience", &spec.Auth{Type: "oauth2", AuthorizationServerURI: "https://as"}, Options{},
			"oauth2 authentication needs resource or audience: tokens for other APIs must not pass", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := New(tt.auth, tt.opts)
			require.EqualError(t, err, tt.want)
			assert.Equal(t, tt.notSupported, errors.Is(err, ErrNotSupported))
		})
	}
}

// TestUnresolvedRefusesEverything: in validate mode a Guard builds without
// bind values, and would refuse every request, even an empty token.
func TestUnresolvedRefusesEverything(t *testing.T) {
	t.Parallel()
	g := newGuarded(t, &spec.Auth{Type: "bearer", Token: "{{API_TOKEN}}"}, Options{AllowUnresolved: true})
	assert.Equal(t, 401, g.do("/x", header("Authorization", "Bearer ")).Code)
	assert.Equal(t, 401, g.do("/x", header("Authorization", "Bearer x")).Code)
	b := newGuarded(t, &spec.Auth{Type: "basic", Username: "{{U}}", Password: "{{P}}"}, Options{AllowUnresolved: true})
	assert.Equal(t, 401, b.do("/x", basic("", "")).Code)
}

// TestEnvironmentWithoutBinds: a file without binds reads the environment,
// as the reference engine does.
func TestEnvironmentWithoutBinds(t *testing.T) {
	t.Parallel()
	lookup := func(k string) (string, bool) {
		if k == "API_TOKEN" {
			return secretToken, true
		}
		return "", false
	}
	g := newGuarded(t, &spec.Auth{Type: "bearer", Token: "{{API_TOKEN}}"}, Options{LookupEnv: lookup})
	assert.Equal(t, 200, g.do("/x", header("Authorization", "Bearer "+secretToken)).Code)
	// With binds declared, the environment is not read.
	_, err := New(&spec.Auth{Type: "bearer", Token: "{{API_TOKEN}}"}, Options{LookupEnv: lookup, Vars: map[string]any{"OTHER": "x"}})
	require.Error(t, err)
}

// TestRefusalCarriesRequestID: a refusal's problem document repeats the
// request id the engine put in the response header, as every other error
// answer of the adapters does, and is not cached.
func TestRefusalCarriesRequestID(t *testing.T) {
	t.Parallel()
	g := newGuarded(t, &spec.Auth{Type: "basic", Username: "{{USER}}", Password: "{{env.PASS}}"}, Options{Vars: vars()})
	w := httptest.NewRecorder()
	w.Header().Set("X-Request-Id", "req-42")
	g.h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "http://127.0.0.1:8080/x", nil))
	require.Equal(t, http.StatusUnauthorized, w.Code)
	var p map[string]any
	require.NoError(t, json.Unmarshal(w.Body.Bytes(), &p))
	assert.Equal(t, "req-42", p["requestId"])
	assert.Equal(t, "no-store", w.Header().Get("Cache-Control"))
	assert.Equal(t, "application/problem+json", w.Header().Get("Content-Type"))
}
