package rest

import (
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/naftiko-go/naftiko/internal/expose"
)

// problemContentType is the media type of RFC 9457 problem details.
const problemContentType = "application/problem+json"

// headerRequestID is the response header in which the engine puts the
// request id before the adapter runs.
const headerRequestID = "X-Request-Id"

// Problem type URIs; stable, documented in doc.go.
const (
	typeBadInput         = "urn:naftiko:problem:bad-input"
	typeNotFound         = "urn:naftiko:problem:not-found"
	typeMethodNotAllowed = "urn:naftiko:problem:method-not-allowed"
	typeTooLarge         = "urn:naftiko:problem:too-large"
	typeUnsupportedMedia = "urn:naftiko:problem:unsupported-media-type"
	typeInternal         = "urn:naftiko:problem:internal"
	typeNotSupported     = "urn:naftiko:problem:not-supported"
	typeUnreachable      = "urn:naftiko:problem:upstream-unreachable"
	typeTimeout          = "urn:naftiko:problem:upstream-timeout"
)

// problem is an RFC 9457 problem details document, plus the extension
// member "param" naming the offending input.
type problem struct {
	Type   string `json:"type"`
	Title  string `json:"title"`
	Status int    `json:"status"`
	Detail string `json:"detail,omitempty"`
	Param  string `json:"param,omitempty"`
	// RequestID repeats the X-Request-Id response header, when the engine
	// set one, so that a caller can quote it from the body alone.
	RequestID string `json:"requestId,omitempty"`
}

// problemOf is the one place where engine error kinds become HTTP answers.
// Internal errors never show their cause: it may hold details a caller
// should not see; the caller gets a generic sentence and the log gets the rest.
func problemOf(e *expose.Error) problem {
	p := problem{Detail: e.Detail, Param: e.Param}
	switch e.Kind {
	case expose.KindInput:
		p.Type, p.Title, p.Status = typeBadInput, "Invalid input", http.StatusBadRequest
	case expose.KindTooLarge:
		p.Type, p.Title, p.Status = typeTooLarge, "Request body too large", http.StatusRequestEntityTooLarge
	case expose.KindNotSupported:
		p.Type, p.Title, p.Status = typeNotSupported, "Not supported", http.StatusNotImplemented
	case expose.KindUnreachable:
		p.Type, p.Title, p.Status = typeUnreachable, "Upstream unreachable", http.StatusBadGateway
	case expose.KindTimeout:
		p.Type, p.Title, p.Status = typeTimeout, "Upstream timeout", http.StatusGatewayTimeout
	default:
		p.Type, p.Title, p.Status = typeInternal, "Internal error", http.StatusInternalServerError
		p.Detail = "the server could not complete the request; the error was logged"
		p.Param = ""
	}
	if p.Detail == "" {
		p.Detail = p.Title
	}
	return p
}

// writeProblem writes p as application/problem+json.
func writeProblem(w http.ResponseWriter, p problem) {
	if p.RequestID == "" {
		p.RequestID = w.Header().Get(headerRequestID)
	}
	body, err := json.Marshal(p)
	if err != nil {
		// Cannot happen with string and int fields; keep the status anyway.
		body = []byte(`{"type":"` + typeInternal + `","title":"Internal error","status":500}`)
	}
	h := w.Header()
	h.Set("Content-Type", problemContentType)
	h.Set("Content-Length", strconv.Itoa(len(body)))
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(p.Status)
	_, _ = w.Write(body)
}
