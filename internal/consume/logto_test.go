package consume

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestLogtoOperations sends each of the seed's six operations and checks the
// exact bytes the upstream received.
func TestLogtoOperations(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		op        string
		params    map[string]any
		status    int
		respBody  string
		method    string
		path      string
		query     string
		body      string // "" = no body and no Content-Type
		wantBytes string // response body returned
	}{
		{
			name: "list with two of three filters", op: "listorganizationinvitations",
			params: map[string]any{"organizationId": "org 1", "invitee": "Foo+bar@example.com"},
			status: 200, respBody: `[]`,
			method: "GET", path: "/api/organization-invitations",
			query: "organizationId=org+1&invitee=Foo%2Bbar%40example.com",
		},
		{
			name: "list without filters", op: "listorganizationinvitations", params: map[string]any{},
			status: 200, respBody: `[{"id":"a"}]`,
			method: "GET", path: "/api/organization-invitations",
		},
		{
			name: "list with a null filter omits it", op: "listorganizationinvitations",
			params: map[string]any{"inviterId": nil, "organizationId": "o1"},
			status: 200, respBody: `[]`,
			method: "GET", path: "/api/organization-invitations", query: "organizationId=o1",
		},
		{
			name: "create sends params body as the JSON body", op: "createorganizationinvitation",
			params: map[string]any{"body": map[string]any{
				"invitee": "a<b>@example.com", "organizationId": "o1",
				"expiresAt": json.Number("1756001000000"), "organizationRoleIds": []any{"r1", "r2"},
				"messagePayload": map[string]any{"link": "https://x.example/?a=1&b=\"2\""},
			}},
			status: 201, respBody: `{"id":"new"}`,
			method: "POST", path: "/api/organization-invitations",
			body: `{"expiresAt":1756001000000,"invitee":"a<b>@example.com","messagePayload":{"link":"https://x.example/?a=1&b=\"2\""},"organizationId":"o1","organizationRoleIds":["r1","r2"]}`,
		},
		{
			name: "get by id", op: "getorganizationinvitation", params: map[string]any{"id": "k3v9x0q2m8c1d7f4h6j5n"},
			status: 200, respBody: `{"id":"k3v9x0q2m8c1d7f4h6j5n"}`,
			method: "GET", path: "/api/organization-invitations/k3v9x0q2m8c1d7f4h6j5n",
		},
		{
			name: "get id cannot climb", op: "getorganizationinvitation", params: map[string]any{"id": "../users"},
			status: 404, respBody: `{"code":"entity.not_found"}`,
			method: "GET", path: "/api/organization-invitations/..%2Fusers",
		},
		{
			name: "get id of only dots", op: "getorganizationinvitation", params: map[string]any{"id": ".."},
			status: 404, respBody: `{}`,
			method: "GET", path: "/api/organization-invitations/%2E%2E",
		},
		{
			name: "get id with slash stays one segment", op: "getorganizationinvitation", params: map[string]any{"id": "a/b"},
			status: 404, respBody: `{}`,
			method: "GET", path: "/api/organization-invitations/a%2Fb",
		},
		{
			name: "get id with space, query and hash characters", op: "getorganizationinvitation", params: map[string]any{"id": "x y?z#w%"},
			status: 404, respBody: `{}`,
			method: "GET", path: "/api/organization-invitations/x%20y%3Fz%23w%25",
		},
		{
			name: "get numeric id as its JSON text", op: "getorganizationinvitation", params: map[string]any{"id": json.Number("42")},
			status: 200, respBody: `{}`,
			method: "GET", path: "/api/organization-invitations/42",
		},
		{
			name: "delete", op: "deleteorganizationinvitation", params: map[string]any{"id": "abc"},
			status: 204,
			method: "DELETE", path: "/api/organization-invitations/abc",
		},
		{
			name: "resend message", op: "createorganizationinvitationmessage",
			params: map[string]any{"id": "abc", "body": map[string]any{"link": "https://app/invite?c=1&d=2", "locale": "fr"}},
			status: 204,
			method: "POST", path: "/api/organization-invitations/abc/message",
			body: `{"link":"https://app/invite?c=1&d=2","locale":"fr"}`,
		},
		{
			name: "replace status", op: "replaceorganizationinvitationstatus",
			params: map[string]any{"id": "abc", "body": map[string]any{"status": "Accepted", "acceptedUserId": "u1"}},
			status: 422, respBody: `{"code":"request.invalid_input","message":"Input is invalid."}`,
			method: "PUT", path: "/api/organization-invitations/abc/status",
			body: `{"acceptedUserId":"u1","status":"Accepted"}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			up := newUpstream(t, tt.status, map[string]string{"Content-Type": "application/json; charset=utf-8"}, tt.respBody)
			c := logtoConsumer()
			cl := newClient(t, c, Options{BaseURI: up.URL, Vars: logtoVars()})
			op := cl.Operation(tt.op)
			require.NotNil(t, op)

			resp, err := cl.Call(t.Context(), op, tt.params)
			require.NoError(t, err)
			assert.Equal(t, tt.status, resp.Status)
			assert.Equal(t, tt.respBody, string(resp.Body))
			assert.Equal(t, "application/json; charset=utf-8", resp.Header.Get("Content-Type"))
			if tt.status >= 400 {
				var se *StatusError
				require.ErrorAs(t, resp.StatusError(), &se)
				assert.Equal(t, tt.status, se.Status)
				assert.Equal(t, tt.respBody, string(se.Body))
			} else {
				assert.NoError(t, resp.StatusError())
			}

			got := up.next(t)
			assert.Equal(t, tt.method, got.Method)
			assert.Equal(t, tt.path, got.RawPath)
			assert.Equal(t, tt.query, got.RawQuery)
			assert.Equal(t, "Bearer "+secretToken, got.Header.Get("Authorization"))
			assert.Equal(t, "application/json", got.Header.Get("Accept"))
			assert.Equal(t, DefaultUserAgent, got.Header.Get("User-Agent"))
			assert.Equal(t, tt.body, string(got.Body))
			if tt.body == "" {
				assert.Empty(t, got.Header.Values("Content-Type"))
			} else {
				assert.Equal(t, "application/json", got.Header.Get("Content-Type"))
			}
		})
	}
}

// TestLogtoInputErrors checks that a missing path value or required body is
// a caller error and nothing reaches the upstream.
func TestLogtoInputErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		op     string
		params map[string]any
		param  string
	}{
		{"get without id", "getorganizationinvitation", map[string]any{}, "id"},
		{"get with null id", "getorganizationinvitation", map[string]any{"id": nil}, "id"},
		{"get with empty id", "getorganizationinvitation", map[string]any{"id": ""}, "id"},
		{"delete with nil params", "deleteorganizationinvitation", nil, "id"},
		{"create without body", "createorganizationinvitation", map[string]any{}, "body"},
		{"status without body", "replaceorganizationinvitationstatus", map[string]any{"id": "abc"}, "body"},
		{"status without id", "replaceorganizationinvitationstatus", map[string]any{"body": map[string]any{}}, "id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			up := newUpstream(t, 200, nil, `{}`)
			cl := newClient(t, logtoConsumer(), Options{BaseURI: up.URL, Vars: logtoVars()})
			resp, err := cl.Call(t.Context(), cl.Operation(tt.op), tt.params)
			require.Nil(t, resp)
			var ie *InputError
			require.ErrorAs(t, err, &ie)
			assert.Equal(t, tt.param, ie.Param)
			assert.Contains(t, err.Error(), `"`+tt.param+`"`)
			up.none(t)
		})
	}
}

// TestCallersCannotReplaceBinds checks that a param named like a bind does not
// change the credential sent.
func TestCallersCannotReplaceBinds(t *testing.T) {
	t.Parallel()
	up := newUpstream(t, http.StatusOK, nil, `{}`)
	cl := newClient(t, logtoConsumer(), Options{BaseURI: up.URL, Vars: logtoVars()})
	_, err := cl.Call(t.Context(), cl.Operation("getorganizationinvitation"), map[string]any{
		"id": "x", "env": map[string]any{"LOGTO_API_KEY": "evil"}, "LOGTO_API_KEY": "evil",
	})
	require.NoError(t, err)
	assert.Equal(t, "Bearer "+secretToken, up.next(t).Header.Get("Authorization"))
}
