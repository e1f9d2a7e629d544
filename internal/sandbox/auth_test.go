package sandbox

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var defaultClient = &[2]string{DefaultClientID, DefaultClientSecret}

// tokenRequest posts a client-credentials request; basic, when set, is sent as Basic auth.
func (h *harness) tokenRequest(t *testing.T, form url.Values, basic *[2]string) response {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), "POST", h.url+"/oidc/token", strings.NewReader(form.Encode()))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if basic != nil {
		req.SetBasicAuth(basic[0], basic[1])
	}
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	var body json.RawMessage
	require.NoError(t, json.NewDecoder(res.Body).Decode(&body))
	return response{status: res.StatusCode, header: res.Header, body: body}
}

// form is the client-credentials form of §4 with changes: "" deletes a key.
func form(changes ...string) url.Values {
	f := url.Values{"grant_type": {"client_credentials"}, "resource": {"https://default.logto.app/api"}, "scope": {"all"}}
	for i := 0; i+1 < len(changes); i += 2 {
		if changes[i+1] == "" {
			f.Del(changes[i])
			continue
		}
		f.Set(changes[i], changes[i+1])
	}
	return f
}

func (h *harness) token(t *testing.T, f url.Values) string {
	t.Helper()
	res := h.tokenRequest(t, f, defaultClient)
	require.Equal(t, 200, res.status, string(res.body))
	return res.obj(t)["access_token"].(string)
}

func TestTokenEndpoint(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Options{})
	cases := []struct {
		name   string
		form   url.Values
		basic  *[2]string
		status int
		code   string
	}{
		{"basic auth", form(), defaultClient, 200, ""},
		{"form credentials", form("client_id", DefaultClientID, "client_secret", DefaultClientSecret), nil, 200, ""},
		{"wrong secret", form(), &[2]string{DefaultClientID, "nope"}, 401, "oidc.invalid_client"},
		{"unknown client", form(), &[2]string{"other", DefaultClientSecret}, 401, "oidc.invalid_client"},
		{"no client authentication", form(), nil, 400, "oidc.invalid_request"},
		{"wrong resource", form("resource", "https://other.logto.app/api"), defaultClient, 400, "oidc.invalid_target"},
		{"missing resource", form("resource", ""), defaultClient, 400, "oidc.invalid_target"},
		{"other grant", form("grant_type", "password"), defaultClient, 400, "oidc.unsupported_grant_type"},
		{"unknown scope", form("scope", "all read"), defaultClient, 400, "oidc.invalid_scope"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			res := h.tokenRequest(t, tc.form, tc.basic)
			require.Equal(t, tc.status, res.status, string(res.body))
			if tc.code != "" {
				assert.Equal(t, tc.code, res.code())
				assert.Equal(t, strings.TrimPrefix(tc.code, "oidc."), res.obj(t)["error"])
				return
			}
			assert.Equal(t, []string{"access_token", "expires_in", "token_type", "scope"}, topKeys(t, res.body))
			got := res.obj(t)
			assert.EqualValues(t, 3600, got["expires_in"])
			assert.Equal(t, "Bearer", got["token_type"])
			assert.Equal(t, "all", got["scope"])
		})
	}
}

func TestManagementAuth(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Options{Token: "fixed-token"})
	good := h.token(t, form())
	noScope := h.token(t, form("scope", ""))
	parts := strings.Split(good, ".")
	tampered := parts[0] + "." + parts[1] + "." + strings.Repeat("A", len(parts[2]))

	list := "/api/organization-invitations"
	cases := []struct {
		name     string
		path     string
		body     any
		headers  []string
		status   int
		code     string
		dataCode string // data.code of auth.unauthorized (jose error)
	}{
		{name: "no header", path: list, status: 401, code: "auth.authorization_header_missing"},
		{name: "basic scheme", path: list, headers: []string{"Authorization", "Basic abc"}, status: 401, code: "auth.authorization_token_type_not_supported"},
		{name: "lower-case bearer", path: list, headers: []string{"Authorization", "bearer " + good}, status: 401, code: "auth.authorization_token_type_not_supported"},
		{name: "garbage token", path: list, headers: []string{"Authorization", "Bearer garbage"}, status: 401, code: "auth.unauthorized", dataCode: "ERR_JWS_INVALID"},
		{name: "bad signature", path: list, headers: []string{"Authorization", "Bearer " + tampered}, status: 401, code: "auth.unauthorized", dataCode: "ERR_JWS_SIGNATURE_VERIFICATION_FAILED"},
		{name: "token without scope all", path: list, headers: []string{"Authorization", "Bearer " + noScope}, status: 403, code: "auth.forbidden"},
		{name: "dev header is off by default", path: list, headers: []string{"development-user-id", "integration-test-admin-user"}, status: 401, code: "auth.authorization_header_missing"},
		{name: "auth before validation", path: list + "?organizationId=a&organizationId=b", status: 401, code: "auth.authorization_header_missing"},
		{name: "auth before 404", path: list + "/nope", status: 401, code: "auth.authorization_header_missing"},
		{name: "outbox needs auth", path: "/sandbox/outbox", status: 401, code: "auth.authorization_header_missing"},
		{name: "issued token", path: list, headers: []string{"Authorization", "Bearer " + good}, status: 200},
		{name: "fixed token", path: list, headers: []string{"Authorization", "Bearer fixed-token"}, status: 200},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			res := h.do("GET", tc.path, tc.body, tc.headers...)
			require.Equal(t, tc.status, res.status, string(res.body))
			assert.Empty(t, res.header.Get("WWW-Authenticate"))
			if tc.code == "" {
				return
			}
			assert.Equal(t, tc.code, res.code())
			body := res.obj(t)
			if tc.code == "auth.authorization_token_type_not_supported" {
				assert.Equal(t, map[string]any{"supportedTypes": []any{"Bearer"}}, body["data"])
			}
			if tc.dataCode != "" {
				assert.Equal(t, tc.dataCode, body["data"].(map[string]any)["code"])
			}
		})
	}
}

func TestTokenExpires(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Options{})
	tok := h.token(t, form())
	auth := []string{"Authorization", "Bearer " + tok}
	h.clock.Advance(3599 * time.Second)
	require.Equal(t, 200, h.do("GET", "/api/organization-invitations", nil, auth...).status)
	h.clock.Advance(time.Second)
	res := h.do("GET", "/api/organization-invitations", nil, auth...)
	assert.Equal(t, 401, res.status)
	assert.Equal(t, "auth.unauthorized", res.code())
	data := res.obj(t)["data"].(map[string]any)
	assert.Equal(t, "ERR_JWT_EXPIRED", data["code"])
	assert.Equal(t, "exp", data["claim"])
}

func TestDevHeaderAndHealth(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Options{DevHeader: true})
	assert.Equal(t, 200, h.do("GET", "/api/organization-invitations", nil, "development-user-id", "integration-test-admin-user").status)
	res := h.do("GET", "/sandbox/health", nil)
	assert.Equal(t, 200, res.status)
	assert.JSONEq(t, `{"status":"ok"}`, string(res.body))
}

func TestOutboxEndpoints(t *testing.T) {
	t.Parallel()
	h := devHarness(t)
	org := h.org("o")
	inv := h.mustInvite(map[string]any{"organizationId": org["id"], "invitee": "ob@example.com", "messagePayload": map[string]any{"code": "123"}})
	res := h.do("GET", "/sandbox/outbox", nil)
	require.Equal(t, 200, res.status)
	out := res.list(t)
	require.Len(t, out, 1)
	assert.Equal(t, "ob@example.com", out[0]["to"])
	assert.Equal(t, "OrganizationInvitation", out[0]["type"])
	assert.Equal(t, "123", out[0]["payload"].(map[string]any)["code"])

	assert.Equal(t, 204, h.do("DELETE", "/sandbox/outbox", nil).status)
	assert.Equal(t, "[]", string(h.do("GET", "/sandbox/outbox", nil).body))
	assert.Empty(t, h.srv.Outbox())
	assert.Equal(t, 204, h.do("POST", "/api/organization-invitations/"+inv["id"].(string)+"/message", nil).status)
	assert.Len(t, h.srv.Outbox(), 1)
}
