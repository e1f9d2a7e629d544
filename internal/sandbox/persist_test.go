package sandbox

import (
	"encoding/json"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestPersistenceRoundTrip(t *testing.T) {
	t.Parallel()
	file := filepath.Join(t.TempDir(), "state.json")
	h := newHarness(t, Options{DataFile: file})
	tok := h.token(t, form())
	auth := []string{"Authorization", "Bearer " + tok}

	org := h.created(h.do("POST", "/api/organizations", map[string]any{"name": "acme"}, auth...), 201)
	role := h.created(h.do("POST", "/api/organization-roles", map[string]any{"name": "admin"}, auth...), 201)
	usr := h.created(h.do("POST", "/api/users", map[string]any{"primaryEmail": "p@example.com"}, auth...), 200)
	inv := h.created(h.do("POST", "/api/organization-invitations", map[string]any{
		"organizationId": org["id"], "invitee": "p@example.com", "expiresAt": h.nowMs() + 1_000_000,
		"organizationRoleIds": []any{role["id"]}, "messagePayload": map[string]any{"link": "https://x"},
	}, auth...), 201)
	require.Equal(t, 200, h.do("PUT", statusPath(inv), map[string]any{"status": "Accepted", "acceptedUserId": usr["id"]}, auth...).status)
	before := h.do("GET", "/api/organization-invitations", nil, auth...).body
	memberships := h.do("GET", "/api/users/"+usr["id"].(string)+"/organizations", nil, auth...).body

	var onDisk map[string]any
	data, err := os.ReadFile(file)
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(data, &onDisk))
	entries, err := os.ReadDir(filepath.Dir(file))
	require.NoError(t, err)
	assert.Len(t, entries, 1, "temporary files must not be left behind")

	// A second server on the same file sees everything, and the issued token stays valid.
	again, err := Open(Options{DataFile: file, Now: h.clock.Now})
	require.NoError(t, err)
	ts := httptest.NewServer(again)
	t.Cleanup(ts.Close)
	h2 := &harness{t: t, srv: again, url: ts.URL, clock: h.clock}
	assert.Equal(t, string(before), string(h2.do("GET", "/api/organization-invitations", nil, auth...).body))
	assert.Equal(t, string(memberships), string(h2.do("GET", "/api/users/"+usr["id"].(string)+"/organizations", nil, auth...).body))
	assert.Equal(t, h.srv.Outbox(), again.Outbox())
}

func TestOpenRejectsCorruptFile(t *testing.T) {
	t.Parallel()
	file := filepath.Join(t.TempDir(), "state.json")
	require.NoError(t, os.WriteFile(file, []byte("{not json"), 0o600))
	_, err := Open(Options{DataFile: file})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "parse data file")
}

func TestOpenRejectsUnwritableLocation(t *testing.T) {
	t.Parallel()
	_, err := Open(Options{DataFile: filepath.Join(t.TempDir(), "missing-dir", "state.json")})
	require.Error(t, err)
}

func TestIDs(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	for range 1000 {
		id := newID()
		assert.Regexp(t, `^[0-9a-z]{21}$`, id)
		assert.False(t, seen[id])
		seen[id] = true
	}
}
