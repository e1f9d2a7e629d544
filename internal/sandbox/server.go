package sandbox

import (
	"bytes"
	"crypto/sha1" //nolint:gosec // ETag format of the npm "etag" package, not security
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// Defaults for the client-credentials application the sandbox recognises.
const (
	DefaultClientID     = "sandbox-m2m"
	DefaultClientSecret = "sandbox-secret"
)

// Options configures a Server. The zero value is usable: default client credentials, e-mail
// outbox on, no fixed token, no development header, memory only, real clock, no logs.
type Options struct {
	// ClientID and ClientSecret are the only client credentials POST /oidc/token accepts.
	// Empty means DefaultClientID / DefaultClientSecret.
	ClientID     string
	ClientSecret string
	// Token, when set, is a bearer token that is always accepted with scope "all".
	Token string
	// NoEmailConnector makes every e-mail send fail with 501 connector.not_found, as a tenant
	// without an e-mail connector does.
	NoEmailConnector bool
	// DevHeader accepts the header development-user-id in place of a token, as Logto does
	// outside production and in its integration tests.
	DevHeader bool
	// DataFile, when set, is read at start and rewritten after every change.
	DataFile string
	// Now is the clock (expiry, timestamps, token lifetime, rate limit). Nil means time.Now.
	Now func() time.Time
	// Logger receives one debug line per request and errors. Nil discards.
	Logger *slog.Logger
}

// Server is the emulator: an http.Handler serving /api, /oidc/token and /sandbox.
type Server struct {
	opts    Options
	log     *slog.Logger
	now     func() time.Time
	handler http.Handler

	mu sync.Mutex // guards st and every read-check-write sequence, like one DB transaction
	st *state
}

// Open builds a Server, loading Options.DataFile when set.
func Open(opts Options) (*Server, error) {
	if opts.ClientID == "" {
		opts.ClientID = DefaultClientID
	}
	if opts.ClientSecret == "" {
		opts.ClientSecret = DefaultClientSecret
	}
	s := &Server{opts: opts, log: opts.Logger, now: opts.Now}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.now == nil {
		s.now = time.Now
	}
	var err error
	if opts.DataFile != "" {
		s.st, err = loadState(opts.DataFile)
		if err == nil {
			// Write once now so that an unwritable location fails at start, not on the first change.
			err = writeState(opts.DataFile, s.st)
		}
	} else {
		s.st, err = newState()
	}
	if err != nil {
		return nil, err
	}
	s.handler = s.routes()
	return s, nil
}

// New is Open for callers that cannot fail, typically tests without a DataFile. Like a Must
// helper it panics if Open fails, which without a DataFile only happens if the system has no
// randomness.
func New(opts Options) *Server {
	s, err := Open(opts)
	if err != nil {
		panic(fmt.Sprintf("sandbox: %v", err))
	}
	return s
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
	s.handler.ServeHTTP(rec, r)
	// Only method, path and status: headers and bodies may carry tokens or secrets.
	s.log.Debug("request", "method", r.Method, "path", r.URL.Path, "status", rec.status)
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) {
	r.status = code
	r.ResponseWriter.WriteHeader(code)
}

func (s *Server) routes() http.Handler {
	api := http.NewServeMux()
	api.HandleFunc("GET /api/organization-invitations", s.listInvitations)
	api.HandleFunc("POST /api/organization-invitations", s.createInvitation)
	api.HandleFunc("GET /api/organization-invitations/{id}", s.getInvitation)
	api.HandleFunc("DELETE /api/organization-invitations/{id}", s.deleteInvitation)
	api.HandleFunc("POST /api/organization-invitations/{id}/message", s.resendInvitation)
	api.HandleFunc("PUT /api/organization-invitations/{id}/status", s.updateInvitationStatus)

	api.HandleFunc("GET /api/organizations", s.listOrganizations)
	api.HandleFunc("POST /api/organizations", s.createOrganization)
	api.HandleFunc("GET /api/organizations/{id}", s.getOrganization)
	api.HandleFunc("DELETE /api/organizations/{id}", s.deleteOrganization)
	api.HandleFunc("GET /api/organizations/{id}/users", s.listOrganizationUsers)
	api.HandleFunc("POST /api/organizations/{id}/users", s.addOrganizationUsers)

	api.HandleFunc("GET /api/organization-roles", s.listRoles)
	api.HandleFunc("POST /api/organization-roles", s.createRole)
	api.HandleFunc("GET /api/organization-roles/{id}", s.getRole)
	api.HandleFunc("DELETE /api/organization-roles/{id}", s.deleteRole)

	api.HandleFunc("GET /api/users", s.listUsers)
	api.HandleFunc("POST /api/users", s.createUser)
	api.HandleFunc("GET /api/users/{id}", s.getUser)
	api.HandleFunc("DELETE /api/users/{id}", s.deleteUser)
	api.HandleFunc("GET /api/users/{id}/organizations", s.listUserOrganizations)

	api.HandleFunc("GET /sandbox/outbox", s.getOutbox)
	api.HandleFunc("DELETE /sandbox/outbox", s.clearOutbox)

	root := http.NewServeMux()
	// Authentication wraps the whole subtree so that, as in Logto, auth errors come before
	// validation errors, 404s and 405s.
	protected := s.requireAuth(api)
	root.Handle("/api/", protected)
	root.Handle("/sandbox/outbox", protected)
	root.HandleFunc("POST /oidc/token", s.issueToken)
	root.HandleFunc("GET /sandbox/health", func(w http.ResponseWriter, r *http.Request) {
		s.reply(w, r, http.StatusOK, object{{"status", "ok"}})
	})
	return root
}

// reply writes a JSON body. Successful GETs get an ETag computed like koa-body-etag (the npm
// "etag" of the JSON text) and a 304 when If-None-Match matches it.
func (s *Server) reply(w http.ResponseWriter, r *http.Request, status int, v any) {
	body, err := encode(v)
	if err != nil {
		s.log.Error("encode response", "err", err)
		s.fail(w, errInternal())
		return
	}
	h := w.Header()
	if r.Method == http.MethodGet && status == http.StatusOK && strings.HasPrefix(r.URL.Path, "/api/") {
		tag := etag(body)
		h.Set("ETag", tag)
		if matchesETag(r.Header.Get("If-None-Match"), tag) {
			w.WriteHeader(http.StatusNotModified)
			return
		}
	}
	writeBody(w, status, body)
}

// writeJSON writes v as a JSON response without any ETag handling.
func (s *Server) writeJSON(w http.ResponseWriter, status int, v any) {
	body, err := encode(v)
	if err != nil {
		s.log.Error("encode response", "err", err)
		s.fail(w, errInternal())
		return
	}
	writeBody(w, status, body)
}

func writeBody(w http.ResponseWriter, status int, body []byte) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Content-Length", fmt.Sprint(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// noContent answers 204 with no body.
func noContent(w http.ResponseWriter) { w.WriteHeader(http.StatusNoContent) }

// fail writes an error body. Logto never sends WWW-Authenticate, so neither does this.
func (s *Server) fail(w http.ResponseWriter, e *apiError) {
	body, err := encode(e.body())
	if err != nil {
		body = []byte(`{"message":"Internal server error."}`)
		e = errInternal()
	}
	writeBody(w, e.status, body)
}

func etag(body []byte) string {
	sum := sha1.Sum(body) //nolint:gosec // not security
	return fmt.Sprintf(`"%x-%s"`, len(body), base64.StdEncoding.EncodeToString(sum[:])[:27])
}

func matchesETag(header, tag string) bool {
	if header == "" {
		return false
	}
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimPrefix(strings.TrimSpace(t), "W/")
		if t == "*" || t == tag {
			return true
		}
	}
	return false
}

// maxBody is koa-body's default JSON limit (1 MB).
const maxBody = 1 << 20

// readBody does what koa-body and koaGuard do before a body guard runs: JSON content types are
// parsed strictly (object or array only), forms become objects of strings, text stays a string,
// and anything else, including no body at all, becomes {}.
func readBody(r *http.Request) (any, *apiError) {
	data, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil {
		return nil, errBadJSON("request aborted")
	}
	if len(data) > maxBody {
		return nil, &apiError{status: http.StatusRequestEntityTooLarge, message: "request entity too large"}
	}
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch {
	case ct == "application/json" || (strings.HasPrefix(ct, "application/") && strings.HasSuffix(ct, "+json")):
		trimmed := bytes.TrimLeft(data, " \t\r\n")
		if len(trimmed) == 0 {
			return object{}, nil
		}
		if trimmed[0] != '{' && trimmed[0] != '[' {
			return nil, errBadJSON("invalid JSON, only supports object and array")
		}
		v, err := decodeJSON(data)
		if err != nil {
			return nil, errBadJSON(jsonErrorMessage(err))
		}
		return v, nil
	case ct == "application/x-www-form-urlencoded":
		return parseForm(string(data)), nil
	case strings.HasPrefix(ct, "text/"):
		return string(data), nil
	default:
		return object{}, nil
	}
}

// jsonErrorMessage words a syntax error roughly the way V8's JSON.parse does. The exact text
// differs from Node's; clients should rely only on the status and on the absence of a code.
func jsonErrorMessage(err error) string {
	var syn *json.SyntaxError
	switch {
	case errors.As(err, &syn):
		return fmt.Sprintf("Unexpected token in JSON at position %d", syn.Offset)
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return "Unexpected end of JSON input"
	default:
		return err.Error()
	}
}

// parseForm parses a urlencoded body keeping key order; a repeated key becomes an array, as
// with Node's querystring.
func parseForm(s string) object {
	o := object{}
	for _, part := range strings.Split(s, "&") {
		if part == "" {
			continue
		}
		k, v, _ := strings.Cut(part, "=")
		k, _ = url.QueryUnescape(k)
		v, _ = url.QueryUnescape(v)
		if prev, ok := o.get(k); ok {
			switch p := prev.(type) {
			case []any:
				o = o.set(k, append(p, v))
			default:
				o = o.set(k, []any{p, v})
			}
			continue
		}
		o = append(o, member{k, v})
	}
	return o
}

// field returns the value of key in a body that passed an object check.
func field(v any, key string) (any, bool) {
	o, ok := v.(object)
	if !ok {
		return nil, false
	}
	return o.get(key)
}

// nowMs is the clock in epoch milliseconds, the unit of every timestamp in the API.
func (s *Server) nowMs() int64 { return s.now().UnixMilli() }

// persist writes the state when a data file is configured. Called with mu held after a change.
func (s *Server) persist() *apiError {
	if s.opts.DataFile == "" {
		return nil
	}
	if err := writeState(s.opts.DataFile, s.st); err != nil {
		s.log.Error("persist state", "err", err)
		return errInternal()
	}
	return nil
}
