package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"

	"github.com/naftiko-go/naftiko/internal/secrettest"
)

// fakeLogtoToken is the API key the tests hand to naftiko through
// LOGTO_API_KEY; the fake upstream accepts no other.
const fakeLogtoToken = secrettest.E2ELogtoAPIKey

// upstreamRequest is one request the fake Logto upstream received.
type upstreamRequest struct {
	Method string
	Path   string
	Query  url.Values
	Header http.Header
	Body   []byte
}

// fakeLogto is a small stand-in for Logto's organization-invitations API that
// records every request and answers with Logto's status codes and error
// bodies.
type fakeLogto struct {
	*httptest.Server

	mu          sync.Mutex
	requests    []upstreamRequest
	invitations map[string]map[string]any
	order       []string
	created     int
}

// seedInvitations are the invitations the fake upstream starts with, in the
// order it lists them.
func seedInvitations() []map[string]any {
	return []map[string]any{
		{
			"id": "inv-1", "tenantId": "default", "inviterId": "user-1", "invitee": "ada@example.com",
			"organizationId": "org-1", "status": "Pending", "createdAt": 1716000000000,
			"updatedAt": 1716000000000, "expiresAt": 1716600000000, "acceptedUserId": nil,
			"organizationRoles": []any{map[string]any{"id": "role-1", "name": "member"}},
		},
		{
			"id": "inv-2", "tenantId": "default", "inviterId": "user-1", "invitee": "grace@example.com",
			"organizationId": "org-2", "status": "Accepted", "createdAt": 1716000001000,
			"updatedAt": 1716000002000, "expiresAt": 1716600001000, "acceptedUserId": "user-2",
			"organizationRoles": []any{},
		},
	}
}

func newFakeLogto(t *testing.T) *fakeLogto {
	t.Helper()
	f := &fakeLogto{invitations: map[string]map[string]any{}}
	for _, inv := range seedInvitations() {
		id := inv["id"].(string)
		f.invitations[id] = inv
		f.order = append(f.order, id)
	}

	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/organization-invitations", f.list)
	mux.HandleFunc("POST /api/organization-invitations", f.create)
	mux.HandleFunc("GET /api/organization-invitations/{id}", f.get)
	mux.HandleFunc("DELETE /api/organization-invitations/{id}", f.delete)
	mux.HandleFunc("POST /api/organization-invitations/{id}/message", f.message)
	mux.HandleFunc("PUT /api/organization-invitations/{id}/status", f.status)

	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		f.mu.Lock()
		f.requests = append(f.requests, upstreamRequest{
			Method: r.Method, Path: r.URL.Path, Query: r.URL.Query(), Header: r.Header.Clone(), Body: body,
		})
		f.mu.Unlock()
		if r.Header.Get("Authorization") != "Bearer "+fakeLogtoToken {
			writeJSON(w, http.StatusUnauthorized, logtoError("auth.authorization_header_missing", "Authorization header is missing."))
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		mux.ServeHTTP(w, r)
	}))
	t.Cleanup(f.Close)
	return f
}

// Requests returns a copy of every request received so far.
func (f *fakeLogto) Requests() []upstreamRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]upstreamRequest(nil), f.requests...)
}

func (f *fakeLogto) list(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := []map[string]any{}
	for _, id := range f.order {
		inv := f.invitations[id]
		if v := r.URL.Query().Get("organizationId"); v != "" && inv["organizationId"] != v {
			continue
		}
		if v := r.URL.Query().Get("inviterId"); v != "" && inv["inviterId"] != v {
			continue
		}
		if v := r.URL.Query().Get("invitee"); v != "" && inv["invitee"] != v {
			continue
		}
		out = append(out, inv)
	}
	writeJSON(w, http.StatusOK, out)
}

func (f *fakeLogto) create(w http.ResponseWriter, r *http.Request) {
	var in map[string]any
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
		writeJSON(w, http.StatusBadRequest, logtoError("guard.invalid_input", "The request body is invalid."))
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.created++
	id := fmt.Sprintf("inv-new-%d", f.created)
	inv := map[string]any{
		"id": id, "tenantId": "default", "inviterId": in["inviterId"], "invitee": in["invitee"],
		"organizationId": in["organizationId"], "status": "Pending", "createdAt": 1716000009000,
		"updatedAt": 1716000009000, "expiresAt": in["expiresAt"], "acceptedUserId": nil,
		"organizationRoles": []any{},
	}
	f.invitations[id] = inv
	f.order = append(f.order, id)
	writeJSON(w, http.StatusCreated, inv)
}

func (f *fakeLogto) get(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	inv, ok := f.invitations[r.PathValue("id")]
	f.mu.Unlock()
	if !ok {
		writeNotFound(w)
		return
	}
	writeJSON(w, http.StatusOK, inv)
}

func (f *fakeLogto) delete(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	id := r.PathValue("id")
	if _, ok := f.invitations[id]; !ok {
		writeNotFound(w)
		return
	}
	delete(f.invitations, id)
	for i, o := range f.order {
		if o == id {
			f.order = append(f.order[:i], f.order[i+1:]...)
			break
		}
	}
	w.WriteHeader(http.StatusNoContent)
}

func (f *fakeLogto) message(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	_, ok := f.invitations[r.PathValue("id")]
	f.mu.Unlock()
	if !ok {
		writeNotFound(w)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (f *fakeLogto) status(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Status string `json:"status"`
	}
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil || in.Status == "" {
		writeJSON(w, http.StatusBadRequest, logtoError("guard.invalid_input", "The request body is invalid."))
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	inv, ok := f.invitations[r.PathValue("id")]
	if !ok {
		writeNotFound(w)
		return
	}
	inv["status"] = in.Status
	writeJSON(w, http.StatusOK, inv)
}

func logtoError(code, message string) map[string]any {
	return map[string]any{"code": code, "message": message}
}

func writeNotFound(w http.ResponseWriter) {
	writeJSON(w, http.StatusNotFound, logtoError("entity.not_found", "The resource does not exist."))
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
