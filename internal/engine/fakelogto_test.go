package engine_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// recorded is one request as the fake Logto received it, bytes as on the wire.
type recorded struct {
	Method        string
	EscapedPath   string
	RawQuery      string
	Authorization string
	ContentType   string
	Body          string
}

// fakeLogto answers like Logto's Management API for organization invitations
// (reference: shared/reference/logto-organization-invitations.md), with fixed
// bodies, and records every request.
type fakeLogto struct {
	*httptest.Server
	mu   sync.Mutex
	reqs []recorded
}

const (
	// A Logto entity as §0.1 of the reference shows it, keys in Logto's order.
	logtoEntity     = `{"tenantId":"default","id":"k3v9x0q2m8c1d7f4h6j5n","inviterId":null,"invitee":"Foo@example.com","acceptedUserId":null,"organizationId":"p0a8s7d6f5g4h3j2k1l0z","status":"Pending","createdAt":1756000000123,"updatedAt":1756000000123,"expiresAt":1756001000000,"organizationRoles":[]}`
	logtoNotFound   = `{"code":"entity.not_found","message":"The resource does not exist."}`
	logtoGuardError = `{"code":"guard.invalid_input","data":{"issues":[{"validation":"email","code":"invalid_string","message":"Invalid email","path":["invitee"]}],"name":"ZodError"},"details":"Error in key path \"invitee\": (invalid_string) Invalid email","message":"The request body is invalid."}`
	logtoUnique     = `{"code":"entity.unique_integrity_violation","message":"The entity already exists. Please check the input and try again."}`
	knownID         = "k3v9x0q2m8c1d7f4h6j5n"
)

func newFakeLogto(t *testing.T) *fakeLogto {
	t.Helper()
	f := &fakeLogto{}
	f.Server = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.Close)
	return f
}

func (f *fakeLogto) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	f.mu.Lock()
	f.reqs = append(f.reqs, recorded{
		Method: r.Method, EscapedPath: r.URL.EscapedPath(), RawQuery: r.URL.RawQuery,
		Authorization: r.Header.Get("Authorization"), ContentType: r.Header.Get("Content-Type"), Body: string(body),
	})
	f.mu.Unlock()

	reply := func(status int, body string) {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
	}
	const base = "/api/organization-invitations"
	p := r.URL.EscapedPath()
	switch {
	case p == base && r.Method == http.MethodGet:
		reply(http.StatusOK, "["+logtoEntity+"]")
	case p == base && r.Method == http.MethodPost:
		switch {
		case strings.Contains(string(body), `"invitee":"invalid"`):
			reply(http.StatusBadRequest, logtoGuardError)
		case strings.Contains(string(body), `"invitee":"dup@example.com"`):
			reply(http.StatusUnprocessableEntity, logtoUnique)
		default:
			reply(http.StatusCreated, logtoEntity)
		}
	case p == base+"/"+knownID && r.Method == http.MethodGet:
		reply(http.StatusOK, logtoEntity)
	case p == base+"/"+knownID && r.Method == http.MethodDelete:
		w.WriteHeader(http.StatusNoContent)
	case p == base+"/"+knownID+"/message" && r.Method == http.MethodPost:
		w.WriteHeader(http.StatusNoContent)
	case p == base+"/"+knownID+"/status" && r.Method == http.MethodPut:
		reply(http.StatusOK, strings.Replace(logtoEntity, `"status":"Pending"`, `"status":"Revoked"`, 1))
	default:
		reply(http.StatusNotFound, logtoNotFound)
	}
}

// requests returns what was received so far.
func (f *fakeLogto) requests() []recorded {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]recorded(nil), f.reqs...)
}

// last returns the last request received.
func (f *fakeLogto) last(t *testing.T) recorded {
	t.Helper()
	reqs := f.requests()
	if len(reqs) == 0 {
		t.Fatal("the fake Logto received no request")
	}
	return reqs[len(reqs)-1]
}
