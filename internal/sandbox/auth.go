package sandbox

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Management API resource indicator of Logto OSS, the only resource tokens are issued for.
const managementResource = "https://default.logto.app/api"

// tokenTTL is the lifetime of issued tokens (the resource's default access_token_ttl).
const tokenTTL = 3600

// requireAuth is koaAuth: every protected route checks credentials before anything else.
func (s *Server) requireAuth(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if e := s.authenticate(r); e != nil {
			s.fail(w, e)
			return
		}
		next.ServeHTTP(w, r)
	})
}

func (s *Server) authenticate(r *http.Request) *apiError {
	if s.opts.DevHeader && r.Header.Get("development-user-id") != "" {
		return nil
	}
	header := r.Header.Get("Authorization")
	if header == "" {
		return &apiError{status: 401, code: "auth.authorization_header_missing", message: msgHeaderMissing}
	}
	// Logto tests startsWith("Bearer") and then drops seven characters; copy that exactly.
	if !strings.HasPrefix(header, "Bearer") {
		return &apiError{status: 401, code: "auth.authorization_token_type_not_supported",
			data: object{{"supportedTypes", []string{"Bearer"}}}, message: msgTypeUnsupported}
	}
	token := ""
	if len(header) > len("Bearer ") {
		token = header[len("Bearer "):]
	}
	if s.opts.Token != "" && subtle.ConstantTimeCompare([]byte(token), []byte(s.opts.Token)) == 1 {
		return nil
	}
	claims, joseErr := s.verifyToken(token)
	if joseErr != nil {
		return &apiError{status: 401, code: "auth.unauthorized", data: joseErr, message: msgUnauthorized}
	}
	if sub, _ := claims.get("sub"); sub == nil || sub == "" {
		return &apiError{status: 401, code: "auth.jwt_sub_missing", message: msgSubMissing}
	}
	scope, _ := claims.get("scope")
	scopeText, _ := scope.(string)
	if !contains(strings.Fields(scopeText), "all") {
		return &apiError{status: 403, code: "auth.forbidden", message: msgForbidden}
	}
	return nil
}

// tokenClaims is the payload of an issued token, in the order Logto's tokens list them.
type tokenClaims struct {
	JTI      string `json:"jti"`
	Sub      string `json:"sub"`
	IAT      int64  `json:"iat"`
	EXP      int64  `json:"exp"`
	Scope    string `json:"scope"`
	ClientID string `json:"client_id"`
	ISS      string `json:"iss"`
	AUD      string `json:"aud"`
}

var b64 = base64.RawURLEncoding

// jwtHeader is fixed: tokens are HS256-signed with the state's random key (Logto uses ES384;
// callers must treat tokens as opaque anyway).
var jwtHeader = b64.EncodeToString([]byte(`{"alg":"HS256","typ":"at+jwt","kid":"sandbox"}`))

func (s *Server) sign(c tokenClaims) (string, error) {
	payload, err := json.Marshal(c)
	if err != nil {
		return "", err
	}
	input := jwtHeader + "." + b64.EncodeToString(payload)
	s.mu.Lock()
	key := s.st.SigningKey
	s.mu.Unlock()
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(input))
	return input + "." + b64.EncodeToString(mac.Sum(nil)), nil
}

// joseError builds the serialised jose error Logto puts in data (key order: code, name, then
// claim, reason and payload for claim errors).
func joseError(code, name string) object { return object{{"code", code}, {"name", name}} }

// verifyToken checks a token like jose's jwtVerify with Logto's audience check, returning the
// claims or the jose error to report. The issuer is not checked because it depends on the host
// name the token was requested through.
func (s *Server) verifyToken(token string) (object, object) {
	invalid := joseError("ERR_JWS_INVALID", "JWSInvalid")
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return nil, invalid
	}
	hb, err := b64.DecodeString(parts[0])
	if err != nil {
		return nil, invalid
	}
	hv, err := decodeJSON(hb)
	header, ok := hv.(object)
	if err != nil || !ok {
		return nil, invalid
	}
	if alg, _ := header.get("alg"); alg != "HS256" {
		return nil, joseError("ERR_JOSE_ALG_NOT_ALLOWED", "JOSEAlgNotAllowed")
	}
	sig, err := b64.DecodeString(parts[2])
	if err != nil {
		return nil, invalid
	}
	s.mu.Lock()
	key := s.st.SigningKey
	s.mu.Unlock()
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(parts[0] + "." + parts[1]))
	if !hmac.Equal(sig, mac.Sum(nil)) {
		return nil, joseError("ERR_JWS_SIGNATURE_VERIFICATION_FAILED", "JWSSignatureVerificationFailed")
	}
	pb, err := b64.DecodeString(parts[1])
	if err != nil {
		return nil, joseError("ERR_JWT_INVALID", "JWTInvalid")
	}
	pv, err := decodeJSON(pb)
	claims, ok := pv.(object)
	if err != nil || !ok {
		return nil, joseError("ERR_JWT_INVALID", "JWTInvalid")
	}
	claimFailed := func(code, name, claim string) object {
		return append(joseError(code, name), member{"claim", claim}, member{"reason", "check_failed"}, member{"payload", claims})
	}
	if aud, _ := claims.get("aud"); aud != managementResource {
		return nil, claimFailed("ERR_JWT_CLAIM_VALIDATION_FAILED", "JWTClaimValidationFailed", "aud")
	}
	expV, _ := claims.get("exp")
	expN, _ := expV.(json.Number)
	exp, err := expN.Float64()
	if err != nil || exp <= float64(s.now().Unix()) {
		return nil, claimFailed("ERR_JWT_EXPIRED", "JWTExpired", "exp")
	}
	return claims, nil
}

// oidcError answers like Logto's koaOidcErrorHandler: {code, message, error, error_description}.
func (s *Server) oidcError(w http.ResponseWriter, status int, errCode, description, message string, extra ...member) {
	o := object{{"code", "oidc." + errCode}, {"message", message}, {"error", errCode}, {"error_description", description}}
	o = append(o, extra...)
	w.Header().Set("Cache-Control", "no-store")
	s.writeJSON(w, status, o)
}

// issueToken is POST /oidc/token for the client-credentials grant.
func (s *Server) issueToken(w http.ResponseWriter, r *http.Request) {
	fallback := func(code string) string { return "An OIDC error occurred: oidc." + code + "." }
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if ct != "application/x-www-form-urlencoded" {
		s.oidcError(w, 400, "invalid_request",
			"only application/x-www-form-urlencoded content-type bodies are supported on POST /token", "Request is invalid.")
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxBody)
	if err := r.ParseForm(); err != nil {
		s.oidcError(w, 400, "invalid_request", "could not parse the request body", "Request is invalid.")
		return
	}
	form := r.PostForm

	id, secret, basic := r.BasicAuth()
	if basic {
		// RFC 6749 §2.3.1: the Basic credentials are form-urlencoded first.
		id = formUnescape(id)
		secret = formUnescape(secret)
		if form.Get("client_secret") != "" {
			s.oidcError(w, 400, "invalid_request", "client authentication must only be provided using one mechanism", "Request is invalid.")
			return
		}
	} else {
		id, secret = form.Get("client_id"), form.Get("client_secret")
	}
	if id == "" {
		s.oidcError(w, 400, "invalid_request", "no client authentication mechanism provided", "Request is invalid.")
		return
	}
	idOK := subtle.ConstantTimeCompare([]byte(id), []byte(s.opts.ClientID)) == 1
	secretOK := subtle.ConstantTimeCompare([]byte(secret), []byte(s.opts.ClientSecret)) == 1
	if !idOK || !secretOK {
		s.oidcError(w, 401, "invalid_client", "client authentication failed", fallback("invalid_client"))
		return
	}
	switch gt := form.Get("grant_type"); gt {
	case "":
		s.oidcError(w, 400, "invalid_request", "missing required parameter 'grant_type'", "Request is invalid.")
		return
	case "client_credentials":
	default:
		s.oidcError(w, 400, "unsupported_grant_type", "unsupported grant_type requested", "Unsupported `grant_type` requested.")
		return
	}
	if form.Get("resource") != managementResource {
		s.oidcError(w, 400, "invalid_target", "resource indicator is missing, or unknown", "Invalid resource indicator.")
		return
	}
	// No scope gives a token without "all", which the API then refuses with 403, as in Logto.
	scopes := strings.Fields(form.Get("scope"))
	for _, sc := range scopes {
		if sc != "all" {
			s.oidcError(w, 400, "invalid_scope", "requested scope is not allowed",
				"Invalid scope: requested scope is not allowed.", member{"scope", sc})
			return
		}
	}
	scope := strings.Join(scopes, " ")
	now := s.now()
	token, err := s.sign(tokenClaims{
		JTI: newID(), Sub: s.opts.ClientID, IAT: now.Unix(), EXP: now.Add(tokenTTL * time.Second).Unix(),
		Scope: scope, ClientID: s.opts.ClientID, ISS: issuer(r), AUD: managementResource,
	})
	if err != nil {
		s.fail(w, errInternal())
		return
	}
	out := object{{"access_token", token}, {"expires_in", tokenTTL}, {"token_type", "Bearer"}}
	if scope != "" {
		out = append(out, member{"scope", scope})
	}
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Pragma", "no-cache")
	s.writeJSON(w, http.StatusOK, out)
}

func issuer(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host + "/oidc"
}

func formUnescape(s string) string {
	if u, err := url.QueryUnescape(s); err == nil {
		return u
	}
	return s
}
