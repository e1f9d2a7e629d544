package rest

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/naftiko-go/naftiko/internal/expose/exposetest"
	"github.com/naftiko-go/naftiko/internal/spec"
)

// declaredAdapter is a REST adapter whose operation declares inputs of every
// location; the resource declares one more that the operation overrides.
func declaredAdapter() *spec.Expose {
	op := &spec.RestOperation{
		Endpoint: spec.Endpoint{Name: "update", Call: "up.update"},
		Method:   "PUT",
		InputParameters: []*spec.ExposedParam{
			{Name: "id", In: "path", Type: "string", Pattern: `^inv_[a-z0-9]+$`},
			{Name: "limit", In: "query", Type: "integer"},
			{Name: "ratio", In: "query", Type: "number"},
			{Name: "dry", In: "query", Type: "boolean"},
			{Name: "tags", In: "query", Type: "array"},
			{Name: "X-Tenant", In: "header", Type: "string", Required: true, HasRequired: true},
			{Name: "session", In: "cookie", Type: "string"},
			{Name: "status", In: "body", Type: "string", Pattern: `^(Accepted|Revoked)$`},
			{Name: "acceptedUserId", In: "body", Value: "$.user.id", HasValue: true, Type: "string"},
			{Name: "meta", In: "body", Type: "object"},
			{Name: "source", In: "query", Value: "api", HasValue: true},
		},
	}
	res := &spec.RestResource{
		Path: "/v1/invitations/{{id}}/{{kind}}",
		InputParameters: []*spec.ExposedParam{
			{Name: "limit", In: "query", Type: "string"}, // replaced by the operation's
			{Name: "region", In: "query", Type: "string"},
		},
		Operations: []*spec.RestOperation{op},
	}
	op.Resource = res
	return &spec.Expose{Type: "rest", Namespace: "declared", Rest: &spec.RestAdapter{Resources: []*spec.RestResource{res}}}
}

func TestDeclaredInputs(t *testing.T) {
	t.Parallel()
	const okPath = "/v1/invitations/inv_1/k"
	tests := []struct {
		name       string
		path       string
		body       string
		headers    []string
		wantStatus int
		wantParam  string
		wantDetail string
		wantValues map[string]any
	}{
		{
			name: "all present", path: okPath + "?limit=10&ratio=0.5&dry=true&tags=%5B%22a%22%5D&region=eu&other=x",
			body:       `{"status":"Accepted","user":{"id":"u1"},"meta":{"k":1}}`,
			headers:    []string{"x-tenant", "t1", "Cookie", "session=s1", "X-Other", "o"},
			wantStatus: 200,
			wantValues: map[string]any{
				"id": "inv_1", "limit": json.Number("10"), "ratio": json.Number("0.5"), "dry": true,
				"tags": []any{"a"}, "X-Tenant": "t1", "session": "s1", "status": "Accepted",
				"acceptedUserId": "u1", "meta": map[string]any{"k": json.Number("1")}, "source": "api", "region": "eu",
				"kind": "k", // an undeclared route variable
			},
		},
		{
			name: "only required", path: okPath, headers: []string{"X-Tenant", "t1"}, wantStatus: 200,
			wantValues: map[string]any{"id": "inv_1", "kind": "k", "X-Tenant": "t1", "source": "api"},
		},
		{name: "missing required header", path: okPath, wantStatus: 400, wantParam: "X-Tenant",
			wantDetail: `parameter "X-Tenant" (in header) is required (string)`},
		{name: "path pattern", path: "/v1/invitations/bad/k", headers: []string{"X-Tenant", "t"}, wantStatus: 400, wantParam: "id",
			wantDetail: `parameter "id" (in path) must match the pattern ^inv_[a-z0-9]+$`},
		{name: "integer query", path: okPath + "?limit=ten", headers: []string{"X-Tenant", "t"}, wantStatus: 400, wantParam: "limit",
			wantDetail: `parameter "limit" (in query) must be an integer, got "ten"`},
		{name: "fractional integer", path: okPath + "?limit=1.5", headers: []string{"X-Tenant", "t"}, wantStatus: 400, wantParam: "limit"},
		{name: "number query", path: okPath + "?ratio=half", headers: []string{"X-Tenant", "t"}, wantStatus: 400, wantParam: "ratio"},
		{name: "boolean query", path: okPath + "?dry=yes", headers: []string{"X-Tenant", "t"}, wantStatus: 400, wantParam: "dry",
			wantDetail: `parameter "dry" (in query) must be a boolean (true or false), got "yes"`},
		{name: "array query", path: okPath + "?tags=a", headers: []string{"X-Tenant", "t"}, wantStatus: 400, wantParam: "tags"},
		{name: "body type", path: okPath, body: `{"status":3}`, headers: []string{"X-Tenant", "t"}, wantStatus: 400, wantParam: "status",
			wantDetail: `parameter "status" (in body) must be a string, got integer`},
		{name: "body pattern", path: okPath, body: `{"status":"Maybe"}`, headers: []string{"X-Tenant", "t"}, wantStatus: 400, wantParam: "status"},
		{name: "body object type", path: okPath, body: `{"meta":[1]}`, headers: []string{"X-Tenant", "t"}, wantStatus: 400, wantParam: "meta",
			wantDetail: `parameter "meta" (in body) must be an object, got array`},
		{name: "jsonpath type", path: okPath, body: `{"user":{"id":7}}`, headers: []string{"X-Tenant", "t"}, wantStatus: 400, wantParam: "acceptedUserId"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			inv := &exposetest.FakeInvoker{}
			srv := serve(t, declaredAdapter(), inv, Options{})
			ct := ""
			if tt.body != "" {
				ct = "application/json"
			}
			r := do(t, srv, "PUT", tt.path, ct, tt.body, tt.headers...)
			require.Equal(t, tt.wantStatus, r.status, r.body)
			if tt.wantStatus != http.StatusOK {
				p := decodeProblem(t, r)
				assert.Equal(t, typeBadInput, p.Type)
				assert.Equal(t, tt.wantParam, p.Param)
				if tt.wantDetail != "" {
					assert.Equal(t, tt.wantDetail, p.Detail)
				}
				assert.Empty(t, inv.Recorded())
				return
			}
			calls := inv.Recorded()
			require.Len(t, calls, 1)
			assert.Equal(t, tt.wantValues, calls[0].Inputs.Values, "only declared inputs, converted")
		})
	}
}

func TestNewRejectsBadAdapters(t *testing.T) {
	t.Parallel()
	adapter := func(path string, methods ...string) *spec.Expose {
		res := &spec.RestResource{Path: path}
		for _, m := range methods {
			res.Operations = append(res.Operations, &spec.RestOperation{Method: m, Endpoint: spec.Endpoint{Name: "op"}})
		}
		return &spec.Expose{Type: "rest", Rest: &spec.RestAdapter{Resources: []*spec.RestResource{res}}}
	}
	tests := []struct {
		name    string
		adapter *spec.Expose
		wantErr string
	}{
		{"not rest", &spec.Expose{Type: "mcp"}, "not a rest adapter"},
		{"relative path", adapter("v1/x", "GET"), "must start with /"},
		{"unclosed brace", adapter("/v1/{id", "GET"), "unbalanced"},
		{"stray brace", adapter("/v1/id}", "GET"), "unbalanced"},
		{"wildcard", adapter("/v1/*", "GET"), "* is not allowed"},
		{"bad variable name", adapter("/v1/{i d}", "GET"), "not a valid variable name"},
		{"invalid variable pattern", adapter("/v1/{id:[0-9}", "GET"), "invalid pattern"},
		{"empty variable pattern", adapter("/v1/{id:}", "GET"), "empty pattern"},
		{"empty variable", adapter("/v1/{}", "GET"), "not a valid variable name"},
		{"duplicate variable", adapter("/v1/{id}/{{id}}", "GET"), "appears twice"},
		{"two adjacent variables in a segment", adapter("/v1/{a}{b}", "GET"), "nothing between them"},
		{"query in path", adapter("/v1/x?y=1", "GET"), "query"},
		{"unknown method", adapter("/v1/x", "BREW"), `method "BREW"`},
		{"duplicate route", adapter("/v1/x", "GET", "get"), "already declared"},
		{"invalid pattern", &spec.Expose{Type: "rest", Rest: &spec.RestAdapter{Resources: []*spec.RestResource{{
			Path: "/x", Operations: []*spec.RestOperation{{Method: "GET", InputParameters: []*spec.ExposedParam{{Name: "q", In: "query", Pattern: "("}}}},
		}}}}, "invalid pattern"},
		{"unknown location", &spec.Expose{Type: "rest", Rest: &spec.RestAdapter{Resources: []*spec.RestResource{{
			Path: "/x", Operations: []*spec.RestOperation{{Method: "GET", InputParameters: []*spec.ExposedParam{{Name: "q", In: "env"}}}},
		}}}}, "unknown location"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := New(tt.adapter, &exposetest.FakeInvoker{}, Options{})
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.wantErr)
		})
	}

	t.Run("same shape, two resources", func(t *testing.T) {
		t.Parallel()
		a := &spec.Expose{Type: "rest", Rest: &spec.RestAdapter{Resources: []*spec.RestResource{
			{Path: "/v1/{a}", Operations: []*spec.RestOperation{{Method: "GET"}}},
			{Path: "/v1/{{b}}", Operations: []*spec.RestOperation{{Method: "GET"}}},
		}}}
		_, err := New(a, &exposetest.FakeInvoker{}, Options{})
		require.Error(t, err)
		assert.Contains(t, err.Error(), "already declared")
	})
}

func TestParseRoute(t *testing.T) {
	t.Parallel()
	tests := []struct {
		path, pattern, shape string
		vars                 []string
	}{
		{"/v1/api/organization-invitations", "/v1/api/organization-invitations", "/v1/api/organization-invitations", nil},
		{"/v1/x/{id}/message", "/v1/x/{id}/message", "/v1/x/{}/message", []string{"id"}},
		{"/v1/x/{{id}}/y/{{ other }}", "/v1/x/{id}/y/{other}", "/v1/x/{}/y/{}", []string{"id", "other"}},
		{"/voyages/{{voyage-id}}", "/voyages/{voyage-id}", "/voyages/{}", []string{"voyage-id"}},
		{"/files/{name}.json", "/files/{name}.json", "/files/{}.json", []string{"name"}},
		{"/items/{id:[0-9]+}", "/items/{id:[0-9]+}", "/items/{:[0-9]+}", []string{"id"}},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			t.Parallel()
			r, err := parseRoute(tt.path)
			require.NoError(t, err)
			assert.Equal(t, tt.pattern, r.pattern)
			assert.Equal(t, tt.shape, r.shape)
			assert.Equal(t, tt.vars, r.vars)
		})
	}
}

// {{x}} routes serve and feed the variable, as {x} does.
func TestMustacheRouteServes(t *testing.T) {
	t.Parallel()
	a := &spec.Expose{Type: "rest", Rest: &spec.RestAdapter{Resources: []*spec.RestResource{
		{Path: "/voyages/{{voyage-id}}", Operations: []*spec.RestOperation{{Method: "get", Endpoint: spec.Endpoint{Name: "v"}}}},
	}}}
	inv := &exposetest.FakeInvoker{}
	srv := serve(t, a, inv, Options{})
	r := do(t, srv, "GET", "/voyages/v%20042", "", "")
	require.Equal(t, http.StatusOK, r.status, r.body)
	calls := inv.Recorded()
	require.Len(t, calls, 1)
	assert.Equal(t, "v 042", calls[0].Inputs.Values["voyage-id"])
}

func TestForwardIsNotSupported(t *testing.T) {
	t.Parallel()
	a := &spec.Expose{Type: "rest", Rest: &spec.RestAdapter{Resources: []*spec.RestResource{{
		Path:       "/proxy/{path}",
		Operations: []*spec.RestOperation{{Method: "GET", Endpoint: spec.Endpoint{Name: "g"}}},
		Forward:    &spec.Forward{TargetNamespace: "up"},
	}}}}
	inv := &exposetest.FakeInvoker{}
	srv := serve(t, a, inv, Options{})
	assert.Equal(t, http.StatusOK, do(t, srv, "GET", "/proxy/x", "", "").status, "operations win by method")
	r := do(t, srv, "POST", "/proxy/x", "", "")
	require.Equal(t, http.StatusNotImplemented, r.status)
	assert.Equal(t, typeNotSupported, decodeProblem(t, r).Type)
}

// A declared body parameter named "body" without such a field is the whole
// body (the generated-capability idiom); with the field, it is the field.
func TestDeclaredWholeBody(t *testing.T) {
	t.Parallel()
	a := &spec.Expose{Type: "rest", Rest: &spec.RestAdapter{Resources: []*spec.RestResource{{
		Path: "/x",
		Operations: []*spec.RestOperation{{Method: "POST", Endpoint: spec.Endpoint{Name: "x"},
			InputParameters: []*spec.ExposedParam{{Name: "body", In: "body", Type: "object", Required: true}}}},
	}}}}
	tests := []struct {
		body       string
		wantStatus int
		want       any
	}{
		{`{"status":"Revoked"}`, 200, map[string]any{"status": "Revoked"}},
		{`{"body":{"a":true}}`, 200, map[string]any{"a": true}},
		{`[1]`, 400, nil},
		{``, 400, nil},
	}
	for _, tt := range tests {
		t.Run(tt.body, func(t *testing.T) {
			t.Parallel()
			inv := &exposetest.FakeInvoker{}
			srv := serve(t, a, inv, Options{})
			r := do(t, srv, "POST", "/x", "application/json", tt.body)
			require.Equal(t, tt.wantStatus, r.status, r.body)
			if tt.wantStatus != http.StatusOK {
				assert.Equal(t, "body", decodeProblem(t, r).Param)
				return
			}
			calls := inv.Recorded()
			require.Len(t, calls, 1)
			assert.Equal(t, tt.want, calls[0].Inputs.Values["body"])
		})
	}
}
