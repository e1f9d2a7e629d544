package consume

import (
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/naftiko-go/naftiko/internal/spec"
)

func TestResolveBaseURI(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		raw  string
		vars map[string]any
		env  map[string]string
		want string // the resolved URL; "" when an error is expected
		err  string // exact error text
	}{
		{name: "bracket from upper-cased env", raw: "https://[tenant_id].logto.app",
			env: map[string]string{"TENANT_ID": "acme"}, want: "https://acme.logto.app"},
		{name: "bracket from bind of the same name", raw: "https://[tenant_id].logto.app",
			vars: map[string]any{"tenant_id": "fromvar"}, env: map[string]string{"TENANT_ID": "fromenv"}, want: "https://fromvar.logto.app"},
		{name: "bracket from upper-cased bind", raw: "https://[tenant_id].logto.app",
			vars: map[string]any{"TENANT_ID": "upper"}, want: "https://upper.logto.app"},
		{name: "unresolved bracket", raw: "https://[tenant_id].logto.app",
			err: `base URI "https://[tenant_id].logto.app" of consumer "logto-organization-invitations": placeholder [tenant_id] is not set; set environment variable TENANT_ID or pass --base-uri logto-organization-invitations=URL`},
		{name: "empty env counts as unset", raw: "https://[tenant_id].logto.app", env: map[string]string{"TENANT_ID": ""},
			err: `base URI "https://[tenant_id].logto.app" of consumer "logto-organization-invitations": placeholder [tenant_id] is not set; set environment variable TENANT_ID or pass --base-uri logto-organization-invitations=URL`},
		{name: "mustache from bind", raw: "https://{{HOST}}/v1", vars: map[string]any{"HOST": "api.example.com"}, want: "https://api.example.com/v1"},
		{name: "qualified mustache from bind", raw: "https://{{env.HOST}}/v1", vars: map[string]any{"env": map[string]any{"HOST": "q.example.com"}}, want: "https://q.example.com/v1"},
		{name: "mustache from env", raw: "https://{{HOST}}/v1", env: map[string]string{"HOST": "e.example.com"}, want: "https://e.example.com/v1"},
		{name: "qualified mustache from the env variable the error names", raw: "https://{{env.HOST}}/v1",
			env: map[string]string{"HOST": "qe.example.com"}, want: "https://qe.example.com/v1"},
		{name: "several unresolved", raw: "https://[tenant_id].{{REGION}}.example.com",
			err: `base URI "https://[tenant_id].{{REGION}}.example.com" of consumer "logto-organization-invitations": placeholders {{REGION}}, [tenant_id] are not set; set environment variables REGION, TENANT_ID or pass --base-uri logto-organization-invitations=URL`},
		{name: "brace from upper-cased env", raw: "https://{store_name}.myshopify.com/admin",
			env: map[string]string{"STORE_NAME": "shop"}, want: "https://shop.myshopify.com/admin"},
		{name: "dollar brace from env", raw: "https://${PS_HOST}:${PS_PORT}/psft",
			env: map[string]string{"PS_HOST": "ps.example.com", "PS_PORT": "8443"}, want: "https://ps.example.com:8443/psft"},
		{name: "brace from bind", raw: "https://{subdomain}.example.com", vars: map[string]any{"subdomain": "eu"}, want: "https://eu.example.com"},
		{name: "unresolved brace and dollar brace", raw: "https://{sub-domain}.${SITE}",
			err: `base URI "https://{sub-domain}.${SITE}" of consumer "logto-organization-invitations": placeholders {sub-domain}, ${SITE} are not set; set environment variables SUB_DOMAIN, SITE or pass --base-uri logto-organization-invitations=URL`},
		{name: "empty", raw: "",
			err: `consumer "logto-organization-invitations" has no base URI; pass --base-uri logto-organization-invitations=URL`},
		{name: "trailing slash dropped", raw: "https://api.example.com/v1/", want: "https://api.example.com/v1"},
		{name: "IPv6 literal is not a placeholder", raw: "http://[::1]:8080/x", want: "http://[::1]:8080/x"},
		{name: "not http", raw: "ftp://files.example.com",
			err: `base URI "ftp://files.example.com" of consumer "logto-organization-invitations" is not a valid http(s) URL`},
		{name: "relative", raw: "/just/a/path",
			err: `base URI "/just/a/path" of consumer "logto-organization-invitations" is not a valid http(s) URL`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			u, err := resolveBaseURI("logto-organization-invitations", tt.raw, tt.vars, env(tt.env))
			if tt.err != "" {
				require.EqualError(t, err, tt.err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, u.String())
		})
	}
}

func TestNewBaseURIErrors(t *testing.T) {
	t.Parallel()
	_, err := New(logtoConsumer(), Options{Vars: logtoVars(), LookupEnv: env(nil)})
	var be *BaseURIError
	require.ErrorAs(t, err, &be)
	assert.Equal(t, []string{"[tenant_id]"}, be.Placeholders)
	assert.Equal(t, []string{"TENANT_ID"}, be.EnvVars)

	// Validate mode: New succeeds, Call fails without sending anything.
	cl, err := New(logtoConsumer(), Options{Vars: logtoVars(), LookupEnv: env(nil), AllowUnresolved: true})
	require.NoError(t, err)
	_, err = cl.Call(t.Context(), cl.Operation("getorganizationinvitation"), map[string]any{"id": "x"})
	var te *TransportError
	require.ErrorAs(t, err, &te)
	require.ErrorAs(t, err, &be)
	assert.Contains(t, err.Error(), "TENANT_ID")

	// The override replaces the file's base URI, placeholders and all.
	cl, err = New(logtoConsumer(), Options{BaseURI: "https://override.example.com/", Vars: logtoVars(), LookupEnv: env(nil)})
	require.NoError(t, err)
	assert.Equal(t, "https://override.example.com", cl.base.String())
}

// TestBaseURIJoin checks that joining never doubles or drops a slash and that
// a resolved placeholder reaches the wire.
func TestBaseURIJoin(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		basePath string // appended to the upstream's URL
		path     string
		env      map[string]string
		want     string
	}{
		{"no base path", "", "/api/x", nil, "/api/x"},
		{"base trailing slash", "/", "/api/x", nil, "/api/x"},
		{"base path trailing slash", "/v1/", "/api/x", nil, "/v1/api/x"},
		{"base path, relative resource path", "/v1", "api/x", nil, "/v1/api/x"},
		{"base path, many slashes", "/v1//", "/api/x", nil, "/v1/api/x"},
		{"resource trailing slash kept", "/v1", "/api/x/", nil, "/v1/api/x/"},
		{"empty resource path", "/v1", "", nil, "/v1"},
		{"root resource path", "/v1", "/", nil, "/v1/"},
		{"escaped base path kept", "/a%2Fb", "/c", nil, "/a%2Fb/c"},
		{"bracket in base path", "/t/[tenant_id]/", "/api", map[string]string{"TENANT_ID": "acme"}, "/t/acme/api"},
		{"literal characters escaped", "", "/a b/ü", nil, "/a%20b/%C3%BC"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			up := newUpstream(t, 200, nil, "")
			c := simpleConsumer(up.URL+tt.basePath, tt.path, &spec.ConsumedOperation{})
			cl := newClient(t, c, Options{LookupEnv: env(tt.env)})
			_, err := call(t, cl, c, nil)
			require.NoError(t, err)
			assert.Equal(t, tt.want, up.next(t).RawPath)
		})
	}
}

// TestResourcePathQuery covers a query written in the resource path.
func TestResourcePathQuery(t *testing.T) {
	t.Parallel()
	up := newUpstream(t, 200, nil, "")
	c := simpleConsumer(up.URL+"?v=2", "/search?q={{term}}&format=json", &spec.ConsumedOperation{
		InputParameters: []*spec.ConsumedParam{{Name: "page", In: "query"}},
	})
	cl := newClient(t, c, Options{})
	_, err := call(t, cl, c, map[string]any{"term": "a b&c", "page": 2})
	require.NoError(t, err)
	got := up.next(t)
	assert.Equal(t, "/search", got.RawPath)
	assert.Equal(t, "v=2&q=a+b%26c&format=json&page=2", got.RawQuery)
	q, err := url.ParseQuery(got.RawQuery)
	require.NoError(t, err)
	assert.Equal(t, "a b&c", q.Get("q"))
	assert.False(t, strings.Contains(got.RawPath, "{"))
}
