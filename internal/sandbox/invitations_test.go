package sandbox

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Cases 1–21 of §6 of the reference (upstream integration tests), run against the sandbox with
// the development header as upstream does. Webhook cases 22–23 are not emulated (no webhooks).
// Expected statuses and codes are those of the reference document.

type scenario struct {
	name string
	opts Options
	run  func(t *testing.T, h *harness)
}

func runScenarios(t *testing.T, cases []scenario) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			opts := tc.opts
			opts.DevHeader = true
			tc.run(t, newHarness(t, opts))
		})
	}
}

func TestCreation(t *testing.T) {
	t.Parallel()
	runScenarios(t, []scenario{
		{name: "01 create returns 201 with the entity", run: func(t *testing.T, h *harness) {
			org := h.org("test")
			exp := h.nowMs() + 1_000_000
			res := h.invite(map[string]any{"organizationId": org["id"], "invitee": "ab1c@example.com", "expiresAt": exp})
			require.Equal(t, http.StatusCreated, res.status, string(res.body))
			assert.Equal(t, "application/json; charset=utf-8", res.header.Get("Content-Type"))
			assert.Equal(t, []string{"tenantId", "id", "inviterId", "invitee", "acceptedUserId", "organizationId",
				"status", "createdAt", "updatedAt", "expiresAt", "organizationRoles"}, topKeys(t, res.body))
			inv := res.obj(t)
			assert.Regexp(t, `^[0-9a-z]{21}$`, inv["id"])
			assert.Equal(t, "default", inv["tenantId"])
			assert.Nil(t, inv["inviterId"])
			assert.Nil(t, inv["acceptedUserId"])
			assert.Equal(t, "ab1c@example.com", inv["invitee"])
			assert.Equal(t, "Pending", inv["status"])
			assert.EqualValues(t, h.nowMs(), inv["createdAt"])
			assert.Equal(t, inv["createdAt"], inv["updatedAt"])
			assert.EqualValues(t, exp, inv["expiresAt"])
			assert.Equal(t, []any{}, inv["organizationRoles"])
		}},
		{name: "02 messagePayload sends the e-mail", run: func(t *testing.T, h *harness) {
			org := h.org("test")
			h.mustInvite(map[string]any{"organizationId": org["id"], "invitee": "x1@example.com",
				"messagePayload": map[string]any{"link": "https://example.com"}})
			out := h.srv.Outbox()
			require.Len(t, out, 1)
			assert.Equal(t, "x1@example.com", out[0].To)
			assert.Equal(t, "OrganizationInvitation", out[0].Type)
			var p map[string]any
			require.NoError(t, json.Unmarshal(out[0].Payload, &p))
			assert.Equal(t, "https://example.com", p["link"])
			assert.Equal(t, org["id"], p["organization"].(map[string]any)["id"])
		}},
		{name: "03 resend sends again", run: func(t *testing.T, h *harness) {
			org := h.org("test")
			inv := h.mustInvite(map[string]any{"organizationId": org["id"], "invitee": "x2@example.com",
				"messagePayload": map[string]any{"link": "https://example.com"}})
			res := h.do("POST", "/api/organization-invitations/"+inv["id"].(string)+"/message",
				map[string]any{"link": "https://example1.com"})
			require.Equal(t, http.StatusNoContent, res.status, string(res.body))
			assert.Empty(t, res.body)
			out := h.do("GET", "/sandbox/outbox", nil).list(t)
			require.Len(t, out, 2)
			assert.Equal(t, "OrganizationInvitation", out[1]["type"])
			assert.Equal(t, map[string]any{"link": "https://example1.com"}, out[1]["payload"])
		}},
		{name: "04 no e-mail connector gives 501 and creates nothing", opts: Options{NoEmailConnector: true},
			run: func(t *testing.T, h *harness) {
				org := h.org("test")
				res := h.invite(map[string]any{"organizationId": org["id"], "invitee": "x3@example.com",
					"messagePayload": map[string]any{"link": "https://example.com"}})
				assert.Equal(t, 501, res.status)
				assert.Equal(t, "connector.not_found", res.code())
				assert.Empty(t, h.do("GET", "/api/organization-invitations", nil).list(t))
			}},
		{name: "05 same invitee twice for one org", run: func(t *testing.T, h *harness) {
			org := h.org("test")
			h.mustInvite(map[string]any{"organizationId": org["id"], "invitee": "dup@example.com"})
			res := h.invite(map[string]any{"organizationId": org["id"], "invitee": "dup@example.com"})
			assert.Equal(t, 422, res.status)
			assert.Equal(t, "entity.unique_integrity_violation", res.code())
		}},
		{name: "06 same invitee for two orgs in parallel", run: func(t *testing.T, h *harness) {
			orgs := []map[string]any{h.org("a"), h.org("b")}
			statuses := make([]int, 2)
			var wg sync.WaitGroup
			for i, org := range orgs {
				body := map[string]any{"organizationId": org["id"], "invitee": "par@example.com", "expiresAt": h.nowMs() + 1_000_000}
				wg.Go(func() { statuses[i] = h.do("POST", "/api/organization-invitations", body).status })
			}
			wg.Wait()
			assert.Equal(t, []int{201, 201}, statuses)
		}},
		{name: "07 expiresAt in the past", run: func(t *testing.T, h *harness) {
			org := h.org("test")
			res := h.invite(map[string]any{"organizationId": org["id"], "invitee": "p@example.com", "expiresAt": h.nowMs() - 1_000_000})
			assert.Equal(t, 400, res.status)
			assert.Equal(t, "request.invalid_input", res.code())
		}},
		{name: "08 invitee already a member", run: func(t *testing.T, h *harness) {
			org := h.org("test")
			u := h.user("member@example.com")
			res := h.do("POST", "/api/organizations/"+org["id"].(string)+"/users", map[string]any{"userIds": []any{u["id"]}})
			require.Equal(t, 201, res.status, string(res.body))
			res = h.invite(map[string]any{"organizationId": org["id"], "invitee": "member@example.com"})
			assert.Equal(t, 422, res.status)
			assert.Equal(t, "request.invalid_input", res.code())
		}},
		{name: "09 invalid invitee", run: func(t *testing.T, h *harness) {
			org := h.org("test")
			res := h.invite(map[string]any{"organizationId": org["id"], "invitee": "invalid"})
			assert.Equal(t, 400, res.status)
			assert.Equal(t, "guard.invalid_input", res.code())
		}},
		{name: "10 unknown organization", run: func(t *testing.T, h *harness) {
			res := h.invite(map[string]any{"organizationId": "invalid", "invitee": "o@example.com"})
			assert.Equal(t, 422, res.status)
			assert.Equal(t, "entity.relation_foreign_key_not_found", res.code())
		}},
		{name: "11 roles; get and list deep-equal the create response", run: func(t *testing.T, h *harness) {
			org, role := h.org("test"), h.role("test")
			res := h.invite(map[string]any{"organizationId": org["id"], "invitee": "r@example.com",
				"organizationRoleIds": []any{role["id"]}})
			created := h.created(res, 201)
			assert.Equal(t, []any{map[string]any{"id": role["id"], "name": "test"}}, created["organizationRoles"])
			got := h.do("GET", "/api/organization-invitations/"+created["id"].(string), nil)
			require.Equal(t, 200, got.status)
			assert.Equal(t, created, got.obj(t))
			assert.Equal(t, []map[string]any{created}, h.do("GET", "/api/organization-invitations", nil).list(t))
		}},
	})
}

func TestListing(t *testing.T) {
	t.Parallel()
	runScenarios(t, []scenario{
		{name: "12 filters by organizationId and inviterId; user deletion cascades", run: func(t *testing.T, h *harness) {
			o1, o2 := h.org("o1"), h.org("o2")
			u1, u2 := h.user("foo@bar.io"), h.user("bar@baz.io")
			h.mustInvite(map[string]any{"organizationId": o1["id"], "invitee": "foo@bar.io", "inviterId": u1["id"]})
			h.mustInvite(map[string]any{"organizationId": o2["id"], "invitee": "foo@bar.io", "inviterId": u1["id"]})
			h.mustInvite(map[string]any{"organizationId": o1["id"], "invitee": "bar@baz.io", "inviterId": u2["id"]})

			byOrg := h.do("GET", "/api/organization-invitations?organizationId="+o1["id"].(string), nil).list(t)
			require.Len(t, byOrg, 2)
			for _, inv := range byOrg {
				assert.Equal(t, o1["id"], inv["organizationId"])
			}
			byInviter := h.do("GET", "/api/organization-invitations?inviterId="+u1["id"].(string), nil).list(t)
			require.Len(t, byInviter, 2)
			for _, inv := range byInviter {
				assert.Equal(t, u1["id"], inv["inviterId"])
			}
			assert.Len(t, h.do("GET", "/api/organization-invitations", nil).list(t), 3)
			for _, u := range []map[string]any{u1, u2} {
				assert.Equal(t, 204, h.do("DELETE", "/api/users/"+u["id"].(string), nil).status)
			}
			assert.Empty(t, h.do("GET", "/api/organization-invitations", nil).list(t))
		}},
		{name: "13 invitee filter is case-insensitive", run: func(t *testing.T, h *harness) {
			org := h.org("test")
			h.mustInvite(map[string]any{"organizationId": org["id"], "invitee": "MIXED@EXAMPLE.COM"})
			got := h.do("GET", "/api/organization-invitations?invitee=mixed@example.com", nil).list(t)
			require.Len(t, got, 1)
			assert.Equal(t, "mixed@example.com", strings.ToLower(got[0]["invitee"].(string)))
		}},
		{name: "14 no pagination", run: func(t *testing.T, h *harness) {
			org := h.org("test")
			for i := range 30 {
				h.mustInvite(map[string]any{"organizationId": org["id"], "invitee": fmt.Sprintf("n%d@example.com", i)})
			}
			res := h.do("GET", "/api/organization-invitations?organizationId="+org["id"].(string)+"&page=1&page_size=5", nil)
			assert.Len(t, res.list(t), 30)
			assert.Empty(t, res.header.Get("Total-Number"))
		}},
	})
}

// accept prepares an invitation (optionally with roles) and a user with the invitee's address.
func acceptSetup(t *testing.T, h *harness, roleIDs ...any) (org, inv, usr map[string]any) {
	t.Helper()
	org = h.org("acme")
	if roleIDs == nil {
		roleIDs = []any{}
	}
	inv = h.mustInvite(map[string]any{"organizationId": org["id"], "invitee": "acc@example.com", "organizationRoleIds": roleIDs})
	usr = h.user("acc@example.com")
	return org, inv, usr
}

func statusPath(inv map[string]any) string {
	return "/api/organization-invitations/" + inv["id"].(string) + "/status"
}

func TestStatus(t *testing.T) {
	t.Parallel()
	runScenarios(t, []scenario{
		{name: "15 expiry is read-time; accepting without user", run: func(t *testing.T, h *harness) {
			org := h.org("test")
			inv := h.mustInvite(map[string]any{"organizationId": org["id"], "invitee": "e@example.com", "expiresAt": h.nowMs() + 100})
			assert.Equal(t, "Pending", inv["status"])
			h.clock.Advance(200 * time.Millisecond)
			got := h.do("GET", "/api/organization-invitations/"+inv["id"].(string), nil).obj(t)
			assert.Equal(t, "Expired", got["status"])
			assert.Equal(t, inv["updatedAt"], got["updatedAt"])
			res := h.do("PUT", statusPath(inv), map[string]any{"status": "Accepted"})
			assert.Equal(t, 422, res.status)
			assert.Equal(t, "request.invalid_input", res.code())
		}},
		{name: "16 accept adds membership", run: func(t *testing.T, h *harness) {
			org, inv, usr := acceptSetup(t, h)
			res := h.do("PUT", statusPath(inv), map[string]any{"status": "Accepted", "acceptedUserId": usr["id"]})
			require.Equal(t, 200, res.status, string(res.body))
			assert.Equal(t, "Accepted", res.obj(t)["status"])
			assert.Equal(t, usr["id"], res.obj(t)["acceptedUserId"])
			orgs := h.do("GET", "/api/users/"+usr["id"].(string)+"/organizations", nil).list(t)
			require.Len(t, orgs, 1)
			assert.Equal(t, org["id"], orgs[0]["id"])
			assert.Equal(t, org["name"], orgs[0]["name"])
		}},
		{name: "17 accept grants the invitation's roles", run: func(t *testing.T, h *harness) {
			role := h.role("editor")
			_, inv, usr := acceptSetup(t, h, role["id"])
			res := h.do("PUT", statusPath(inv), map[string]any{"status": "Accepted", "acceptedUserId": usr["id"]})
			require.Equal(t, 200, res.status, string(res.body))
			orgs := h.do("GET", "/api/users/"+usr["id"].(string)+"/organizations", nil).list(t)
			require.Len(t, orgs, 1)
			assert.Equal(t, []any{map[string]any{"id": role["id"], "name": "editor"}}, orgs[0]["organizationRoles"])
		}},
		{name: "18 accepting user with another e-mail", run: func(t *testing.T, h *harness) {
			_, inv, _ := acceptSetup(t, h)
			other := h.user("someone-else@example.com")
			res := h.do("PUT", statusPath(inv), map[string]any{"status": "Accepted", "acceptedUserId": other["id"]})
			assert.Equal(t, 422, res.status)
			assert.Equal(t, "request.invalid_input", res.code())
		}},
		{name: "19 accepting with an unknown user", run: func(t *testing.T, h *harness) {
			_, inv, _ := acceptSetup(t, h)
			res := h.do("PUT", statusPath(inv), map[string]any{"status": "Accepted", "acceptedUserId": "invalid"})
			assert.Equal(t, 404, res.status)
			assert.Equal(t, "entity.not_found", res.code())
		}},
		{name: "20 revoke, then accept", run: func(t *testing.T, h *harness) {
			_, inv, usr := acceptSetup(t, h)
			h.clock.Advance(5 * time.Second)
			res := h.do("PUT", statusPath(inv), map[string]any{"status": "Revoked"})
			require.Equal(t, 200, res.status, string(res.body))
			revoked := res.obj(t)
			assert.Equal(t, "Revoked", revoked["status"])
			assert.Nil(t, revoked["acceptedUserId"])
			assert.Equal(t, inv["createdAt"], revoked["createdAt"])
			assert.EqualValues(t, h.nowMs(), revoked["updatedAt"])
			assert.NotEqual(t, inv["updatedAt"], revoked["updatedAt"])

			res = h.do("PUT", statusPath(inv), map[string]any{"status": "Accepted"})
			assert.Equal(t, 422, res.status)
			assert.Equal(t, "request.invalid_input", res.code())
			// With a valid user the ending-status rule is what refuses it.
			res = h.do("PUT", statusPath(inv), map[string]any{"status": "Accepted", "acceptedUserId": usr["id"]})
			assert.Equal(t, 422, res.status)
			assert.Contains(t, string(res.body), "cannot be changed anymore")
		}},
	})
}

func TestRateLimit(t *testing.T) {
	t.Parallel()
	runScenarios(t, []scenario{
		{name: "21 ten resends, the eleventh is limited", run: func(t *testing.T, h *harness) {
			org := h.org("test")
			inv := h.mustInvite(map[string]any{"organizationId": org["id"], "invitee": "Rate@Example.com"})
			path := "/api/organization-invitations/" + inv["id"].(string) + "/message"
			for i := range 10 {
				require.Equal(t, 204, h.do("POST", path, map[string]any{"link": "https://example.com"}).status, "send %d", i+1)
			}
			res := h.do("POST", path, map[string]any{"link": "https://example.com"})
			assert.Equal(t, 429, res.status)
			assert.Equal(t, "request.message_rate_limited", res.code())
			assert.Empty(t, res.header.Get("Retry-After"))
			// The bucket is per recipient (lower-cased, trimmed), so a create with an e-mail to the
			// same address is limited too and leaves nothing behind.
			res = h.invite(map[string]any{"organizationId": h.org("other")["id"], "invitee": "rate@example.com",
				"messagePayload": map[string]any{}})
			assert.Equal(t, 429, res.status)
			assert.Len(t, h.srv.Outbox(), 10)
			// The window rolls.
			h.clock.Advance(600 * time.Second)
			assert.Equal(t, 204, h.do("POST", path, map[string]any{}).status)
		}},
	})
}

// Extra cases listed in the reference, taken from the upstream code.
func TestExtraCases(t *testing.T) {
	t.Parallel()
	runScenarios(t, []scenario{
		{name: "unknown id gives 404 on every route", run: func(t *testing.T, h *harness) {
			base := "/api/organization-invitations/nosuchinvitation00000"
			for _, req := range []struct {
				method, path string
				body         any
			}{
				{"GET", base, nil},
				{"DELETE", base, nil},
				{"POST", base + "/message", map[string]any{}},
				{"PUT", base + "/status", map[string]any{"status": "Revoked"}},
				{"PUT", base + "/status", map[string]any{"status": "Accepted", "acceptedUserId": "someone"}},
			} {
				res := h.do(req.method, req.path, req.body)
				assert.Equal(t, 404, res.status, req.method+" "+req.path)
				assert.Equal(t, "entity.not_found", res.code(), req.method+" "+req.path)
			}
			// The missing acceptedUserId is checked before the lookup.
			res := h.do("PUT", base+"/status", map[string]any{"status": "Accepted"})
			assert.Equal(t, 422, res.status)
		}},
		{name: "delete then get", run: func(t *testing.T, h *harness) {
			inv := h.mustInvite(map[string]any{"organizationId": h.org("o")["id"], "invitee": "d@example.com"})
			path := "/api/organization-invitations/" + inv["id"].(string)
			res := h.do("DELETE", path, nil)
			assert.Equal(t, 204, res.status)
			assert.Empty(t, res.body)
			assert.Equal(t, 404, h.do("GET", path, nil).status)
		}},
		{name: "delete works in every status", run: func(t *testing.T, h *harness) {
			org := h.org("o")
			accepted := h.mustInvite(map[string]any{"organizationId": org["id"], "invitee": "a@example.com"})
			u := h.user("a@example.com")
			require.Equal(t, 200, h.do("PUT", statusPath(accepted), map[string]any{"status": "Accepted", "acceptedUserId": u["id"]}).status)
			revoked := h.mustInvite(map[string]any{"organizationId": org["id"], "invitee": "r@example.com"})
			require.Equal(t, 200, h.do("PUT", statusPath(revoked), map[string]any{"status": "Revoked"}).status)
			expired := h.mustInvite(map[string]any{"organizationId": org["id"], "invitee": "e@example.com", "expiresAt": h.nowMs() + 10})
			h.clock.Advance(time.Second)
			for _, inv := range []map[string]any{accepted, revoked, expired} {
				assert.Equal(t, 204, h.do("DELETE", "/api/organization-invitations/"+inv["id"].(string), nil).status)
			}
			// Deleting the accepted invitation does not undo the membership.
			assert.Len(t, h.do("GET", "/api/users/"+u["id"].(string)+"/organizations", nil).list(t), 1)
		}},
		{name: "status Pending is a guard error", run: func(t *testing.T, h *harness) {
			inv := h.mustInvite(map[string]any{"organizationId": h.org("o")["id"], "invitee": "g@example.com"})
			for _, body := range []map[string]any{{"status": "Pending"}, {"status": "Expired"}, {"status": "accepted"}, {}} {
				res := h.do("PUT", statusPath(inv), body)
				assert.Equal(t, 400, res.status, body)
				assert.Equal(t, "guard.invalid_input", res.code(), body)
			}
		}},
		{name: "ending statuses cannot change", run: func(t *testing.T, h *harness) {
			org := h.org("o")
			u := h.user("end@example.com")
			inv := h.mustInvite(map[string]any{"organizationId": org["id"], "invitee": "end@example.com"})
			accept := map[string]any{"status": "Accepted", "acceptedUserId": u["id"]}
			require.Equal(t, 200, h.do("PUT", statusPath(inv), accept).status)
			for _, body := range []map[string]any{accept, {"status": "Revoked"}} {
				res := h.do("PUT", statusPath(inv), body)
				assert.Equal(t, 422, res.status)
				assert.Equal(t, "request.invalid_input", res.code())
			}
			exp := h.mustInvite(map[string]any{"organizationId": h.org("p")["id"], "invitee": "end@example.com", "expiresAt": h.nowMs() + 10})
			h.clock.Advance(time.Second)
			for _, body := range []map[string]any{accept, {"status": "Revoked"}} {
				res := h.do("PUT", statusPath(exp), body)
				assert.Equal(t, 422, res.status)
				assert.Equal(t, "request.invalid_input", res.code())
			}
		}},
		{name: "unknown role or inviter leaves nothing behind", run: func(t *testing.T, h *harness) {
			org := h.org("o")
			for _, body := range []map[string]any{
				{"organizationId": org["id"], "invitee": "f@example.com", "organizationRoleIds": []any{"nosuchrole"}},
				{"organizationId": org["id"], "invitee": "f@example.com", "inviterId": "nosuchuser"},
			} {
				res := h.invite(body)
				assert.Equal(t, 422, res.status)
				assert.Equal(t, "entity.relation_foreign_key_not_found", res.code())
			}
			assert.Empty(t, h.do("GET", "/api/organization-invitations", nil).list(t))
		}},
		{name: "revoked or expired invitation does not block a new one", run: func(t *testing.T, h *harness) {
			org := h.org("o")
			inv := h.mustInvite(map[string]any{"organizationId": org["id"], "invitee": "again@example.com"})
			require.Equal(t, 200, h.do("PUT", statusPath(inv), map[string]any{"status": "Revoked"}).status)
			h.mustInvite(map[string]any{"organizationId": org["id"], "invitee": "again@example.com", "expiresAt": h.nowMs() + 10})
			h.clock.Advance(time.Second)
			h.mustInvite(map[string]any{"organizationId": org["id"], "invitee": "again@example.com"})
		}},
		{name: "unique rule is case-sensitive", run: func(t *testing.T, h *harness) {
			org := h.org("o")
			h.mustInvite(map[string]any{"organizationId": org["id"], "invitee": "A@x.com"})
			h.mustInvite(map[string]any{"organizationId": org["id"], "invitee": "a@x.com"})
		}},
		{name: "roles sorted by name, duplicates dropped", run: func(t *testing.T, h *harness) {
			viewer, admin := h.role("viewer"), h.role("admin")
			inv := h.mustInvite(map[string]any{"organizationId": h.org("o")["id"], "invitee": "s@example.com",
				"organizationRoleIds": []any{viewer["id"], admin["id"], viewer["id"]}})
			assert.Equal(t, []any{
				map[string]any{"id": admin["id"], "name": "admin"},
				map[string]any{"id": viewer["id"], "name": "viewer"},
			}, inv["organizationRoles"])
		}},
		{name: "newest first; empty filter ignored", run: func(t *testing.T, h *harness) {
			org := h.org("o")
			first := h.mustInvite(map[string]any{"organizationId": org["id"], "invitee": "1@example.com"})
			second := h.mustInvite(map[string]any{"organizationId": org["id"], "invitee": "2@example.com"})
			h.clock.Advance(time.Millisecond)
			third := h.mustInvite(map[string]any{"organizationId": org["id"], "invitee": "3@example.com"})
			got := h.do("GET", "/api/organization-invitations?organizationId=&invitee=", nil).list(t)
			require.Len(t, got, 3)
			assert.Equal(t, []any{third["id"], second["id"], first["id"]}, []any{got[0]["id"], got[1]["id"], got[2]["id"]})
		}},
		{name: "repeated query key is a guard error", run: func(t *testing.T, h *harness) {
			res := h.do("GET", "/api/organization-invitations?organizationId=a&organizationId=b", nil)
			assert.Equal(t, 400, res.status)
			assert.Equal(t, "guard.invalid_input", res.code())
			assert.Contains(t, string(res.body), `"message":"The request query is invalid."`)
		}},
		{name: "resend ignores the status and changes nothing", run: func(t *testing.T, h *harness) {
			inv := h.mustInvite(map[string]any{"organizationId": h.org("o")["id"], "invitee": "rs@example.com"})
			require.Equal(t, 200, h.do("PUT", statusPath(inv), map[string]any{"status": "Revoked"}).status)
			before := h.do("GET", "/api/organization-invitations/"+inv["id"].(string), nil).obj(t)
			h.clock.Advance(time.Second)
			assert.Equal(t, 204, h.do("POST", "/api/organization-invitations/"+inv["id"].(string)+"/message", nil).status)
			assert.Equal(t, before, h.do("GET", "/api/organization-invitations/"+inv["id"].(string), nil).obj(t))
		}},
		{name: "organization deletion cascades", run: func(t *testing.T, h *harness) {
			org := h.org("o")
			h.mustInvite(map[string]any{"organizationId": org["id"], "invitee": "c@example.com"})
			assert.Equal(t, 204, h.do("DELETE", "/api/organizations/"+org["id"].(string), nil).status)
			assert.Empty(t, h.do("GET", "/api/organization-invitations", nil).list(t))
		}},
		{name: "role deletion removes it from invitations", run: func(t *testing.T, h *harness) {
			role := h.role("gone")
			inv := h.mustInvite(map[string]any{"organizationId": h.org("o")["id"], "invitee": "rd@example.com", "organizationRoleIds": []any{role["id"]}})
			assert.Equal(t, 204, h.do("DELETE", "/api/organization-roles/"+role["id"].(string), nil).status)
			got := h.do("GET", "/api/organization-invitations/"+inv["id"].(string), nil).obj(t)
			assert.Equal(t, []any{}, got["organizationRoles"])
		}},
		{name: "machine-to-machine role cannot be granted on accept", run: func(t *testing.T, h *harness) {
			m2m := h.created(h.do("POST", "/api/organization-roles", map[string]any{"name": "bot", "type": "MachineToMachine"}), 201)
			_, inv, usr := acceptSetup(t, h, m2m["id"])
			res := h.do("PUT", statusPath(inv), map[string]any{"status": "Accepted", "acceptedUserId": usr["id"]})
			assert.Equal(t, 422, res.status)
			assert.Equal(t, "entity.db_constraint_violated", res.code())
			assert.Empty(t, h.do("GET", "/api/users/"+usr["id"].(string)+"/organizations", nil).list(t))
		}},
		{name: "invitee longer than 256 characters", run: func(t *testing.T, h *harness) {
			res := h.invite(map[string]any{"organizationId": h.org("o")["id"], "invitee": strings.Repeat("a", 250) + "@example.com"})
			assert.Equal(t, 422, res.status)
			assert.Equal(t, "entity.value_too_long", res.code())
		}},
		{name: "absurd expiresAt is a bare 500", run: func(t *testing.T, h *harness) {
			res := h.invite(map[string]any{"organizationId": h.org("o")["id"], "invitee": "far@example.com", "expiresAt": 1e16})
			assert.Equal(t, 500, res.status)
			assert.JSONEq(t, `{"message":"Internal server error."}`, string(res.body))
		}},
		{name: "inviter and e-mail context", run: func(t *testing.T, h *harness) {
			org, inviter := h.org("acme"), h.user("boss@example.com")
			h.mustInvite(map[string]any{"organizationId": org["id"], "invitee": "ctx@example.com", "inviterId": inviter["id"],
				"messagePayload": map[string]any{"locale": "de", "extra": 1}})
			out := h.srv.Outbox()
			require.Len(t, out, 1)
			assert.Equal(t, []string{"organization", "inviter", "locale", "extra"}, topKeys(t, out[0].Payload))
		}},
		{name: "GET supports If-None-Match", run: func(t *testing.T, h *harness) {
			res := h.do("GET", "/api/organization-invitations", nil)
			tag := res.header.Get("ETag")
			require.NotEmpty(t, tag)
			res = h.do("GET", "/api/organization-invitations", nil, "If-None-Match", tag)
			assert.Equal(t, http.StatusNotModified, res.status)
			assert.Empty(t, res.body)
		}},
	})
}
