package rest

import (
	"net/http"

	"github.com/naftiko-go/naftiko/internal/expose"
)

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

// problem is the adapter's error answer (RFC 9457 problem details).
type problem = expose.Problem

// problemOf is the one place where engine error kinds become HTTP answers.
// Internal errors never show their cause: it may hold details a caller
// should not see; the caller gets a generic sentence and the log gets the rest.
func problemOf(e *expose.Error) problem {
	p := problem{Status: expose.StatusOf(e.Kind), Detail: e.Detail, Param: e.Param}
	switch e.Kind {
	case expose.KindInput:
		p.Type, p.Title = typeBadInput, "Invalid input"
	case expose.KindTooLarge:
		p.Type, p.Title = typeTooLarge, "Request body too large"
	case expose.KindNotSupported:
		p.Type, p.Title = typeNotSupported, "Not supported"
	case expose.KindUnreachable:
		p.Type, p.Title = typeUnreachable, "Upstream unreachable"
	case expose.KindTimeout:
		p.Type, p.Title = typeTimeout, "Upstream timeout"
	default:
		p.Type, p.Title = typeInternal, "Internal error"
		p.Detail = "the server could not complete the request; the error was logged"
		p.Param = ""
	}
	if p.Detail == "" {
		p.Detail = p.Title
	}
	return p
}

// writeProblem writes p as application/problem+json.
func writeProblem(w http.ResponseWriter, p problem) { expose.WriteProblem(w, p) }
