package auth

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/naftiko-go/naftiko/internal/expose"
	"github.com/naftiko-go/naftiko/internal/expr"
	"github.com/naftiko-go/naftiko/internal/spec"
)

// Realm is the realm of every challenge, as in the reference engine.
const Realm = "naftiko"

// ErrNotSupported is wrapped by New's errors about schemes the engine cannot
// check yet.
var ErrNotSupported = errors.New("not supported yet")

// Problem type URIs; stable, documented in doc.go.
const (
	TypeUnauthorized = "urn:naftiko:problem:unauthorized"
	TypeForbidden    = "urn:naftiko:problem:forbidden"
)

// Options configure New.
type Options struct {
	// Vars are the capability's resolved bind values, flat and
	// namespace-qualified ({"TOKEN": "…", "env": {"TOKEN": "…"}}): the scope
	// of the credential templates.
	Vars map[string]any
	// LookupEnv resolves template variables when Vars is empty (a file that
	// declares no binds), as the reference engine reads the environment.
	// Nil reads nothing.
	LookupEnv func(string) (string, bool)
	// AllowUnresolved lets New succeed when a credential renders empty
	// (validate mode, without bind values); such a Guard refuses every
	// request.
	AllowUnresolved bool
	// Adapter names the adapter in log lines.
	Adapter string
	// Logger receives one line per refused request (never a credential);
	// nil discards.
	Logger *slog.Logger
	// HTTPClient fetches oauth2 metadata and keys. Default: a client with a
	// 10s timeout.
	HTTPClient *http.Client
	// Now is the clock of token validation. Default time.Now.
	Now func() time.Time
	// ResourceMetadata serves RFC 9728 protected-resource metadata at
	// /.well-known/oauth-protected-resource (and below) for oauth2, and
	// points every challenge at it (MCP adapters).
	ResourceMetadata bool
}

// Guard checks the credentials of requests to one adapter.
type Guard struct {
	scheme string
	v      verifier
	log    *slog.Logger
}

// verifier is one scheme. check returns nil when the request may pass; strip
// removes the credential from a request that passed.
type verifier interface {
	check(r *http.Request) *failure
	strip(r *http.Request)
}

// failure is a refused request.
type failure struct {
	status    int    // 401 or 403
	challenge string // WWW-Authenticate value
	detail    string // for the caller and the log; never a credential
}

// New compiles a's credentials (rendered once: bind values do not change
// while serving). It fails on an unknown or unsupported scheme, a template
// that does not parse, or a credential that renders empty (unless
// opts.AllowUnresolved).
func New(a *spec.Auth, opts Options) (*Guard, error) {
	if a == nil {
		return nil, errors.New("no authentication block")
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.HTTPClient == nil {
		opts.HTTPClient = &http.Client{Timeout: 10 * time.Second}
	}
	g := &Guard{scheme: strings.ToLower(a.Type), log: opts.Logger.With("component", "auth", "adapter", opts.Adapter)}
	r := &renderer{opts: opts}
	var err error
	switch g.scheme {
	case "bearer":
		g.v, err = newBearer(r, a)
	case "apikey":
		g.v, err = newAPIKey(r, a)
	case "basic":
		g.v, err = newBasic(r, a)
	case "oauth2":
		g.v, err = newOAuth2(a, opts)
	case "digest":
		return nil, fmt.Errorf("%w: digest authentication of an exposed adapter", ErrNotSupported)
	default:
		return nil, fmt.Errorf("%w: authentication type %q on an exposed adapter", ErrNotSupported, a.Type)
	}
	if err != nil {
		return nil, err
	}
	return g, nil
}

// Wrap returns next behind the guard.
func (g *Guard) Wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if h, ok := g.v.(interface {
			serveMetadata(http.ResponseWriter, *http.Request) bool
		}); ok && h.serveMetadata(w, r) {
			return
		}
		if f := g.v.check(r); f != nil {
			g.log.LogAttrs(r.Context(), slog.LevelInfo, "request refused",
				slog.String("scheme", g.scheme), slog.Int("status", f.status), slog.String("reason", f.detail),
				slog.String("method", r.Method), slog.String("path", r.URL.Path), slog.String("remote", r.RemoteAddr))
			writeFailure(w, f)
			return
		}
		r = r.Clone(r.Context())
		g.v.strip(r)
		next.ServeHTTP(w, r)
	})
}

// writeFailure answers a refused request with the problem details every
// adapter answers errors with (request id included).
func writeFailure(w http.ResponseWriter, f *failure) {
	p := expose.Problem{Type: TypeUnauthorized, Title: "Unauthorized", Status: f.status, Detail: f.detail}
	if f.status == http.StatusForbidden {
		p.Type, p.Title = TypeForbidden, "Forbidden"
	}
	h := w.Header()
	if f.challenge != "" {
		h.Set("WWW-Authenticate", f.challenge)
	}
	h.Set("Cache-Control", "no-store")
	expose.WriteProblem(w, p)
}

// renderer renders credential templates against the bind values.
type renderer struct {
	opts Options
}

// render returns the rendered field; empty is an error naming the variables
// unless AllowUnresolved.
func (r *renderer) render(kind, field, src string) (string, error) {
	t, err := expr.ParseTemplate(src)
	if err != nil {
		return "", fmt.Errorf("%s authentication %s: %w", kind, field, err)
	}
	scope := r.opts.Vars
	if len(scope) == 0 && r.opts.LookupEnv != nil {
		scope = map[string]any{}
		for _, n := range t.Names() {
			if v, ok := r.opts.LookupEnv(n); ok {
				scope[n] = v
			}
		}
	}
	s := t.Render(scope)
	if strings.TrimSpace(s) == "" && !r.opts.AllowUnresolved {
		if names := t.Names(); len(names) > 0 {
			return "", fmt.Errorf("%s authentication %s renders empty: check that %s has a value (bind)", kind, field, strings.Join(names, ", "))
		}
		return "", fmt.Errorf("%s authentication %s is empty", kind, field)
	}
	return s, nil
}

// secret is an expected credential, kept as its SHA-256 so that comparisons
// take the same time whatever the length of the candidate.
type secret struct {
	sum   [32]byte
	empty bool // never matches (unresolved in validate mode)
}

func newSecret(s string) secret { return secret{sum: sha256.Sum256([]byte(s)), empty: s == ""} }

func (s secret) matches(candidate string) bool {
	c := sha256.Sum256([]byte(candidate))
	return subtle.ConstantTimeCompare(c[:], s.sum[:]) == 1 && !s.empty
}

// bearerToken returns the token of an `Authorization: Bearer` header (scheme
// case-insensitive) and whether the header was there at all.
func bearerToken(r *http.Request) (token string, present bool) {
	h := r.Header.Get("Authorization")
	if h == "" {
		return "", false
	}
	scheme, tok, _ := strings.Cut(h, " ")
	if !strings.EqualFold(scheme, "Bearer") {
		return "", true
	}
	return strings.TrimSpace(tok), true
}

// ---------------------------------------------------------------- bearer

type bearerVerifier struct{ token secret }

func newBearer(r *renderer, a *spec.Auth) (verifier, error) {
	tok, err := r.render("bearer", "token", a.Token)
	if err != nil {
		return nil, err
	}
	return &bearerVerifier{token: newSecret(tok)}, nil
}

func (v *bearerVerifier) check(r *http.Request) *failure {
	tok, present := bearerToken(r)
	switch {
	case !present:
		return &failure{http.StatusUnauthorized, `Bearer realm="` + Realm + `"`, "an Authorization: Bearer header is required"}
	case tok == "" || !v.token.matches(tok):
		return &failure{http.StatusUnauthorized, `Bearer realm="` + Realm + `", error="invalid_token"`, "the bearer token is not valid"}
	}
	return nil
}

func (v *bearerVerifier) strip(r *http.Request) { r.Header.Del("Authorization") }

// ---------------------------------------------------------------- apikey

type apiKeyVerifier struct {
	name      string // header name or query parameter
	inQuery   bool
	value     secret
	challenge string // WWW-Authenticate of a refusal
}

func newAPIKey(r *renderer, a *spec.Auth) (verifier, error) {
	v := &apiKeyVerifier{}
	switch strings.ToLower(a.Placement) {
	case "", "header":
	case "query":
		v.inQuery = true
	default:
		return nil, fmt.Errorf("apikey authentication placement %q: want header or query", a.Placement)
	}
	if strings.TrimSpace(a.Key) == "" {
		return nil, errors.New("apikey authentication has no key")
	}
	var err error
	if v.name, err = r.render("apikey", "key", a.Key); err != nil {
		return nil, err
	}
	val, err := r.render("apikey", "value", a.Value)
	if err != nil {
		return nil, err
	}
	v.value = newSecret(val)
	in := "header"
	if v.inQuery {
		in = "query"
	}
	// Not a registered scheme: it tells a client where the key goes.
	v.challenge = fmt.Sprintf(`APIKey realm="%s", in="%s", name="%s"`, Realm, in, v.name)
	return v, nil
}

func (v *apiKeyVerifier) where() string {
	if v.inQuery {
		return "query parameter " + v.name
	}
	return "header " + v.name
}

func (v *apiKeyVerifier) check(r *http.Request) *failure {
	var got []string
	if v.inQuery {
		got = r.URL.Query()[v.name]
	} else {
		got = r.Header.Values(v.name)
	}
	switch {
	case len(got) == 0:
		return &failure{http.StatusUnauthorized, v.challenge, "an API key is required in " + v.where()}
	case len(got) > 1 || !v.value.matches(got[0]):
		return &failure{http.StatusUnauthorized, v.challenge, "the API key in " + v.where() + " is not valid"}
	}
	return nil
}

func (v *apiKeyVerifier) strip(r *http.Request) {
	if !v.inQuery {
		r.Header.Del(v.name)
		return
	}
	q := r.URL.Query()
	q.Del(v.name)
	u := *r.URL
	u.RawQuery = q.Encode()
	r.URL = &u
	r.RequestURI = u.RequestURI()
}

// ---------------------------------------------------------------- basic

type basicVerifier struct{ user, pass secret }

func newBasic(r *renderer, a *spec.Auth) (verifier, error) {
	user, err := r.render("basic", "username", a.Username)
	if err != nil {
		return nil, err
	}
	pass, err := r.render("basic", "password", a.Password)
	if err != nil {
		return nil, err
	}
	return &basicVerifier{user: newSecret(user), pass: newSecret(pass)}, nil
}

func (v *basicVerifier) check(r *http.Request) *failure {
	challenge := `Basic realm="` + Realm + `", charset="UTF-8"`
	h := r.Header.Get("Authorization")
	if h == "" {
		return &failure{http.StatusUnauthorized, challenge, "an Authorization: Basic header is required"}
	}
	scheme, enc, _ := strings.Cut(h, " ")
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(enc))
	user, pass, ok := strings.Cut(string(raw), ":")
	if !strings.EqualFold(scheme, "Basic") || err != nil || !ok {
		return &failure{http.StatusUnauthorized, challenge, "the Authorization header is not Basic credentials"}
	}
	// Both compared, always: which one was wrong must not show in the time.
	userOK, passOK := v.user.matches(user), v.pass.matches(pass)
	if !userOK || !passOK {
		return &failure{http.StatusUnauthorized, challenge, "the username or password is not valid"}
	}
	return nil
}

func (v *basicVerifier) strip(r *http.Request) { r.Header.Del("Authorization") }
