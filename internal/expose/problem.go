package expose

import (
	"encoding/json"
	"net/http"
	"strconv"
)

// ProblemContentType is the media type of RFC 9457 problem details.
const ProblemContentType = "application/problem+json"

// HeaderRequestID is the response header in which the engine puts the
// request id before an adapter runs.
const HeaderRequestID = "X-Request-Id"

// Problem is an RFC 9457 problem details document as every HTTP adapter
// answers an error, plus the extension members "param" (the offending
// input) and "requestId".
type Problem struct {
	Type   string `json:"type"`
	Title  string `json:"title"`
	Status int    `json:"status"`
	Detail string `json:"detail,omitempty"`
	Param  string `json:"param,omitempty"`
	// RequestID repeats the X-Request-Id response header, when the engine
	// set one, so that a caller can quote it from the body alone.
	RequestID string `json:"requestId,omitempty"`
}

// WriteProblem writes p as application/problem+json with status p.Status,
// after any header the caller set (a challenge, caching).
func WriteProblem(w http.ResponseWriter, p Problem) {
	if p.RequestID == "" {
		p.RequestID = w.Header().Get(HeaderRequestID)
	}
	body, err := json.Marshal(p)
	if err != nil {
		// Cannot happen with string and int fields; keep the status anyway.
		body = []byte(`{"type":"urn:naftiko:problem:internal","title":"Internal error","status":500}`)
	}
	h := w.Header()
	h.Set("Content-Type", ProblemContentType)
	h.Set("Content-Length", strconv.Itoa(len(body)))
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(p.Status)
	_, _ = w.Write(body)
}

// WriteJSON writes v as application/json with status; a value that cannot
// be encoded becomes a 500 {"error":"internal error"}.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		status, body = http.StatusInternalServerError, []byte(`{"error":"internal error"}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}
