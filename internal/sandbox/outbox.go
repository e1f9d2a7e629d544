package sandbox

import (
	"encoding/json"
	"net/http"
	"slices"
)

// Message is one e-mail the sandbox would have sent through an e-mail connector: Logto's
// connector input {to, type, payload}.
type Message struct {
	To      string          `json:"to"`
	Type    string          `json:"type"`
	Payload json.RawMessage `json:"payload"`
}

// Outbox returns the messages sent so far, oldest first.
func (s *Server) Outbox() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.st.Outbox)
}

// send delivers an OrganizationInvitation e-mail to the outbox, or fails as Logto does: no
// connector (501) first, then the per-recipient rate limit (429). Only successful sends count
// towards the limit. Called with mu held.
func (s *Server) send(to string, payload object) *apiError {
	if s.opts.NoEmailConnector {
		return errNoConnector()
	}
	key, now := lowerTrim(to), s.nowMs()
	recent := removeWhere(s.st.Sends[key], func(t int64) bool { return t <= now-rateLimitWindow })
	s.st.Sends[key] = recent
	if len(recent) >= rateLimitCount {
		return errRateLimited()
	}
	raw, err := encode(payload)
	if err != nil {
		return errInternal()
	}
	s.st.Outbox = append(s.st.Outbox, Message{To: to, Type: "OrganizationInvitation", Payload: raw})
	s.st.Sends[key] = append(recent, now)
	return nil
}

// getOutbox is GET /sandbox/outbox.
func (s *Server) getOutbox(w http.ResponseWriter, r *http.Request) {
	out := s.Outbox()
	if out == nil {
		out = []Message{}
	}
	s.reply(w, r, http.StatusOK, out)
}

// clearOutbox is DELETE /sandbox/outbox. It also forgets past sends for the rate limit, so
// that each test starts with a clean slate.
func (s *Server) clearOutbox(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.st.Outbox = nil
	s.st.Sends = map[string][]int64{}
	if s.saved(w) {
		noContent(w)
	}
}
