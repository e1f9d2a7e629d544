package sandbox

import (
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// tenantID is the tenant every entity belongs to, as in Logto OSS.
const tenantID = "default"

// state is everything the sandbox knows. It is the unit of persistence: the data file is this
// struct as JSON, rewritten whole after every change.
type state struct {
	Version       int                      `json:"version"`
	SigningKey    []byte                   `json:"signingKey"`
	Seq           int64                    `json:"seq"`
	Organizations map[string]*organization `json:"organizations"`
	Roles         map[string]*orgRole      `json:"organizationRoles"`
	Users         map[string]*user         `json:"users"`
	Members       []membership             `json:"memberships"`
	UserRoles     []userRole               `json:"userOrganizationRoles"`
	Invitations   map[string]*invitation   `json:"invitations"`
	Outbox        []Message                `json:"outbox"`
	Sends         map[string][]int64       `json:"sends"`
}

type organization struct {
	ID            string          `json:"id"`
	Name          string          `json:"name"`
	Description   *string         `json:"description"`
	CustomData    json.RawMessage `json:"customData"`
	IsMfaRequired bool            `json:"isMfaRequired"`
	CreatedAt     int64           `json:"createdAt"`
	Seq           int64           `json:"seq"`
}

type orgRole struct {
	ID          string  `json:"id"`
	Name        string  `json:"name"`
	Description *string `json:"description"`
	Type        string  `json:"type"`
	Seq         int64   `json:"seq"`
}

type user struct {
	ID           string          `json:"id"`
	Username     *string         `json:"username"`
	PrimaryEmail *string         `json:"primaryEmail"`
	PrimaryPhone *string         `json:"primaryPhone"`
	Name         *string         `json:"name"`
	Avatar       *string         `json:"avatar"`
	CustomData   json.RawMessage `json:"customData"`
	CreatedAt    int64           `json:"createdAt"`
	UpdatedAt    int64           `json:"updatedAt"`
	Seq          int64           `json:"seq"`
}

type membership struct {
	OrganizationID string `json:"organizationId"`
	UserID         string `json:"userId"`
}

type userRole struct {
	OrganizationID string `json:"organizationId"`
	UserID         string `json:"userId"`
	RoleID         string `json:"organizationRoleId"`
}

type invitation struct {
	ID             string  `json:"id"`
	InviterID      *string `json:"inviterId"`
	Invitee        string  `json:"invitee"`
	AcceptedUserID *string `json:"acceptedUserId"`
	OrganizationID string  `json:"organizationId"`
	Status         string  `json:"status"` // stored status; Expired is worked out on read
	CreatedAt      int64   `json:"createdAt"`
	UpdatedAt      int64   `json:"updatedAt"`
	// ExpiresAt keeps the submitted epoch-ms number: PostgreSQL keeps microseconds and compares
	// with them, while reads truncate to milliseconds.
	ExpiresAt float64  `json:"expiresAt"`
	RoleIDs   []string `json:"organizationRoleIds"`
	Seq       int64    `json:"seq"`
}

func newState() (*state, error) {
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return nil, fmt.Errorf("generate signing key: %w", err)
	}
	st := &state{Version: 1, SigningKey: key}
	st.fill()
	return st, nil
}

// fill replaces nil collections, so that a file written by hand or an older version loads.
func (st *state) fill() {
	if st.Organizations == nil {
		st.Organizations = map[string]*organization{}
	}
	if st.Roles == nil {
		st.Roles = map[string]*orgRole{}
	}
	if st.Users == nil {
		st.Users = map[string]*user{}
	}
	if st.Invitations == nil {
		st.Invitations = map[string]*invitation{}
	}
	if st.Sends == nil {
		st.Sends = map[string][]int64{}
	}
}

func (st *state) nextSeq() int64 {
	st.Seq++
	return st.Seq
}

// loadState reads the data file; a missing file means a fresh state.
func loadState(path string) (*state, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return newState()
	}
	if err != nil {
		return nil, fmt.Errorf("read data file: %w", err)
	}
	st := &state{}
	if err := json.Unmarshal(data, st); err != nil {
		return nil, fmt.Errorf("parse data file %s: %w", path, err)
	}
	if len(st.SigningKey) == 0 {
		fresh, err := newState()
		if err != nil {
			return nil, err
		}
		st.SigningKey = fresh.SigningKey
	}
	st.fill()
	return st, nil
}

// writeState replaces the data file atomically: a reader (or a crash) sees the old file or the
// new one, never half of one. The temporary file lives in the same directory so that the
// rename does not cross file systems.
func writeState(path string, st *state) (err error) {
	data, err := json.Marshal(st)
	if err != nil {
		return fmt.Errorf("encode state: %w", err)
	}
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("create temporary data file: %w", err)
	}
	defer func() {
		if err != nil {
			_ = os.Remove(tmp.Name())
		}
	}()
	if _, err = tmp.Write(data); err != nil {
		_ = tmp.Close()
		return fmt.Errorf("write temporary data file: %w", err)
	}
	if err = tmp.Sync(); err != nil {
		_ = tmp.Close()
		return fmt.Errorf("sync temporary data file: %w", err)
	}
	if err = tmp.Close(); err != nil {
		return fmt.Errorf("close temporary data file: %w", err)
	}
	if err = os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("replace data file: %w", err)
	}
	// Best effort: make the rename itself durable.
	if d, derr := os.Open(dir); derr == nil {
		_ = d.Sync()
		_ = d.Close()
	}
	return nil
}

const idAlphabet = "0123456789abcdefghijklmnopqrstuvwxyz"

// newID is Logto's generateStandardId: 21 characters of [0-9a-z], uniformly drawn (rejection
// sampling, like nanoid's customAlphabet).
func newID() string {
	out := make([]byte, 0, 21)
	buf := make([]byte, 32)
	for len(out) < 21 {
		_, _ = rand.Read(buf) // crypto/rand.Read never fails on supported platforms
		for _, b := range buf {
			if v := int(b & 63); v < len(idAlphabet) && len(out) < 21 {
				out = append(out, idAlphabet[v])
			}
		}
	}
	return string(out)
}
