package e2e

import (
	"encoding/json"
	"maps"
	"net/http"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Logto's error bodies, verbatim from the behaviour reference
// (shared/reference/logto-organization-invitations.md §0.4 and §1.6).
const (
	notFoundBody      = `{"code":"entity.not_found","message":"The resource does not exist."}`
	emailMismatchBody = `{"code":"request.invalid_input","message":"Input is invalid. The accepted user must have the same email as the invitee."}`
)

// logtoID is the shape of every Logto id: 21 characters from [0-9a-z].
var logtoID = regexp.MustCompile(`^[0-9a-z]{21}$`)

// TestInvitationLifeCycle runs the whole life of an organization invitation
// through the real binary in front of the Logto sandbox: once with the
// official MCP TypeScript client and once with a plain REST client.
func TestInvitationLifeCycle(t *testing.T) {
	t.Parallel()
	tl := requireTools(t)
	bin := buildNaftiko(t, tl.repoRoot)
	sb := startSandbox(t)

	srv := startNaftiko(t, bin, []string{"LOGTO_API_KEY=" + sandboxToken}, []string{restNS, mcpNS},
		"--log-format", "json",
		"--address", "127.0.0.1",
		"--port", restNS+"=0",
		"--port", mcpNS+"=0",
		"--base-uri", consumesNS+"="+sb.URL,
		filepath.Join(tl.repoRoot, "capabilities", seedCapability),
	)

	// Each run has its own organization, role and users, so they can run
	// side by side against one sandbox.
	t.Run("mcp", func(t *testing.T) {
		t.Parallel()
		testLifeCycleMCP(t, tl, mcpURL(srv.listeners[mcpNS]), sb, seedSandbox(t, sb, "mcp"))
	})
	t.Run("rest", func(t *testing.T) {
		t.Parallel()
		testLifeCycleREST(t, "http://"+srv.listeners[restNS].Addr, sb, seedSandbox(t, sb, "rest"))
	})
}

// newInvitation is a create body and the links of its two e-mails.
type newInvitation struct {
	body        map[string]any
	expiresAt   int64
	createLink  string
	resendLink  string
	resendInput map[string]any
}

func invitationFor(sd seed, name string) newInvitation {
	n := newInvitation{
		expiresAt:  time.Now().Add(time.Hour).UnixMilli(),
		createLink: "https://example.com/invite/" + name + "/1",
		resendLink: "https://example.com/invite/" + name + "/2",
	}
	n.body = map[string]any{
		"invitee":             sd.Invitee,
		"organizationId":      sd.OrgID,
		"expiresAt":           n.expiresAt,
		"organizationRoleIds": []string{sd.RoleID},
		"messagePayload":      map[string]any{"link": n.createLink},
	}
	n.resendInput = map[string]any{"link": n.resendLink}
	return n
}

// assertCreated checks a create response against the reference's entity
// shape (§0.1, §1.2 step 6) and returns the invitation id.
func assertCreated(t *testing.T, inv map[string]any, sd seed, n newInvitation) string {
	t.Helper()
	id, _ := inv["id"].(string)
	assert.Regexp(t, logtoID, id, "id")
	assert.Equal(t, "default", inv["tenantId"])
	assert.Nil(t, inv["inviterId"], "inviterId")
	assert.Equal(t, sd.Invitee, inv["invitee"])
	assert.Nil(t, inv["acceptedUserId"], "acceptedUserId")
	assert.Equal(t, sd.OrgID, inv["organizationId"])
	assert.Equal(t, "Pending", inv["status"])
	assert.Equal(t, float64(n.expiresAt), inv["expiresAt"])
	assert.IsType(t, float64(0), inv["createdAt"])
	assert.Equal(t, inv["createdAt"], inv["updatedAt"], "updatedAt = createdAt at insert")
	assert.Equal(t, []any{map[string]any{"id": sd.RoleID, "name": sd.RoleName}}, inv["organizationRoles"])
	return id
}

// assertAccepted checks an accept response: the invitation as it was, with
// status, acceptedUserId and a new updatedAt merged in (§1.6 step 7).
func assertAccepted(t *testing.T, got, created map[string]any, userID string) {
	t.Helper()
	want := maps.Clone(created)
	want["status"] = "Accepted"
	want["acceptedUserId"] = userID
	updated, ok := got["updatedAt"].(float64)
	if assert.True(t, ok, "updatedAt: %v", got["updatedAt"]) {
		assert.GreaterOrEqual(t, updated, created["updatedAt"].(float64), "updatedAt")
	}
	want["updatedAt"] = got["updatedAt"]
	assert.Equal(t, want, got)
}

// assertSideEffects checks what the sandbox shows afterwards: the user joined
// the organization with the invitation's role, and both e-mails went out with
// the caller's links.
func assertSideEffects(t *testing.T, sb *logtoSandbox, sd seed, n newInvitation) {
	t.Helper()
	res := sb.api(t, http.MethodGet, "/api/users/"+sd.UserID+"/organizations", nil)
	require.Equal(t, http.StatusOK, res.Status, "%s", res.Body)
	var orgs []struct {
		ID                string `json:"id"`
		OrganizationRoles []struct {
			ID string `json:"id"`
		} `json:"organizationRoles"`
	}
	require.NoError(t, json.Unmarshal(res.Body, &orgs), "%s", res.Body)
	if assert.Len(t, orgs, 1, "the user's organizations: %s", res.Body) {
		assert.Equal(t, sd.OrgID, orgs[0].ID)
		if assert.Len(t, orgs[0].OrganizationRoles, 1, "%s", res.Body) {
			assert.Equal(t, sd.RoleID, orgs[0].OrganizationRoles[0].ID)
		}
	}

	msgs := sb.outboxTo(t, sd.Invitee)
	links := make([]any, 0, len(msgs))
	for _, m := range msgs {
		assert.Equal(t, "OrganizationInvitation", m.Type)
		links = append(links, m.Payload["link"])
	}
	assert.Equal(t, []any{n.createLink, n.resendLink}, links, "links of the e-mails to %s (create, then resend)", sd.Invitee)
}

// mcpStep is one tool call of the MCP life cycle and its check.
type mcpStep struct {
	name  string
	call  clientCall
	check func(t *testing.T, res *clientResult)
}

func testLifeCycleMCP(t *testing.T, tl tools, url string, sb *logtoSandbox, sd seed) {
	n := invitationFor(sd, "mcp")
	const id = "${call0.structuredContent.id}" // client.mjs substitutes the created id
	var created map[string]any
	var invID string

	steps := []mcpStep{
		{
			name: "create",
			call: clientCall{Name: "create-organization-invitation", Arguments: map[string]any{"body": n.body}},
			check: func(t *testing.T, res *clientResult) {
				created = toolObject(t, res)
				invID = assertCreated(t, created, sd, n)
			},
		},
		{
			name: "list by organization",
			call: clientCall{Name: "get-organization-invitations", Arguments: map[string]any{"organizationId": sd.OrgID}},
			check: func(t *testing.T, res *clientResult) {
				require.False(t, res.IsError, "isError: %s", res.text())
				var list []map[string]any
				require.NoError(t, json.Unmarshal([]byte(res.text()), &list), "%s", res.text())
				assert.Equal(t, []map[string]any{created}, list)
			},
		},
		{
			name: "get deep-equals the create result",
			call: clientCall{Name: "get-organization-invitation", Arguments: map[string]any{"id": id}},
			check: func(t *testing.T, res *clientResult) {
				assert.Equal(t, created, toolObject(t, res))
			},
		},
		{
			name: "an argument of the wrong type is a tool error naming it",
			call: clientCall{Name: "update-organization-invitation-status", Arguments: map[string]any{"id": id, "body": "Accepted"}},
			check: func(t *testing.T, res *clientResult) {
				assert.True(t, res.IsError, "isError: %s", res.text())
				assert.Contains(t, res.text(), `"body"`)
				assert.NotContains(t, res.text(), "guard.invalid_input", "rejected by Logto, not by the tool")
			},
		},
		{
			name: "accepting as a user with another e-mail is Logto's 422",
			call: clientCall{Name: "update-organization-invitation-status", Arguments: map[string]any{
				"id": id, "body": map[string]any{"status": "Accepted", "acceptedUserId": sd.OtherUserID},
			}},
			check: func(t *testing.T, res *clientResult) {
				assert.True(t, res.IsError, "isError: %s", res.text())
				assert.Contains(t, res.text(), "422")
				assert.Contains(t, res.text(), emailMismatchBody)
			},
		},
		{
			name: "accept",
			call: clientCall{Name: "update-organization-invitation-status", Arguments: map[string]any{
				"id": id, "body": map[string]any{"status": "Accepted", "acceptedUserId": sd.UserID},
			}},
			check: func(t *testing.T, res *clientResult) {
				assertAccepted(t, toolObject(t, res), created, sd.UserID)
			},
		},
		{
			name: "resend",
			call: clientCall{Name: "resend-invitation-message", Arguments: map[string]any{"id": id, "body": n.resendInput}},
			check: func(t *testing.T, res *clientResult) {
				assert.False(t, res.IsError, "isError: %s", res.text())
			},
		},
		{
			name: "delete",
			call: clientCall{Name: "delete-organization-invitation", Arguments: map[string]any{"id": id}},
			check: func(t *testing.T, res *clientResult) {
				assert.False(t, res.IsError, "isError: %s", res.text())
			},
		},
		{
			name: "get after delete is Logto's 404",
			call: clientCall{Name: "get-organization-invitation", Arguments: map[string]any{"id": id}},
			check: func(t *testing.T, res *clientResult) {
				assert.True(t, res.IsError, "isError: %s", res.text())
				assert.Contains(t, res.text(), "404")
				assert.Contains(t, res.text(), notFoundBody)
			},
		},
	}

	calls := make([]clientCall, 0, len(steps))
	for _, s := range steps {
		calls = append(calls, s.call)
	}
	data, err := json.Marshal(calls)
	require.NoError(t, err)
	stdout, stderr, err := runNode(t, tl.e2eDir, tl.node, tl.clientJS, url, string(data))
	require.NoError(t, err, "client.mjs %s\nstdout:\n%s\nstderr:\n%s", url, stdout, stderr)
	var got struct {
		Calls []struct {
			Name      string         `json:"name"`
			Arguments map[string]any `json:"arguments"`
			Result    *clientResult  `json:"result"`
			Error     *struct {
				Message string `json:"message"`
			} `json:"error"`
		} `json:"calls"`
	}
	require.NoError(t, json.Unmarshal(stdout, &got), "client.mjs stdout must be one JSON document:\n%s", stdout)
	require.Len(t, got.Calls, len(steps), "client.mjs output:\n%s", stdout)

	// The steps depend on each other, so the first failure stops the run.
	for i, s := range steps {
		c := got.Calls[i]
		ok := t.Run(s.name, func(t *testing.T) {
			require.Nil(t, c.Error, "%s: want a tool result, got an error: %+v", s.call.Name, c.Error)
			require.NotNil(t, c.Result, s.call.Name)
			if i > 0 && invID != "" {
				if v, has := c.Arguments["id"]; has {
					assert.Equal(t, invID, v, "id substituted by client.mjs")
				}
			}
			s.check(t, c.Result)
		})
		require.True(t, ok, "step %q failed; client.mjs output:\n%s", s.name, stdout)
	}
	assertSideEffects(t, sb, sd, n)
}

// toolObject asserts a successful tool result whose structuredContent is the
// JSON object of its text, and returns it.
func toolObject(t *testing.T, res *clientResult) map[string]any {
	t.Helper()
	require.False(t, res.IsError, "isError: %s", res.text())
	var fromText map[string]any
	require.NoError(t, json.Unmarshal([]byte(res.text()), &fromText), "%s", res.text())
	assert.Equal(t, fromText, res.StructuredContent, "structuredContent = the text's JSON")
	return fromText
}

func testLifeCycleREST(t *testing.T, base string, sb *logtoSandbox, sd seed) {
	n := invitationFor(sd, "rest")
	coll := base + "/v1/api/organization-invitations"
	do := func(method, url string, body any) httpResponse {
		return doJSON(t, method, url, body, nil)
	}
	object := func(res httpResponse) map[string]any {
		t.Helper()
		assert.Contains(t, res.Header.Get("Content-Type"), "application/json")
		var v map[string]any
		require.NoError(t, json.Unmarshal(res.Body, &v), "%s", res.Body)
		return v
	}

	res := do(http.MethodPost, coll, n.body)
	require.Equal(t, http.StatusCreated, res.Status, "create: %s", res.Body)
	created := object(res)
	id := assertCreated(t, created, sd, n)
	require.NotEmpty(t, id)
	item := coll + "/" + id

	res = do(http.MethodGet, coll+"?organizationId="+sd.OrgID, nil)
	require.Equal(t, http.StatusOK, res.Status, "list: %s", res.Body)
	var list []map[string]any
	require.NoError(t, json.Unmarshal(res.Body, &list), "%s", res.Body)
	assert.Equal(t, []map[string]any{created}, list, "list by organization")

	res = do(http.MethodGet, item, nil)
	require.Equal(t, http.StatusOK, res.Status, "get: %s", res.Body)
	assert.Equal(t, created, object(res), "get deep-equals the create response")

	res = do(http.MethodPut, item+"/status", map[string]any{"status": "Accepted", "acceptedUserId": sd.OtherUserID})
	assert.Equal(t, http.StatusUnprocessableEntity, res.Status, "accept as another user: %s", res.Body)
	assert.JSONEq(t, emailMismatchBody, string(res.Body), "Logto's error passes through")

	res = do(http.MethodPut, item+"/status", map[string]any{"status": "Accepted", "acceptedUserId": sd.UserID})
	require.Equal(t, http.StatusOK, res.Status, "accept: %s", res.Body)
	assertAccepted(t, object(res), created, sd.UserID)

	res = do(http.MethodPost, item+"/message", n.resendInput)
	assert.Equal(t, http.StatusNoContent, res.Status, "resend: %s", res.Body)
	assert.Empty(t, res.Body, "resend body")

	res = do(http.MethodDelete, item, nil)
	require.Equal(t, http.StatusNoContent, res.Status, "delete: %s", res.Body)
	assert.Empty(t, res.Body, "delete body")

	res = do(http.MethodGet, item, nil)
	assert.Equal(t, http.StatusNotFound, res.Status, "get after delete: %s", res.Body)
	assert.JSONEq(t, notFoundBody, string(res.Body))
	direct := sb.api(t, http.MethodGet, "/api/organization-invitations/"+id, nil)
	assert.Equal(t, string(direct.Body), string(res.Body), "the body is Logto's, byte for byte")
	assert.Equal(t, direct.Header.Get("Content-Type"), res.Header.Get("Content-Type"), "Content-Type is Logto's")

	assertSideEffects(t, sb, sd, n)
}
