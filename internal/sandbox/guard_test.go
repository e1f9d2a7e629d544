package sandbox

import (
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Exact error bodies. The expected JSON is copied from the reference document (§0.2, §0.3) or
// derived from zod 3.24's issue shapes it describes.
func TestValidationBodies(t *testing.T) {
	t.Parallel()
	h := devHarness(t)
	org := h.org("test")["id"].(string)
	exp := h.nowMs() + 1_000_000

	cases := []struct {
		name   string
		path   string
		method string
		body   any
		status int
		want   string // exact body; "" means check keys only
		keys   []string
	}{
		{
			name: "invalid email (reference example)", method: "POST", path: "/api/organization-invitations",
			body:   map[string]any{"invitee": "invalid", "organizationId": org, "expiresAt": exp},
			status: 400,
			want:   `{"code":"guard.invalid_input","data":{"issues":[{"validation":"email","code":"invalid_string","message":"Invalid email","path":["invitee"]}],"name":"ZodError"},"details":"Error in key path \"invitee\": (invalid_string) Invalid email","message":"The request body is invalid."}`,
		},
		{
			name: "empty body: three required fields", method: "POST", path: "/api/organization-invitations",
			body:   rawBody(""),
			status: 400,
			want: `{"code":"guard.invalid_input","data":{"issues":[` +
				`{"code":"invalid_type","expected":"string","received":"undefined","path":["invitee"],"message":"Required"},` +
				`{"code":"invalid_type","expected":"string","received":"undefined","path":["organizationId"],"message":"Required"},` +
				`{"code":"invalid_type","expected":"number","received":"undefined","path":["expiresAt"],"message":"Required"}],"name":"ZodError"},` +
				`"details":"Error in key path \"invitee\": (invalid_type) Expected string but received undefined.\n` +
				`Error in key path \"organizationId\": (invalid_type) Expected string but received undefined.\n` +
				`Error in key path \"expiresAt\": (invalid_type) Expected number but received undefined.",` +
				`"message":"The request body is invalid."}`,
		},
		{
			name: "expiresAt as a string", method: "POST", path: "/api/organization-invitations",
			body:   map[string]any{"invitee": "a@example.com", "organizationId": org, "expiresAt": "1"},
			status: 400,
			want:   `{"code":"guard.invalid_input","data":{"issues":[{"code":"invalid_type","expected":"number","received":"string","path":["expiresAt"],"message":"Expected number, received string"}],"name":"ZodError"},"details":"Error in key path \"expiresAt\": (invalid_type) Expected number but received string.","message":"The request body is invalid."}`,
		},
		{
			name: "messagePayload true", method: "POST", path: "/api/organization-invitations",
			body:   map[string]any{"invitee": "a@example.com", "organizationId": org, "expiresAt": exp, "messagePayload": true},
			status: 400,
			want: `{"code":"guard.invalid_input","data":{"issues":[{"code":"invalid_union","unionErrors":[` +
				`{"issues":[{"code":"invalid_type","expected":"object","received":"boolean","path":["messagePayload"],"message":"Expected object, received boolean"}],"name":"ZodError"},` +
				`{"issues":[{"received":true,"code":"invalid_literal","expected":false,"path":["messagePayload"],"message":"Invalid literal value, expected false"}],"name":"ZodError"}],` +
				`"path":["messagePayload"],"message":"Invalid input"}],"name":"ZodError"},` +
				`"details":"Error in key path \"messagePayload\": (invalid_union) Invalid input","message":"The request body is invalid."}`,
		},
		{
			name: "status Pending", method: "PUT", path: "/api/organization-invitations/x/status",
			body:   map[string]any{"status": "Pending"},
			status: 400,
			want:   `{"code":"guard.invalid_input","data":{"issues":[{"received":"Pending","code":"invalid_enum_value","options":["Accepted","Revoked"],"path":["status"],"message":"Invalid enum value. Expected 'Accepted' | 'Revoked', received 'Pending'"}],"name":"ZodError"},"details":"Error in key path \"status\": (invalid_enum_value) Invalid enum value. Expected 'Accepted' | 'Revoked', received 'Pending'","message":"The request body is invalid."}`,
		},
		{
			name: "organizationId too long", method: "POST", path: "/api/organization-invitations",
			body:   map[string]any{"invitee": "a@example.com", "organizationId": strings.Repeat("o", 22), "expiresAt": exp},
			status: 400,
			want:   `{"code":"guard.invalid_input","data":{"issues":[{"code":"too_big","maximum":21,"type":"string","inclusive":true,"exact":false,"message":"String must contain at most 21 character(s)","path":["organizationId"]}],"name":"ZodError"},"details":"Error in key path \"organizationId\": (too_big) String must contain at most 21 character(s)","message":"The request body is invalid."}`,
		},
		{
			name: "expired expiresAt: details interpolated in the message", method: "POST", path: "/api/organization-invitations",
			body:   map[string]any{"invitee": "a@example.com", "organizationId": org, "expiresAt": 1},
			status: 400,
			want:   "{\"code\":\"request.invalid_input\",\"message\":\"Input is invalid. The value of `expiresAt` must be in the future.\"}",
		},
		{
			name: "unknown id", method: "GET", path: "/api/organization-invitations/nope",
			status: 404,
			want:   `{"code":"entity.not_found","message":"The resource does not exist."}`,
		},
		{
			name: "resend body must be an object", method: "POST", path: "/api/organization-invitations/x/message",
			body:   rawBody(`[1]`),
			status: 400,
			want:   `{"code":"guard.invalid_input","data":{"issues":[{"code":"invalid_type","expected":"object","received":"array","path":[],"message":"Expected object, received array"}],"name":"ZodError"},"details":"Error in key path \"\": (invalid_type) Expected object but received array.","message":"The request body is invalid."}`,
		},
		{
			name: "malformed JSON: message only", method: "POST", path: "/api/organization-invitations",
			body: rawBody(`{"invitee":`), status: 400, keys: []string{"message"},
		},
		{
			name: "JSON that is not an object or array", method: "POST", path: "/api/organization-invitations",
			body: rawBody(`"text"`), status: 400,
			want: `{"message":"invalid JSON, only supports object and array"}`,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			res := h.do(tc.method, tc.path, tc.body)
			require.Equal(t, tc.status, res.status, string(res.body))
			assert.Equal(t, "application/json; charset=utf-8", res.header.Get("Content-Type"))
			assert.Empty(t, res.header.Get("WWW-Authenticate"))
			if tc.want != "" {
				assert.Equal(t, tc.want, string(res.body))
			}
			if tc.keys != nil {
				assert.Equal(t, tc.keys, topKeys(t, res.body))
			}
		})
	}
}

func TestEmailPattern(t *testing.T) {
	t.Parallel()
	cases := map[string]bool{
		"foo@example.com":      true,
		"Foo.Bar+x@sub.ex.io":  true,
		"o'neil@example.com":   true,
		"invalid":              false,
		".a@example.com":       false,
		"a..b@example.com":     false,
		"a.@example.com":       false,
		"a@example.c":          false,
		"a@-example.com":       false,
		"a@example":            false,
		"ſ@example.com":        false, // JavaScript's /i does not fold non-ASCII into ASCII
		"a b@example.com":      false,
		"user@[127.0.0.1]":     false,
		"a@xn--bcher-kva.com":  true,
		"UPPER@EXAMPLE.COM":    true,
		"a@example.com\n":      false,
		"first_last@exa.mp.le": true,
	}
	for in, want := range cases {
		assert.Equal(t, want, isZodEmail(in), in)
	}
}

func TestNotFoundAndMethods(t *testing.T) {
	t.Parallel()
	h := devHarness(t)
	assert.Equal(t, http.StatusNotFound, h.do("GET", "/api/nothing-here", nil).status)
	assert.Equal(t, http.StatusMethodNotAllowed, h.do("PATCH", "/api/organization-invitations/x", map[string]any{}).status)
}
