package sandbox

import (
	"math"
	"net/http"
	"sort"
	"strings"
)

// Invitation statuses (DB enum organization_invitation_status).
const (
	statusPending  = "Pending"
	statusAccepted = "Accepted"
	statusExpired  = "Expired"
	statusRevoked  = "Revoked"
)

// maxTimestampMs is PostgreSQL's upper bound for to_timestamp (294277-01-01): later expiresAt
// values fail in the database, which Logto reports as a bare 500.
const maxTimestampMs = 9224318016000000

// rateLimit is Logto's defaultMessageRateLimitPolicy: 10 sends per recipient per 600 s.
const (
	rateLimitCount  = 10
	rateLimitWindow = 600_000 // ms
)

// roleRef is an organization role as embedded in invitations and memberships.
type roleRef struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// invitationEntity is OrganizationInvitationEntity; field order is the API's key order.
type invitationEntity struct {
	TenantID          string    `json:"tenantId"`
	ID                string    `json:"id"`
	InviterID         *string   `json:"inviterId"`
	Invitee           string    `json:"invitee"`
	AcceptedUserID    *string   `json:"acceptedUserId"`
	OrganizationID    string    `json:"organizationId"`
	Status            string    `json:"status"`
	CreatedAt         int64     `json:"createdAt"`
	UpdatedAt         int64     `json:"updatedAt"`
	ExpiresAt         int64     `json:"expiresAt"`
	OrganizationRoles []roleRef `json:"organizationRoles"`
}

// nowExact is the clock in fractional epoch ms: expiry compares at the database's microsecond
// precision, not at the millisecond precision of the JSON.
func (s *Server) nowExact() float64 { return float64(s.now().UnixMicro()) / 1000 }

// statusOf works out the status at read time: a stored Pending past its expiry reads Expired.
func statusOf(inv *invitation, now float64) string {
	if inv.Status == statusPending && inv.ExpiresAt < now {
		return statusExpired
	}
	return inv.Status
}

// rolesOf resolves role ids to {id, name}, sorted by name as Logto's query does.
func (st *state) rolesOf(ids []string) []roleRef {
	out := []roleRef{}
	for _, id := range ids {
		if r, ok := st.Roles[id]; ok {
			out = append(out, roleRef{ID: r.ID, Name: r.Name})
		}
	}
	sort.SliceStable(out, func(a, b int) bool {
		if out[a].Name != out[b].Name {
			return out[a].Name < out[b].Name
		}
		return out[a].ID < out[b].ID
	})
	return out
}

func (s *Server) entity(inv *invitation, now float64) invitationEntity {
	// to_timestamp keeps microseconds; reads truncate to milliseconds.
	exp := int64(math.Floor(math.Round(inv.ExpiresAt*1000) / 1000))
	return invitationEntity{
		TenantID: tenantID, ID: inv.ID, InviterID: inv.InviterID, Invitee: inv.Invitee,
		AcceptedUserID: inv.AcceptedUserID, OrganizationID: inv.OrganizationID,
		Status: statusOf(inv, now), CreatedAt: inv.CreatedAt, UpdatedAt: inv.UpdatedAt, ExpiresAt: exp,
		OrganizationRoles: s.st.rolesOf(inv.RoleIDs),
	}
}

// listInvitations is GET /api/organization-invitations.
func (s *Server) listInvitations(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	var c checker
	keys := []string{"organizationId", "inviterId", "invitee"}
	for _, k := range keys {
		// Node's querystring turns a repeated key into an array, which z.string() rejects.
		if len(q[k]) > 1 {
			c.add(invalidType([]any{k}, "string", "array"))
		}
	}
	if !c.ok() {
		s.fail(w, errGuard("query", c.issues))
		return
	}
	orgID, inviterID, invitee := q.Get("organizationId"), q.Get("inviterId"), q.Get("invitee")

	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.nowExact()
	matches := []*invitation{}
	for _, inv := range s.st.Invitations {
		if orgID != "" && inv.OrganizationID != orgID {
			continue
		}
		if inviterID != "" && (inv.InviterID == nil || *inv.InviterID != inviterID) {
			continue
		}
		if invitee != "" && strings.ToLower(inv.Invitee) != strings.ToLower(invitee) {
			continue
		}
		matches = append(matches, inv)
	}
	// Newest first; the insertion sequence stands in for the microseconds a DB would compare.
	sort.Slice(matches, func(a, b int) bool {
		if matches[a].CreatedAt != matches[b].CreatedAt {
			return matches[a].CreatedAt > matches[b].CreatedAt
		}
		return matches[a].Seq > matches[b].Seq
	})
	out := make([]invitationEntity, len(matches))
	for n, inv := range matches {
		out[n] = s.entity(inv, now)
	}
	s.reply(w, r, http.StatusOK, out)
}

// createInvitation is POST /api/organization-invitations. The checks run in Logto's order.
func (s *Server) createInvitation(w http.ResponseWriter, r *http.Request) {
	var (
		inviterID *string
		invitee   string
		orgID     string
		expiresAt float64
		roleIDs   []string
		payload   object
	)
	if !s.checkObject(w, r, func(c *checker, o object) {
		v, has := o.get("inviterId")
		if id, good := c.str([]any{"inviterId"}, v, has, stringRule{optional: true, nullable: true, max: 21}); good && id != "" {
			inviterID = &id
		}
		v, has = o.get("invitee")
		invitee, _ = c.str([]any{"invitee"}, v, has, stringRule{email: true})
		v, has = o.get("organizationId")
		orgID, _ = c.str([]any{"organizationId"}, v, has, stringRule{min: 1, max: 21})
		v, has = o.get("expiresAt")
		expiresAt, _ = c.num([]any{"expiresAt"}, v, has)
		v, has = o.get("organizationRoleIds")
		roleIDs, _ = c.strArray([]any{"organizationRoleIds"}, v, has, true, stringRule{}, false)
		v, has = o.get("messagePayload")
		payload, _ = c.messagePayloadOrFalse([]any{"messagePayload"}, v, has)
	}) {
		return
	}
	if !(expiresAt > float64(s.nowMs())) {
		s.fail(w, errInvalidInput(400, "The value of `expiresAt` must be in the future."))
		return
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.st
	if st.isMemberByEmail(orgID, invitee) {
		s.fail(w, errInvalidInput(422, "The invitee is already a member of the organization."))
		return
	}
	// What PostgreSQL would reject while inserting the row, in the order it checks: value
	// conversion, then the partial unique index, then the foreign keys (end of statement).
	if math.IsInf(expiresAt, 0) || expiresAt >= maxTimestampMs {
		s.fail(w, errInternal())
		return
	}
	if pgLength(invitee) > 256 {
		s.fail(w, errValueTooLong(256))
		return
	}
	now := s.nowExact()
	for _, inv := range st.Invitations {
		// Case-sensitive on invitee, like the index; expired rows were rewritten to Expired first.
		if inv.OrganizationID == orgID && inv.Invitee == invitee && statusOf(inv, now) == statusPending {
			s.fail(w, errUnique())
			return
		}
	}
	org, ok := st.Organizations[orgID]
	if !ok {
		s.fail(w, errForeignKey())
		return
	}
	var inviter *user
	if inviterID != nil {
		if inviter, ok = st.Users[*inviterID]; !ok {
			s.fail(w, errForeignKey())
			return
		}
	}
	unique := []string{}
	for _, id := range roleIDs {
		if !contains(unique, id) { // ON CONFLICT DO NOTHING
			unique = append(unique, id)
		}
	}
	for _, id := range unique {
		if pgLength(id) > 21 {
			s.fail(w, errValueTooLong(21))
			return
		}
	}
	for _, id := range unique {
		if _, ok := st.Roles[id]; !ok {
			s.fail(w, errForeignKey())
			return
		}
	}
	if payload != nil {
		full := object{{"organization", object{{"id", org.ID}, {"name", org.Name}, {"branding", object{}}}}}
		if inviter != nil {
			full = append(full, member{"inviter", inviterContext(inviter)})
		}
		for _, m := range payload {
			full = full.set(m.Key, m.Value)
		}
		// A failed send rolls the whole insert back, so nothing has been written yet.
		if e := s.send(invitee, full); e != nil {
			s.fail(w, e)
			return
		}
	}
	ms := s.nowMs()
	inv := &invitation{
		ID: newID(), InviterID: inviterID, Invitee: invitee, OrganizationID: orgID, Status: statusPending,
		CreatedAt: ms, UpdatedAt: ms, ExpiresAt: expiresAt, RoleIDs: unique, Seq: st.nextSeq(),
	}
	st.Invitations[inv.ID] = inv
	if s.saved(w) {
		s.reply(w, r, http.StatusCreated, s.entity(inv, now))
	}
}

// inviterContext is buildUserContextInfo: the inviter as e-mail templates see it.
func inviterContext(u *user) object {
	return object{
		{"id", u.ID}, {"avatar", u.Avatar}, {"name", u.Name}, {"primaryEmail", u.PrimaryEmail},
		{"primaryPhone", u.PrimaryPhone}, {"username", u.Username}, {"profile", object{}},
	}
}

// getInvitation is GET /api/organization-invitations/{id}.
func (s *Server) getInvitation(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if inv, ok := lookup(s, w, s.st.Invitations, r.PathValue("id")); ok {
		s.reply(w, r, http.StatusOK, s.entity(inv, s.nowExact()))
	}
}

// deleteInvitation is DELETE /api/organization-invitations/{id}; any status may be deleted.
func (s *Server) deleteInvitation(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	id := r.PathValue("id")
	if _, ok := lookup(s, w, s.st.Invitations, id); !ok {
		return
	}
	delete(s.st.Invitations, id)
	if s.saved(w) {
		noContent(w)
	}
}

// resendInvitation is POST /api/organization-invitations/{id}/message. The status is not
// checked and the invitation is not changed.
func (s *Server) resendInvitation(w http.ResponseWriter, r *http.Request) {
	var payload object
	if !s.checkBody(w, r, func(c *checker, body any) { payload, _ = c.messagePayload(nil, body, true) }) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	inv, ok := lookup(s, w, s.st.Invitations, r.PathValue("id"))
	if !ok {
		return
	}
	if e := s.send(inv.Invitee, payload); e != nil {
		s.fail(w, e)
		return
	}
	if s.saved(w) {
		noContent(w)
	}
}

// updateInvitationStatus is PUT /api/organization-invitations/{id}/status.
func (s *Server) updateInvitationStatus(w http.ResponseWriter, r *http.Request) {
	var status, accepted string
	if !s.checkObject(w, r, func(c *checker, o object) {
		v, has := o.get("acceptedUserId")
		accepted, _ = c.str([]any{"acceptedUserId"}, v, has, stringRule{optional: true, nullable: true, max: 21})
		v, has = o.get("status")
		status, _ = c.enum([]any{"status"}, v, has, statusAccepted, statusRevoked)
	}) {
		return
	}
	// Checked by the route before the invitation is even looked up.
	if status == statusAccepted && accepted == "" {
		s.fail(w, errInvalidInput(422, "The `acceptedUserId` is required when accepting an invitation."))
		return
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.st
	inv, ok := lookup(s, w, st.Invitations, r.PathValue("id"))
	if !ok {
		return
	}
	now := s.nowExact()
	if statusOf(inv, now) != statusPending {
		s.fail(w, errInvalidInput(422, "The status of the invitation cannot be changed anymore."))
		return
	}
	if status == statusAccepted {
		u, ok := lookup(s, w, st.Users, accepted)
		if !ok {
			return
		}
		if u.PrimaryEmail == nil || strings.ToLower(*u.PrimaryEmail) != strings.ToLower(inv.Invitee) {
			s.fail(w, errInvalidInput(422, "The accepted user must have the same email as the invitee."))
			return
		}
		roles := st.rolesOf(inv.RoleIDs)
		for _, ref := range roles {
			// The user-role relation only admits roles of type User (check constraint).
			if st.Roles[ref.ID].Type != roleTypeUser {
				s.fail(w, errConstraint())
				return
			}
		}
		st.addMember(inv.OrganizationID, accepted)
		for _, ref := range roles {
			st.addUserRole(inv.OrganizationID, accepted, ref.ID)
		}
		inv.AcceptedUserID = &accepted
	}
	inv.Status = status
	inv.UpdatedAt = s.nowMs()
	if s.saved(w) {
		s.reply(w, r, http.StatusOK, s.entity(inv, now))
	}
}
