package sandbox

import (
	"encoding/json"
	"net/http"
	"regexp"
	"sort"
	"strings"
)

// The directory is the minimum of organizations, organization roles and users that the
// invitation rules refer to. Shapes follow Logto's, validation is kept to the fields accepted.

// Organization role types.
const (
	roleTypeUser = "User"
	roleTypeM2M  = "MachineToMachine"
)

// Patterns of @logto/core-kit used by POST /api/users.
var (
	userEmailPattern = regexp.MustCompile(`^\S+@\S+\.\S+$`)
	usernamePattern  = regexp.MustCompile(`^[A-Z_a-z]\w*$`)
	phonePattern     = regexp.MustCompile(`^\d+$`)
)

type organizationEntity struct {
	TenantID      string          `json:"tenantId"`
	ID            string          `json:"id"`
	Name          string          `json:"name"`
	Description   *string         `json:"description"`
	CustomData    json.RawMessage `json:"customData"`
	IsMfaRequired bool            `json:"isMfaRequired"`
	Branding      object          `json:"branding"`
	CreatedAt     int64           `json:"createdAt"`
}

type organizationWithRoles struct {
	organizationEntity
	OrganizationRoles []roleRef `json:"organizationRoles"`
}

type roleEntity struct {
	TenantID    string  `json:"tenantId"`
	ID          string  `json:"id"`
	Name        string  `json:"name"`
	Description *string `json:"description"`
	Type        string  `json:"type"`
}

type userEntity struct {
	ID            string          `json:"id"`
	Username      *string         `json:"username"`
	PrimaryEmail  *string         `json:"primaryEmail"`
	PrimaryPhone  *string         `json:"primaryPhone"`
	Name          *string         `json:"name"`
	Avatar        *string         `json:"avatar"`
	CustomData    json.RawMessage `json:"customData"`
	Identities    object          `json:"identities"`
	LastSignInAt  *int64          `json:"lastSignInAt"`
	CreatedAt     int64           `json:"createdAt"`
	UpdatedAt     int64           `json:"updatedAt"`
	Profile       object          `json:"profile"`
	ApplicationID *string         `json:"applicationId"`
	IsSuspended   bool            `json:"isSuspended"`
	HasPassword   bool            `json:"hasPassword"`
}

type userWithRoles struct {
	userEntity
	OrganizationRoles []roleRef `json:"organizationRoles"`
}

func orgJSON(o *organization) organizationEntity {
	return organizationEntity{TenantID: tenantID, ID: o.ID, Name: o.Name, Description: o.Description,
		CustomData: rawOr(o.CustomData), IsMfaRequired: o.IsMfaRequired, Branding: object{}, CreatedAt: o.CreatedAt}
}

func roleJSON(r *orgRole) roleEntity {
	return roleEntity{TenantID: tenantID, ID: r.ID, Name: r.Name, Description: r.Description, Type: r.Type}
}

func userJSON(u *user) userEntity {
	return userEntity{ID: u.ID, Username: u.Username, PrimaryEmail: u.PrimaryEmail, PrimaryPhone: u.PrimaryPhone,
		Name: u.Name, Avatar: u.Avatar, CustomData: rawOr(u.CustomData), Identities: object{},
		CreatedAt: u.CreatedAt, UpdatedAt: u.UpdatedAt, Profile: object{}}
}

func rawOr(raw json.RawMessage) json.RawMessage {
	if len(raw) == 0 || string(raw) == "null" {
		return json.RawMessage(`{}`)
	}
	return raw
}

// bySeq sorts newest first.
func bySeq[T any](items []T, seq func(T) int64) {
	sort.Slice(items, func(a, b int) bool { return seq(items[a]) > seq(items[b]) })
}

func (st *state) isMember(orgID, userID string) bool {
	for _, m := range st.Members {
		if m.OrganizationID == orgID && m.UserID == userID {
			return true
		}
	}
	return false
}

// isMemberByEmail is Logto's isMember(organizationId, email): exact, case-sensitive equality
// on primaryEmail.
func (st *state) isMemberByEmail(orgID, email string) bool {
	for _, m := range st.Members {
		if m.OrganizationID != orgID {
			continue
		}
		if u, ok := st.Users[m.UserID]; ok && u.PrimaryEmail != nil && *u.PrimaryEmail == email {
			return true
		}
	}
	return false
}

func (st *state) addMember(orgID, userID string) {
	if !st.isMember(orgID, userID) {
		st.Members = append(st.Members, membership{OrganizationID: orgID, UserID: userID})
	}
}

func (st *state) addUserRole(orgID, userID, roleID string) {
	for _, ur := range st.UserRoles {
		if ur.OrganizationID == orgID && ur.UserID == userID && ur.RoleID == roleID {
			return
		}
	}
	st.UserRoles = append(st.UserRoles, userRole{OrganizationID: orgID, UserID: userID, RoleID: roleID})
}

func (st *state) userRoles(orgID, userID string) []roleRef {
	var ids []string
	for _, ur := range st.UserRoles {
		if ur.OrganizationID == orgID && ur.UserID == userID {
			ids = append(ids, ur.RoleID)
		}
	}
	return st.rolesOf(ids)
}

// removeWhere keeps the elements for which drop is false.
func removeWhere[T any](items []T, drop func(T) bool) []T {
	out := items[:0]
	for _, it := range items {
		if !drop(it) {
			out = append(out, it)
		}
	}
	return out
}

// description checks the optional nullable description shared by organizations and roles.
func (c *checker) description(o object) *string {
	v, has := o.get("description")
	d, ok := c.str([]any{"description"}, v, has, stringRule{optional: true, nullable: true, max: 256})
	if !ok {
		return nil
	}
	return &d
}

func (c *checker) customData(o object) json.RawMessage {
	v, has := o.get("customData")
	cd, ok := c.obj([]any{"customData"}, v, has, true)
	if !ok {
		return json.RawMessage(`{}`)
	}
	raw, err := encode(cd)
	if err != nil {
		return json.RawMessage(`{}`)
	}
	return raw
}

// listOrganizations is GET /api/organizations (newest first, no pagination).
func (s *Server) listOrganizations(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reply(w, r, http.StatusOK, newestFirst(s.st.Organizations, func(o *organization) int64 { return o.Seq }, orgJSON))
}

// createOrganization is POST /api/organizations {name, description?, customData?, isMfaRequired?}.
func (s *Server) createOrganization(w http.ResponseWriter, r *http.Request) {
	org := &organization{}
	if !s.checkObject(w, r, func(c *checker, o object) {
		v, has := o.get("name")
		org.Name, _ = c.str([]any{"name"}, v, has, stringRule{min: 1, max: 128})
		org.Description = c.description(o)
		org.CustomData = c.customData(o)
		v, has = o.get("isMfaRequired")
		org.IsMfaRequired, _ = c.boolean([]any{"isMfaRequired"}, v, has)
	}) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	org.ID, org.CreatedAt, org.Seq = newID(), s.nowMs(), s.st.nextSeq()
	s.st.Organizations[org.ID] = org
	if s.saved(w) {
		s.reply(w, r, http.StatusCreated, orgJSON(org))
	}
}

// getOrganization is GET /api/organizations/{id}.
func (s *Server) getOrganization(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if o, ok := lookup(s, w, s.st.Organizations, r.PathValue("id")); ok {
		s.reply(w, r, http.StatusOK, orgJSON(o))
	}
}

// deleteOrganization is DELETE /api/organizations/{id}; invitations, memberships and member
// roles go with it (ON DELETE CASCADE).
func (s *Server) deleteOrganization(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st, id := s.st, r.PathValue("id")
	if _, ok := lookup(s, w, st.Organizations, id); !ok {
		return
	}
	delete(st.Organizations, id)
	for k, inv := range st.Invitations {
		if inv.OrganizationID == id {
			delete(st.Invitations, k)
		}
	}
	st.Members = removeWhere(st.Members, func(m membership) bool { return m.OrganizationID == id })
	st.UserRoles = removeWhere(st.UserRoles, func(u userRole) bool { return u.OrganizationID == id })
	if s.saved(w) {
		noContent(w)
	}
}

// listOrganizationUsers is GET /api/organizations/{id}/users: members with their roles in the
// organization. An unknown organization simply has no members, as in Logto.
func (s *Server) listOrganizationUsers(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st, id := s.st, r.PathValue("id")
	out := []userWithRoles{}
	for _, m := range st.Members {
		if u, ok := st.Users[m.UserID]; ok && m.OrganizationID == id {
			out = append(out, userWithRoles{userJSON(u), st.userRoles(id, u.ID)})
		}
	}
	s.reply(w, r, http.StatusOK, out)
}

// addOrganizationUsers is POST /api/organizations/{id}/users {userIds}: 201, existing
// members are left as they are.
func (s *Server) addOrganizationUsers(w http.ResponseWriter, r *http.Request) {
	var ids []string
	if !s.checkObject(w, r, func(c *checker, o object) {
		v, has := o.get("userIds")
		ids, _ = c.strArray([]any{"userIds"}, v, has, false, stringRule{min: 1}, true)
	}) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	st, orgID := s.st, r.PathValue("id")
	if _, ok := st.Organizations[orgID]; !ok {
		s.fail(w, errForeignKey())
		return
	}
	for _, id := range ids {
		if _, ok := st.Users[id]; !ok {
			s.fail(w, errForeignKey())
			return
		}
	}
	for _, id := range ids {
		st.addMember(orgID, id)
	}
	if s.saved(w) {
		w.WriteHeader(http.StatusCreated)
	}
}

// listRoles is GET /api/organization-roles.
func (s *Server) listRoles(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reply(w, r, http.StatusOK, newestFirst(s.st.Roles, func(ro *orgRole) int64 { return ro.Seq }, roleJSON))
}

// createRole is POST /api/organization-roles {name, description?, type?}; names are unique.
func (s *Server) createRole(w http.ResponseWriter, r *http.Request) {
	role := &orgRole{Type: roleTypeUser}
	if !s.checkObject(w, r, func(c *checker, o object) {
		v, has := o.get("name")
		role.Name, _ = c.str([]any{"name"}, v, has, stringRule{min: 1, max: 128})
		role.Description = c.description(o)
		if v, has = o.get("type"); has {
			role.Type, _ = c.enum([]any{"type"}, v, has, roleTypeUser, roleTypeM2M)
		}
	}) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, other := range s.st.Roles {
		if other.Name == role.Name {
			s.fail(w, errUnique())
			return
		}
	}
	role.ID, role.Seq = newID(), s.st.nextSeq()
	s.st.Roles[role.ID] = role
	if s.saved(w) {
		s.reply(w, r, http.StatusCreated, roleJSON(role))
	}
}

// getRole is GET /api/organization-roles/{id}.
func (s *Server) getRole(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if ro, ok := lookup(s, w, s.st.Roles, r.PathValue("id")); ok {
		s.reply(w, r, http.StatusOK, roleJSON(ro))
	}
}

// deleteRole is DELETE /api/organization-roles/{id}; it disappears from invitations and members.
func (s *Server) deleteRole(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st, id := s.st, r.PathValue("id")
	if _, ok := lookup(s, w, st.Roles, id); !ok {
		return
	}
	delete(st.Roles, id)
	for _, inv := range st.Invitations {
		inv.RoleIDs = removeWhere(inv.RoleIDs, func(rid string) bool { return rid == id })
	}
	st.UserRoles = removeWhere(st.UserRoles, func(u userRole) bool { return u.RoleID == id })
	if s.saved(w) {
		noContent(w)
	}
}

// listUsers is GET /api/users.
func (s *Server) listUsers(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reply(w, r, http.StatusOK, newestFirst(s.st.Users, func(u *user) int64 { return u.Seq }, userJSON))
}

// createUser is POST /api/users {primaryEmail?, username?, primaryPhone?, name?, avatar?,
// customData?}; it answers 200, as Logto does for this route.
func (s *Server) createUser(w http.ResponseWriter, r *http.Request) {
	u := &user{}
	if !s.checkObject(w, r, func(c *checker, o object) {
		optional := func(key string, rule stringRule) *string {
			v, has := o.get(key)
			rule.optional = true
			if s, ok := c.str([]any{key}, v, has, rule); ok {
				return &s
			}
			return nil
		}
		u.PrimaryPhone = optional("primaryPhone", stringRule{pattern: phonePattern})
		u.PrimaryEmail = optional("primaryEmail", stringRule{pattern: userEmailPattern})
		u.Username = optional("username", stringRule{pattern: usernamePattern})
		u.Name = optional("name", stringRule{})
		u.Avatar = optional("avatar", stringRule{nullable: true})
		u.CustomData = c.customData(o)
	}) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, other := range s.st.Users {
		if u.Username != nil && other.Username != nil && strings.EqualFold(*other.Username, *u.Username) {
			s.fail(w, errUserConflict("user.username_already_in_use", "This username is already in use."))
			return
		}
	}
	for _, other := range s.st.Users {
		if u.PrimaryEmail != nil && other.PrimaryEmail != nil && strings.EqualFold(*other.PrimaryEmail, *u.PrimaryEmail) {
			s.fail(w, errUserConflict("user.email_already_in_use", "This email is associated with an existing account."))
			return
		}
	}
	for _, other := range s.st.Users {
		if u.PrimaryPhone != nil && other.PrimaryPhone != nil && *other.PrimaryPhone == *u.PrimaryPhone {
			s.fail(w, errUserConflict("user.phone_already_in_use", "This phone number is associated with an existing account."))
			return
		}
	}
	now := s.nowMs()
	u.ID, u.CreatedAt, u.UpdatedAt, u.Seq = newID(), now, now, s.st.nextSeq()
	s.st.Users[u.ID] = u
	if s.saved(w) {
		s.reply(w, r, http.StatusOK, userJSON(u))
	}
}

// getUser is GET /api/users/{id}.
func (s *Server) getUser(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if u, ok := lookup(s, w, s.st.Users, r.PathValue("id")); ok {
		s.reply(w, r, http.StatusOK, userJSON(u))
	}
}

// deleteUser is DELETE /api/users/{id}; invitations the user sent or accepted go with it, as do
// memberships and member roles (ON DELETE CASCADE).
func (s *Server) deleteUser(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st, id := s.st, r.PathValue("id")
	if _, ok := lookup(s, w, st.Users, id); !ok {
		return
	}
	delete(st.Users, id)
	for k, inv := range st.Invitations {
		if (inv.InviterID != nil && *inv.InviterID == id) || (inv.AcceptedUserID != nil && *inv.AcceptedUserID == id) {
			delete(st.Invitations, k)
		}
	}
	st.Members = removeWhere(st.Members, func(m membership) bool { return m.UserID == id })
	st.UserRoles = removeWhere(st.UserRoles, func(u userRole) bool { return u.UserID == id })
	if s.saved(w) {
		noContent(w)
	}
}

// listUserOrganizations is GET /api/users/{id}/organizations: each organization with the
// user's roles in it.
func (s *Server) listUserOrganizations(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st, id := s.st, r.PathValue("id")
	if _, ok := lookup(s, w, st.Users, id); !ok {
		return
	}
	out := []organizationWithRoles{}
	for _, m := range st.Members {
		if o, ok := st.Organizations[m.OrganizationID]; ok && m.UserID == id {
			out = append(out, organizationWithRoles{orgJSON(o), st.userRoles(o.ID, id)})
		}
	}
	s.reply(w, r, http.StatusOK, out)
}
