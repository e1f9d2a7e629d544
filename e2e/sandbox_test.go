package e2e

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/naftiko-go/naftiko/internal/sandbox"
	"github.com/naftiko-go/naftiko/internal/secrettest"
)

// sandboxToken is the fixed bearer token the in-process Logto sandbox accepts
// and naftiko receives through LOGTO_API_KEY.
const sandboxToken = secrettest.SandboxToken

// logtoSandbox is the Logto Management API emulator served on a loopback port,
// seeded and inspected only through its HTTP API, as a user would.
type logtoSandbox struct {
	*httptest.Server
}

func startSandbox(t *testing.T) *logtoSandbox {
	t.Helper()
	srv := httptest.NewServer(sandbox.New(sandbox.Options{Token: sandboxToken}))
	t.Cleanup(srv.Close)
	return &logtoSandbox{Server: srv}
}

// httpResponse is a response read in full.
type httpResponse struct {
	Status int
	Header http.Header
	Body   []byte
}

// doJSON sends body (nil for none) as JSON with the given headers and reads
// the whole response.
func doJSON(t *testing.T, method, url string, body any, header http.Header) httpResponse {
	t.Helper()
	var rd io.Reader
	if body != nil {
		data, err := json.Marshal(body)
		require.NoError(t, err)
		rd = bytes.NewReader(data)
	}
	req, err := http.NewRequestWithContext(t.Context(), method, url, rd)
	require.NoError(t, err)
	for k, v := range header {
		req.Header[k] = v
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err, "%s %s", method, url)
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return httpResponse{Status: resp.StatusCode, Header: resp.Header, Body: data}
}

// api calls the sandbox's Management API with the fixed token.
func (s *logtoSandbox) api(t *testing.T, method, path string, body any) httpResponse {
	t.Helper()
	return doJSON(t, method, s.URL+path, body, http.Header{"Authorization": {"Bearer " + sandboxToken}})
}

// create POSTs an entity to path and returns its id.
func (s *logtoSandbox) create(t *testing.T, path string, body any) string {
	t.Helper()
	res := s.api(t, http.MethodPost, path, body)
	require.True(t, res.Status == http.StatusOK || res.Status == http.StatusCreated,
		"POST %s: %d %s", path, res.Status, res.Body)
	var v struct {
		ID string `json:"id"`
	}
	require.NoError(t, json.Unmarshal(res.Body, &v), "POST %s: %s", path, res.Body)
	require.NotEmpty(t, v.ID, "POST %s: %s", path, res.Body)
	return v.ID
}

// seed is what one life-cycle run needs in the sandbox: an organization, an
// organization role, the invitee's user and a user with another e-mail.
type seed struct {
	OrgID, RoleID, RoleName string
	Invitee, UserID         string
	OtherUserID             string
}

// seedSandbox creates a seed whose e-mail addresses start with prefix, so
// that several runs can share one sandbox.
func seedSandbox(t *testing.T, s *logtoSandbox, prefix string) seed {
	t.Helper()
	sd := seed{RoleName: prefix + "-member", Invitee: prefix + ".jane@example.com"}
	sd.OrgID = s.create(t, "/api/organizations", map[string]any{"name": "Acme " + prefix})
	sd.RoleID = s.create(t, "/api/organization-roles", map[string]any{"name": sd.RoleName})
	sd.UserID = s.create(t, "/api/users", map[string]any{"primaryEmail": sd.Invitee, "name": "Jane"})
	sd.OtherUserID = s.create(t, "/api/users", map[string]any{"primaryEmail": prefix + ".bob@example.com", "name": "Bob"})
	return sd
}

// outboxMessage is one e-mail of GET /sandbox/outbox.
type outboxMessage struct {
	To      string         `json:"to"`
	Type    string         `json:"type"`
	Payload map[string]any `json:"payload"`
}

// outboxTo returns the e-mails the sandbox sent to one recipient, oldest first.
func (s *logtoSandbox) outboxTo(t *testing.T, to string) []outboxMessage {
	t.Helper()
	res := s.api(t, http.MethodGet, "/sandbox/outbox", nil)
	require.Equal(t, http.StatusOK, res.Status, "GET /sandbox/outbox: %s", res.Body)
	var all []outboxMessage
	require.NoError(t, json.Unmarshal(res.Body, &all), "GET /sandbox/outbox: %s", res.Body)
	var out []outboxMessage
	for _, m := range all {
		if m.To == to {
			out = append(out, m)
		}
	}
	return out
}
