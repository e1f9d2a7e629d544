package rest

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/naftiko-go/naftiko/internal/expose"
	"github.com/naftiko-go/naftiko/internal/expose/exposetest"
	"github.com/naftiko-go/naftiko/internal/spec"
)

func TestSeedRoutes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		method      string
		path        string
		body        string
		wantOp      string
		wantValues  map[string]any
		wantAbsent  []string
		wantBody    any
		wantHasBody bool
	}{
		{
			name: "list without filters", method: "GET", path: "/v1/api/organization-invitations",
			wantOp: "listorganizationinvitations", wantValues: map[string]any{},
			wantAbsent: []string{"organizationId", "inviterId", "invitee"},
		},
		{
			name: "list with some filters", method: "GET",
			path:   "/v1/api/organization-invitations?organizationId=org1&invitee=a%40b.c&invitee=second",
			wantOp: "listorganizationinvitations", wantValues: map[string]any{"organizationId": "org1", "invitee": "a@b.c"},
			wantAbsent: []string{"inviterId"},
		},
		{
			name: "create", method: "POST", path: "/v1/api/organization-invitations",
			body:   `{"invitee":"a@b.c","organizationId":"org1","expiresAt":1760000000000}`,
			wantOp: "createorganizationinvitation", wantValues: map[string]any{},
			wantBody: map[string]any{"invitee": "a@b.c", "organizationId": "org1", "expiresAt": json.Number("1760000000000")}, wantHasBody: true,
		},
		{
			name: "get one", method: "GET", path: "/v1/api/organization-invitations/inv_1",
			wantOp: "getorganizationinvitation", wantValues: map[string]any{"id": "inv_1"},
		},
		{
			name: "get one with an escaped slash", method: "GET", path: "/v1/api/organization-invitations/a%2Fb",
			wantOp: "getorganizationinvitation", wantValues: map[string]any{"id": "a/b"},
		},
		{
			name: "delete", method: "delete", path: "/v1/api/organization-invitations/inv_2",
			wantOp: "deleteorganizationinvitation", wantValues: map[string]any{"id": "inv_2"},
		},
		{
			name: "resend message", method: "POST", path: "/v1/api/organization-invitations/inv_3/message",
			body:   `{"magicLink":"https://x"}`,
			wantOp: "createorganizationinvitationmessage", wantValues: map[string]any{"id": "inv_3"},
			wantBody: map[string]any{"magicLink": "https://x"}, wantHasBody: true,
		},
		{
			name: "update status", method: "PUT", path: "/v1/api/organization-invitations/inv_4/status",
			body:   `{"status":"Revoked"}`,
			wantOp: "replaceorganizationinvitationstatus", wantValues: map[string]any{"id": "inv_4"},
			wantBody: map[string]any{"status": "Revoked"}, wantHasBody: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			adapter := seedREST(t)
			inv := &exposetest.FakeInvoker{}
			srv := serve(t, adapter, inv, Options{})
			ct := ""
			if tt.body != "" {
				ct = "application/json"
			}
			r := do(t, srv, strings.ToUpper(tt.method), tt.path, ct, tt.body, "X-Trace", "t1")
			require.Equal(t, http.StatusOK, r.status, r.body)

			calls := inv.Recorded()
			require.Len(t, calls, 1)
			c := calls[0]
			assert.Same(t, adapter, c.Adapter)
			assert.Equal(t, tt.wantOp, c.Endpoint.Name)
			assert.Equal(t, tt.wantOp, c.Endpoint.Target.Name, "the resolved consumed operation")
			for k, v := range tt.wantValues {
				assert.Equal(t, v, c.Inputs.Values[k], "input %q", k)
			}
			for _, k := range tt.wantAbsent {
				assert.NotContains(t, c.Inputs.Values, k)
			}
			assert.Equal(t, "t1", c.Inputs.Values["X-Trace"], "headers are implicit inputs")
			assert.Equal(t, tt.wantHasBody, c.Inputs.HasBody)
			assert.Equal(t, tt.wantBody, c.Inputs.Body)
		})
	}
}

func TestImplicitPrecedence(t *testing.T) {
	t.Parallel()
	inv := &exposetest.FakeInvoker{}
	srv := serve(t, seedREST(t), inv, Options{})
	// A header and a query parameter named like the path variable: the path wins.
	r := do(t, srv, "GET", "/v1/api/organization-invitations/fromPath?id=fromQuery&Accept=q", "", "",
		"Id", "fromHeader", "Accept", "h")
	require.Equal(t, http.StatusOK, r.status)
	calls := inv.Recorded()
	require.Len(t, calls, 1)
	assert.Equal(t, "fromPath", calls[0].Inputs.Values["id"])
	assert.Equal(t, "fromHeader", calls[0].Inputs.Values["Id"], "header names are canonical and distinct from id")
	assert.Equal(t, "q", calls[0].Inputs.Values["Accept"], "query wins over header")
}

func TestResultPassthrough(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		result   *expose.Result
		wantCT   string
		wantBody string
	}{
		{"201 created", jsonResult(201, `{"id":"inv_1","status":"Pending"}`), "application/json", `{"id":"inv_1","status":"Pending"}`},
		{"200 array", jsonResult(200, `[{"id":"a"},{"id":"b"}]`), "application/json", `[{"id":"a"},{"id":"b"}]`},
		{"204 no content", &expose.Result{Status: 204}, "", ""},
		{"204 ignores a stray body", &expose.Result{Status: 204, Body: []byte("x"), ContentType: "text/plain"}, "", ""},
		{"200 empty body", &expose.Result{Status: 200}, "", ""},
		{"upstream 404 unchanged", &expose.Result{Status: 404, ContentType: "application/json; charset=utf-8",
			Body: []byte(`{"code":"entity.not_found","message":"Entity not found."}`)},
			"application/json; charset=utf-8", `{"code":"entity.not_found","message":"Entity not found."}`},
		{"upstream 500 text", &expose.Result{Status: 500, ContentType: "text/html", Body: []byte("<h1>oops</h1>")}, "text/html", "<h1>oops</h1>"},
		{"json without content type", &expose.Result{Status: 200, Body: []byte(`{}`), IsJSON: true}, "application/json", `{}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			inv := &exposetest.FakeInvoker{Fn: func(*spec.Endpoint, expose.Inputs) (*expose.Result, error) { return tt.result, nil }}
			srv := serve(t, seedREST(t), inv, Options{})
			r := do(t, srv, "GET", "/v1/api/organization-invitations/x", "", "")
			assert.Equal(t, tt.result.Status, r.status)
			assert.Equal(t, tt.wantCT, r.header.Get("Content-Type"))
			assert.Equal(t, tt.wantBody, r.body)
		})
	}
}

func TestEngineErrorProblems(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		err        error
		wantStatus int
		wantType   string
		wantDetail string
		wantParam  string
	}{
		{"input", expose.InputErrorf("id", "path parameter %q is missing", "id"), 400, typeBadInput, `path parameter "id" is missing`, "id"},
		{"not supported", &expose.Error{Kind: expose.KindNotSupported, Detail: "steps are not supported yet"}, 501, typeNotSupported, "steps are not supported yet", ""},
		{"unreachable", &expose.Error{Kind: expose.KindUnreachable, Upstream: "logto.get", Detail: "cannot reach upstream logto: connection refused"}, 502, typeUnreachable, "cannot reach upstream logto: connection refused", ""},
		{"timeout", &expose.Error{Kind: expose.KindTimeout, Detail: "upstream logto did not answer within 30s"}, 504, typeTimeout, "upstream logto did not answer within 30s", ""},
		{"too large", &expose.Error{Kind: expose.KindTooLarge, Detail: "upstream response exceeds 10 MiB"}, 413, typeTooLarge, "upstream response exceeds 10 MiB", ""},
		{"internal hides the cause", &expose.Error{Kind: expose.KindInternal, Detail: "secret-ish detail", Err: errors.New("boom")}, 500, typeInternal, "the server could not complete the request; the error was logged", ""},
		{"plain error is internal", errors.New("token=abc leaked?"), 500, typeInternal, "the server could not complete the request; the error was logged", ""},
		{"wrapped error keeps its kind", errors.Join(errors.New("ctx"), &expose.Error{Kind: expose.KindTimeout, Detail: "slow"}), 504, typeTimeout, "slow", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			inv := &exposetest.FakeInvoker{Fn: func(*spec.Endpoint, expose.Inputs) (*expose.Result, error) { return nil, tt.err }}
			srv := serve(t, seedREST(t), inv, Options{})
			r := do(t, srv, "GET", "/v1/api/organization-invitations/x", "", "")
			require.Equal(t, tt.wantStatus, r.status)
			p := decodeProblem(t, r)
			assert.Equal(t, tt.wantType, p.Type)
			assert.Equal(t, tt.wantStatus, p.Status)
			assert.NotEmpty(t, p.Title)
			assert.Equal(t, tt.wantDetail, p.Detail)
			assert.Equal(t, tt.wantParam, p.Param)
		})
	}
}

func TestRouterProblems(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		method      string
		path        string
		contentType string
		body        string
		wantStatus  int
		wantType    string
		wantAllow   string
		wantDetail  string
	}{
		{name: "unknown route", method: "GET", path: "/v1/nope", wantStatus: 404, wantType: typeNotFound},
		{name: "trailing slash is another route", method: "GET", path: "/v1/api/organization-invitations/", wantStatus: 404, wantType: typeNotFound},
		{name: "unknown method on unknown route", method: "BREW", path: "/v1/nope", wantStatus: 404, wantType: typeNotFound},
		{name: "wrong method on collection", method: "PATCH", path: "/v1/api/organization-invitations", wantStatus: 405, wantType: typeMethodNotAllowed, wantAllow: "GET, POST"},
		{name: "wrong method on item", method: "PUT", path: "/v1/api/organization-invitations/x", wantStatus: 405, wantType: typeMethodNotAllowed, wantAllow: "GET, DELETE"},
		{name: "wrong method on status", method: "GET", path: "/v1/api/organization-invitations/x/status", wantStatus: 405, wantType: typeMethodNotAllowed, wantAllow: "PUT"},
		{name: "unknown method on known route", method: "BREW", path: "/v1/api/organization-invitations/x/message", wantStatus: 405, wantType: typeMethodNotAllowed, wantAllow: "POST"},
		{name: "invalid JSON", method: "POST", path: "/v1/api/organization-invitations", contentType: "application/json", body: `{"a":`, wantStatus: 400, wantType: typeBadInput},
		{name: "trailing garbage", method: "POST", path: "/v1/api/organization-invitations", contentType: "application/json", body: `{} {}`, wantStatus: 400, wantType: typeBadInput},
		{name: "not JSON", method: "POST", path: "/v1/api/organization-invitations", contentType: "text/plain", body: `hello`, wantStatus: 415, wantType: typeUnsupportedMedia},
		{name: "form body", method: "POST", path: "/v1/api/organization-invitations", contentType: "application/x-www-form-urlencoded", body: `a=b`, wantStatus: 415, wantType: typeUnsupportedMedia},
		{name: "body too large", method: "POST", path: "/v1/api/organization-invitations", contentType: "application/json", body: `{"invitee":"` + strings.Repeat("x", 64) + `"}`, wantStatus: 413, wantType: typeTooLarge, wantDetail: "the request body exceeds the limit of 32 bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			inv := &exposetest.FakeInvoker{}
			srv := serve(t, seedREST(t), inv, Options{MaxBodyBytes: 32})
			r := do(t, srv, tt.method, tt.path, tt.contentType, tt.body)
			require.Equal(t, tt.wantStatus, r.status, r.body)
			p := decodeProblem(t, r)
			assert.Equal(t, tt.wantType, p.Type)
			assert.Equal(t, tt.wantStatus, p.Status)
			assert.Equal(t, tt.wantAllow, r.header.Get("Allow"))
			if tt.wantDetail != "" {
				assert.Equal(t, tt.wantDetail, p.Detail)
			}
			assert.Empty(t, inv.Recorded(), "the invoker must not run")
		})
	}
}

// A chunked body has no Content-Length: the limit is enforced while reading.
func TestBodyLimitWhileReading(t *testing.T) {
	t.Parallel()
	inv := &exposetest.FakeInvoker{}
	h, err := New(seedREST(t), inv, Options{MaxBodyBytes: 8})
	require.NoError(t, err)
	req, err := http.NewRequestWithContext(t.Context(), "POST", "/v1/api/organization-invitations",
		struct{ *strings.Reader }{strings.NewReader(`{"invitee":"someone"}`)})
	require.NoError(t, err)
	req.ContentLength = -1
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	assert.Equal(t, http.StatusRequestEntityTooLarge, rec.Code)
	assert.Empty(t, inv.Recorded())
}

func TestEmptyBodyIsNoBody(t *testing.T) {
	t.Parallel()
	inv := &exposetest.FakeInvoker{}
	srv := serve(t, seedREST(t), inv, Options{})
	r := do(t, srv, "POST", "/v1/api/organization-invitations", "text/plain", "")
	require.Equal(t, http.StatusOK, r.status, r.body)
	calls := inv.Recorded()
	require.Len(t, calls, 1)
	assert.False(t, calls[0].Inputs.HasBody)
	assert.Nil(t, calls[0].Inputs.Body)

	// JSON null is a body.
	r = do(t, srv, "POST", "/v1/api/organization-invitations", "", "null")
	require.Equal(t, http.StatusOK, r.status, r.body)
	calls = inv.Recorded()
	require.Len(t, calls, 2)
	assert.True(t, calls[1].Inputs.HasBody)
	assert.Nil(t, calls[1].Inputs.Body)
}

func TestPanicIsProblem(t *testing.T) {
	t.Parallel()
	var panicked atomic.Bool
	inv := &exposetest.FakeInvoker{Fn: func(*spec.Endpoint, expose.Inputs) (*expose.Result, error) {
		if !panicked.Swap(true) {
			panic("invoker bug")
		}
		return jsonResult(200, `{"ok":true}`), nil
	}}
	srv := serve(t, seedREST(t), inv, Options{})
	r := do(t, srv, "GET", "/v1/api/organization-invitations/x", "", "")
	require.Equal(t, http.StatusInternalServerError, r.status)
	p := decodeProblem(t, r)
	assert.Equal(t, typeInternal, p.Type)
	assert.NotContains(t, r.body, "invoker bug")

	// The server is still serving.
	r = do(t, srv, "GET", "/v1/api/organization-invitations/x", "", "")
	assert.Equal(t, http.StatusOK, r.status)
	assert.JSONEq(t, `{"ok":true}`, r.body)
}

func TestInvalidResultIsInternal(t *testing.T) {
	t.Parallel()
	inv := &exposetest.FakeInvoker{Fn: func(*spec.Endpoint, expose.Inputs) (*expose.Result, error) { return &expose.Result{}, nil }}
	srv := serve(t, seedREST(t), inv, Options{})
	r := do(t, srv, "GET", "/v1/api/organization-invitations/x", "", "")
	assert.Equal(t, http.StatusInternalServerError, r.status)
	assert.Equal(t, typeInternal, decodeProblem(t, r).Type)
}

// TestSeveralVariablesInOneSegment: {a}.{b} routes split at the literal
// between the variables, as in real files (/data/{ts}/{pkg}.{version}.json).
func TestSeveralVariablesInOneSegment(t *testing.T) {
	t.Parallel()
	res := &spec.RestResource{Path: "/data/{timestamp}/{packageId}.{version}.json"}
	res.Operations = []*spec.RestOperation{{Method: "GET", Endpoint: spec.Endpoint{Name: "get-package"}}}
	adapter := &spec.Expose{Type: "rest", Namespace: "pkgs", Rest: &spec.RestAdapter{Resources: []*spec.RestResource{res}}}
	inv := &exposetest.FakeInvoker{}
	srv := serve(t, adapter, inv, Options{})

	// A variable ends at the next delimiter of the pattern, so a value holding
	// that delimiter ("13.0.3") cannot be told apart and does not match.
	assert.Equal(t, http.StatusNotFound, do(t, srv, "GET", "/data/2026-11-26/newtonsoft-json.13.0.3.json", "", "").status)
	r := do(t, srv, "GET", "/data/2026-11-26/newtonsoft-json.13.json", "", "")
	require.Equal(t, http.StatusOK, r.status)
	calls := inv.Recorded()
	require.Len(t, calls, 1)
	assert.Equal(t, "2026-11-26", calls[0].Inputs.Values["timestamp"])
	assert.Equal(t, "newtonsoft-json", calls[0].Inputs.Values["packageId"], "the first variable stops at the first dot")
	assert.Equal(t, "13", calls[0].Inputs.Values["version"])
}
