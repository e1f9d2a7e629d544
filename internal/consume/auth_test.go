package consume

import (
	"encoding/base64"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/naftiko-go/naftiko/internal/spec"
)

func TestAuthentication(t *testing.T) {
	t.Parallel()
	vars := map[string]any{"API_KEY": "key with space&amp", "USER": "ada", "PASS": "p@ss:word", "env": map[string]any{"TOKEN": "bind-token"}}
	tests := []struct {
		name      string
		auth      *spec.Auth
		params    map[string]any
		wantHdr   map[string]string
		wantQuery string
	}{
		{"bearer from qualified bind", &spec.Auth{Type: "bearer", Token: "{{env.TOKEN}}"}, nil,
			map[string]string{"Authorization": "Bearer bind-token"}, ""},
		{"bearer from input", &spec.Auth{Type: "bearer", Token: "{{token}}"}, map[string]any{"token": "caller-token"},
			map[string]string{"Authorization": "Bearer caller-token"}, ""},
		{"apikey header", &spec.Auth{Type: "apikey", Key: "X-API-Key", Value: "{{API_KEY}}", Placement: "header"}, nil,
			map[string]string{"X-API-Key": "key with space&amp"}, ""},
		{"apikey default placement is header", &spec.Auth{Type: "apikey", Key: "X-API-Key", Value: "{{API_KEY}}"}, nil,
			map[string]string{"X-API-Key": "key with space&amp"}, ""},
		{"apikey query is encoded", &spec.Auth{Type: "apikey", Key: "api_key", Value: "{{API_KEY}}", Placement: "query"}, nil,
			nil, "q=1&api_key=key+with+space%26amp"},
		{"basic", &spec.Auth{Type: "basic", Username: "{{USER}}", Password: "{{PASS}}"}, nil,
			map[string]string{"Authorization": "Basic " + base64.StdEncoding.EncodeToString([]byte("ada:p@ss:word"))}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			up := newUpstream(t, 200, nil, "")
			c := simpleConsumer(up.URL, "/p", &spec.ConsumedOperation{})
			c.Authentication = tt.auth
			if tt.wantQuery != "" {
				c.InputParameters = []*spec.ConsumedParam{{Name: "q", In: "query", Value: "1", HasValue: true}}
			}
			cl := newClient(t, c, Options{Vars: vars})
			_, err := call(t, cl, c, tt.params)
			require.NoError(t, err)
			got := up.next(t)
			for k, v := range tt.wantHdr {
				assert.Equal(t, v, got.Header.Get(k), k)
			}
			assert.Equal(t, tt.wantQuery, got.RawQuery)
		})
	}
}

func TestAuthenticationConfigErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		auth *spec.Auth
		want string
	}{
		{"oauth2 without token endpoint", &spec.Auth{Type: "oauth2", AuthorizationServerURI: "https://as"},
			`consumer "test-api": oauth2 authentication of an upstream needs tokenEndpoint (the client-credentials grant)`},
		{"oauth2 without client", &spec.Auth{Type: "oauth2", TokenEndpoint: "https://as/token", ClientID: "{{ID}}"},
			`consumer "test-api": oauth2 authentication of an upstream needs clientId and clientSecret`},
		{"apikey cookie", &spec.Auth{Type: "apikey", Key: "k", Value: "v", Placement: "cookie"}, `consumer "test-api": authentication placement "cookie": want header or query`},
		{"apikey without key", &spec.Auth{Type: "apikey", Value: "v"}, `consumer "test-api": apikey authentication has no key`},
		{"unknown type", &spec.Auth{Type: "hawk"}, `consumer "test-api": not supported yet: authentication type "hawk"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := simpleConsumer("http://127.0.0.1:1", "/p", &spec.ConsumedOperation{})
			c.Authentication = tt.auth
			_, err := New(c, Options{LookupEnv: env(nil)})
			require.EqualError(t, err, tt.want)
		})
	}
}

// TestEmptyCredential checks that a credential rendering empty stops the call
// with a message naming the variable, and nothing is sent.
func TestEmptyCredential(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		auth *spec.Auth
		want string
	}{
		{"bearer", &spec.Auth{Type: "bearer", Token: "{{env.LOGTO_API_KEY}}"},
			`consumer "test-api" operation "op": bearer authentication token renders empty: check that env.LOGTO_API_KEY has a value (bind or input)`},
		{"apikey", &spec.Auth{Type: "apikey", Key: "X-Key", Value: "{{KEY}}"},
			`consumer "test-api" operation "op": apikey authentication value renders empty: check that KEY has a value (bind or input)`},
		{"basic", &spec.Auth{Type: "basic", Username: "{{USER}}", Password: "x"},
			`consumer "test-api" operation "op": basic authentication username renders empty: check that USER has a value (bind or input)`},
		{"literal empty", &spec.Auth{Type: "bearer"}, `consumer "test-api" operation "op": bearer authentication token is empty`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			up := newUpstream(t, 200, nil, "")
			c := simpleConsumer(up.URL, "/p", &spec.ConsumedOperation{})
			c.Authentication = tt.auth
			cl := newClient(t, c, Options{Vars: map[string]any{"env": map[string]any{"LOGTO_API_KEY": ""}}})
			_, err := call(t, cl, c, nil)
			var ce *ConfigError
			require.ErrorAs(t, err, &ce)
			assert.EqualError(t, err, tt.want)
			up.none(t)
		})
	}
}
