package engine_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/naftiko-go/naftiko/internal/engine"
	"github.com/naftiko-go/naftiko/internal/expose"
)

const forwardCapability = `naftiko: 1.0.0-alpha2
binds:
  - namespace: env
    keys: {REGISTRY_TOKEN: REGISTRY_TOKEN}
capability:
  consumes:
    - namespace: registry
      type: http
      baseUri: http://registry.invalid
      authentication: {type: bearer, token: "{{REGISTRY_TOKEN}}"}
      inputParameters:
        - {name: Registry-Version, in: header, value: "2026-03-03"}
      resources:
        - name: ships
          path: /ships
          operations:
            - {name: list-ships, method: GET}
  exposes:
    - type: rest
      namespace: proxy-rest
      port: 1
      resources:
        - path: /proxy/{path}
          forward:
            targetNamespace: registry
            trustedHeaders: [X-Trace-Id, accept]
`

// TestForward checks REST forward (reference §1.10) through the engine
// entry point the REST adapter calls.
func TestForward(t *testing.T) {
	up := newFakeShipyard(t)
	doc := loadCapability(t, writeCapability(t, forwardCapability, nil))
	eng, diags := buildDoc(t, doc, up.url, func(o *engine.Options) {
		o.LookupEnv = func(k string) (string, bool) { return "tok-123", k == "REGISTRY_TOKEN" }
	})
	require.False(t, diags.HasErrors(), diags.Error())
	adapter := doc.Capability.Exposes[0]
	res := adapter.Rest.Resources[0]

	forward := func(method, target, path, body string, header map[string]string) (*expose.Result, error) {
		r := httptest.NewRequestWithContext(t.Context(), method, target, strings.NewReader(body))
		for k, v := range header {
			r.Header.Set(k, v)
		}
		return eng.Forward(t.Context(), adapter, res, path, r)
	}

	t.Run("GET: rest of the path, query, trusted headers only, consumer auth and parameters", func(t *testing.T) {
		got, err := forward("GET", "/proxy/ships?status=laid_up", "ships", "",
			map[string]string{"X-Trace-Id": "abc", "X-Private": "no", "Authorization": "Bearer caller", "Accept": "application/json"})
		require.NoError(t, err)
		assert.Equal(t, 200, got.Status)
		assert.Equal(t, "application/json", got.ContentType)
		assert.Contains(t, string(got.Body), "Harbour Lark")
		assert.NotContains(t, string(got.Body), "Northern Star", "the query was forwarded")

		r := up.last(t, "/ships")
		assert.Equal(t, "status=laid_up", r.RawQuery)
		assert.Equal(t, "abc", r.Header.Get("X-Trace-Id"))
		assert.Equal(t, "application/json", r.Header.Get("Accept"))
		assert.Empty(t, r.Header.Get("X-Private"), "untrusted headers stay behind")
		assert.Equal(t, "Bearer tok-123", r.Header.Get("Authorization"), "the consumer's credentials, not the caller's")
		assert.Equal(t, "2026-03-03", r.Header.Get("Registry-Version"))
	})
	t.Run("POST: same method, body and content type passed through, status returned", func(t *testing.T) {
		got, err := forward("POST", "/proxy/voyages", "voyages", `{"shipImo":"IMO-9321483"}`, map[string]string{"Content-Type": "application/json"})
		require.NoError(t, err)
		assert.Equal(t, http.StatusCreated, got.Status)
		assert.JSONEq(t, `{"shipImo":"IMO-9321483","voyageId":"VOY-2026-043","status":"planned"}`, string(got.Body))
		r := up.last(t, "/voyages")
		assert.Equal(t, "POST", r.Method)
		assert.JSONEq(t, `{"shipImo":"IMO-9321483"}`, r.Body)
		assert.Equal(t, "application/json", r.Header.Get("Content-Type"))
	})
	t.Run("upstream errors pass through", func(t *testing.T) {
		got, err := forward("GET", "/proxy/ships/IMO-1", "ships/IMO-1", "", nil)
		require.NoError(t, err)
		assert.Equal(t, 404, got.Status)
		assert.JSONEq(t, `{"error":"ship not found","imo":"IMO-1"}`, string(got.Body))
	})
	t.Run("a path that climbs is refused", func(t *testing.T) {
		before := len(up.requests())
		for _, p := range []string{"../admin", "ships/%2E%2E/x", "."} {
			_, err := forward("GET", "/proxy/x", p, "", nil)
			var xe *expose.Error
			require.True(t, errors.As(err, &xe), p)
			assert.Equal(t, expose.KindInput, xe.Kind, p)
		}
		assert.Len(t, up.requests(), before, "nothing was sent")
	})
	t.Run("an escaped slash stays inside its segment", func(t *testing.T) {
		_, err := forward("GET", "/proxy/ships/a%2Fb", "ships/a%2Fb", "", nil)
		require.NoError(t, err)
		up.last(t, "/ships/a%2Fb")
	})
}

// TestForwardOverREST checks forward through the REST adapter: the rest of
// the URL (several segments) reaches the consumer, and unknown methods of a
// forward resource are forwarded rather than refused.
func TestForwardOverREST(t *testing.T) {
	up := newFakeShipyard(t)
	urls := serveYAML(t, forwardCapability, nil, up.url, func(o *engine.Options) {
		o.LookupEnv = func(k string) (string, bool) { return "tok-123", k == "REGISTRY_TOKEN" }
	})
	base := urls["proxy-rest"]

	got := do(t, "GET", base+"/proxy/ships?status=laid_up", "")
	assert.Equal(t, http.StatusOK, got.status)
	assert.Contains(t, got.body, "Harbour Lark")
	assert.Equal(t, "status=laid_up", up.last(t, "/ships").RawQuery)

	got = do(t, "GET", base+"/proxy/ships/IMO-1", "")
	assert.Equal(t, http.StatusNotFound, got.status, "several segments are captured and the upstream status passes through")
	up.last(t, "/ships/IMO-1")

	got = do(t, "POST", base+"/proxy/voyages", `{"shipImo":"IMO-9321483"}`)
	assert.Equal(t, http.StatusCreated, got.status)

	got = do(t, "GET", base+"/proxy/ships/%2E%2E/admin", "")
	assert.Equal(t, http.StatusBadRequest, got.status)
	assert.Equal(t, problemType, got.header.Get("Content-Type"))
}
