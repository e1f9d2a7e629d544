package auth

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"net/http"
	"net/url"
	"path"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/naftiko-go/naftiko/internal/spec"
)

// Key cache timings of oauth2 validation (those of the reference engine).
const (
	keysTTL         = 5 * time.Minute  // keys are fetched again after this
	keysMinRefresh  = 30 * time.Second // an unknown kid refetches at most this often
	keysFetchBudget = 10 * time.Second // one discovery + JWKS fetch
	clockLeeway     = 30 * time.Second // tolerated clock skew for exp and nbf
	maxMetadataSize = 1 << 20
)

// metadataPath is the RFC 9728 well-known path.
const metadataPath = "/.well-known/oauth-protected-resource"

// signingMethods are the accepted JWT algorithms: asymmetric only, so that a
// public key can never be used as an HMAC secret.
var signingMethods = []string{"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512"}

type oauth2Verifier struct {
	issuer    string // expected iss, without a trailing slash
	issuerSet bool   // from authorizationServerUri (else from metadata or the token endpoint)
	audiences []string
	scopes    []string
	keys      *keySet
	parser    *jwt.Parser
	metadata  []byte // RFC 9728 document; nil when not served
	log       *slog.Logger
}

func newOAuth2(a *spec.Auth, opts Options) (verifier, error) {
	if strings.EqualFold(a.TokenValidation, "introspection") {
		return nil, fmt.Errorf("%w: oauth2 tokenValidation introspection (use jwks)", ErrNotSupported)
	}
	v := &oauth2Verifier{log: opts.Logger.With("component", "auth", "adapter", opts.Adapter)}
	as := strings.TrimSuffix(strings.TrimSpace(a.AuthorizationServerURI), "/")
	v.issuerSet = as != ""
	if as == "" && a.TokenEndpoint != "" {
		// Logto, Keycloak, …: the token endpoint lives right below the issuer.
		if u, err := url.Parse(a.TokenEndpoint); err == nil {
			u.Path = path.Dir(u.Path)
			u.RawQuery = ""
			as = strings.TrimSuffix(u.String(), "/")
		}
	}
	u, err := url.Parse(as)
	if as == "" || err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, errors.New("oauth2 authentication needs authorizationServerUri (or tokenEndpoint) as an http(s) URL")
	}
	v.issuer = as
	for _, aud := range []string{a.Audience, a.Resource} {
		if aud = strings.TrimSpace(aud); aud != "" && !slices.Contains(v.audiences, aud) {
			v.audiences = append(v.audiences, aud)
		}
	}
	if len(v.audiences) == 0 {
		return nil, errors.New("oauth2 authentication needs resource or audience: tokens for other APIs must not pass")
	}
	for _, s := range a.Scopes {
		if s = strings.TrimSpace(s); s != "" {
			v.scopes = append(v.scopes, s)
		}
	}
	discovery := []string{as + "/.well-known/oauth-authorization-server", as + "/.well-known/openid-configuration"}
	if p := strings.TrimSuffix(u.Path, "/"); p != "" {
		// RFC 8414 §3.1: the well-known segment goes before the issuer's path.
		root := u.Scheme + "://" + u.Host
		discovery = append(discovery, root+"/.well-known/oauth-authorization-server"+p, root+"/.well-known/openid-configuration"+p)
	}
	v.keys = &keySet{hc: opts.HTTPClient, now: opts.Now, discovery: discovery, log: v.log}
	v.parser = jwt.NewParser(jwt.WithValidMethods(signingMethods), jwt.WithExpirationRequired(),
		jwt.WithLeeway(clockLeeway), jwt.WithTimeFunc(opts.Now))
	if opts.ResourceMetadata {
		doc := map[string]any{
			"resource":                 v.audiences[len(v.audiences)-1], // resource when set, else audience
			"authorization_servers":    []string{as},
			"bearer_methods_supported": []string{"header"},
		}
		if len(v.scopes) > 0 {
			doc["scopes_supported"] = v.scopes
		}
		v.metadata, _ = json.Marshal(doc)
	}
	return v, nil
}

// serveMetadata answers RFC 9728 metadata requests (no credentials needed).
func (v *oauth2Verifier) serveMetadata(w http.ResponseWriter, r *http.Request) bool {
	if v.metadata == nil || (r.URL.Path != metadataPath && !strings.HasPrefix(r.URL.Path, metadataPath+"/")) {
		return false
	}
	h := w.Header()
	// Public information, read by browser-based MCP clients.
	h.Set("Access-Control-Allow-Origin", "*")
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		h.Set("Content-Type", "application/json")
		h.Set("Cache-Control", "max-age=300")
		w.WriteHeader(http.StatusOK)
		if r.Method == http.MethodGet {
			_, _ = w.Write(v.metadata)
		}
	case http.MethodOptions:
		h.Set("Access-Control-Allow-Methods", "GET, HEAD, OPTIONS")
		w.WriteHeader(http.StatusNoContent)
	default:
		h.Set("Allow", "GET, HEAD, OPTIONS")
		w.WriteHeader(http.StatusMethodNotAllowed)
	}
	return true
}

// challenge builds the Bearer challenge (RFC 6750 §3) for r.
func (v *oauth2Verifier) challenge(r *http.Request, params ...string) string {
	var b strings.Builder
	b.WriteString(`Bearer realm="` + Realm + `"`)
	for i := 0; i+1 < len(params); i += 2 {
		fmt.Fprintf(&b, `, %s="%s"`, params[i], strings.ReplaceAll(params[i+1], `"`, `'`))
	}
	if v.metadata != nil {
		scheme := "http"
		if r.TLS != nil {
			scheme = "https"
		}
		fmt.Fprintf(&b, `, resource_metadata="%s://%s%s"`, scheme, r.Host, metadataPath)
	}
	return b.String()
}

func (v *oauth2Verifier) check(r *http.Request) *failure {
	raw, present := bearerToken(r)
	if !present || raw == "" {
		return &failure{http.StatusUnauthorized, v.challenge(r), "a bearer token is required"}
	}
	invalid := func(desc string) *failure {
		return &failure{http.StatusUnauthorized, v.challenge(r, "error", "invalid_token", "error_description", desc), desc}
	}
	claims := jwt.MapClaims{}
	_, err := v.parser.ParseWithClaims(raw, claims, func(t *jwt.Token) (any, error) {
		kid, _ := t.Header["kid"].(string)
		return v.keys.lookup(r.Context(), kid, t.Method.Alg())
	})
	if err != nil {
		return invalid(describe(err))
	}
	iss, _ := claims["iss"].(string)
	if strings.TrimSuffix(iss, "/") != v.expectedIssuer() {
		return invalid("the token was not issued by the expected authorization server")
	}
	aud, _ := claims.GetAudience()
	if !slices.ContainsFunc(aud, func(a string) bool { return slices.Contains(v.audiences, a) }) {
		return invalid("the token is not meant for this resource")
	}
	granted := tokenScopes(claims)
	for _, s := range v.scopes {
		if !slices.Contains(granted, s) {
			desc := "the token lacks scope " + s
			return &failure{http.StatusForbidden,
				v.challenge(r, "error", "insufficient_scope", "scope", strings.Join(v.scopes, " "), "error_description", desc), desc}
		}
	}
	return nil
}

func (v *oauth2Verifier) expectedIssuer() string {
	if !v.issuerSet {
		if iss := v.keys.metadataIssuer(); iss != "" {
			return strings.TrimSuffix(iss, "/")
		}
	}
	return v.issuer
}

func (v *oauth2Verifier) strip(r *http.Request) { r.Header.Del("Authorization") }

// tokenScopes reads the space-separated `scope` claim, or `scp` (a list or
// a string) as some servers write it.
func tokenScopes(c jwt.MapClaims) []string {
	if s, ok := c["scope"].(string); ok {
		return strings.Fields(s)
	}
	switch s := c["scp"].(type) {
	case string:
		return strings.Fields(s)
	case []any:
		var out []string
		for _, x := range s {
			if str, ok := x.(string); ok {
				out = append(out, str)
			}
		}
		return out
	}
	return nil
}

// errKeys is a failure to fetch the authorization server's keys.
var errKeys = errors.New("the authorization server's keys could not be fetched")

// errUnknownKey is a token signed with a key the authorization server does
// not publish.
var errUnknownKey = errors.New("unknown signing key")

// describe turns a validation error into a fixed description: the library's
// texts are good, but a fixed list is certain to hold no token content.
func describe(err error) string {
	switch {
	case errors.Is(err, jwt.ErrTokenExpired):
		return "the token has expired"
	case errors.Is(err, jwt.ErrTokenNotValidYet):
		return "the token is not valid yet"
	case errors.Is(err, jwt.ErrTokenRequiredClaimMissing):
		return "the token has no expiry"
	case errors.Is(err, errKeys):
		return errKeys.Error()
	case errors.Is(err, errUnknownKey):
		return "the token is signed with an unknown key"
	case errors.Is(err, jwt.ErrTokenSignatureInvalid), errors.Is(err, jwt.ErrInvalidKeyType):
		return "the token signature is not valid"
	case errors.Is(err, jwt.ErrTokenMalformed):
		return "the token is not a JWT"
	case errors.Is(err, jwt.ErrTokenUnverifiable):
		return "the token cannot be verified (algorithm not accepted)"
	}
	return "the token is not valid"
}

// ---------------------------------------------------------------- keys

// keySet is the cached JWKS of an authorization server, found through its
// metadata. Lookups hold the lock while fetching, so concurrent requests
// share one fetch.
type keySet struct {
	hc        *http.Client
	now       func() time.Time
	discovery []string
	log       *slog.Logger

	mu      sync.Mutex
	jwksURI string
	issuer  string // from the metadata
	keys    []jwk
	fetched time.Time
	tried   time.Time
}

type jwk struct {
	kid, alg string
	key      crypto.PublicKey
}

func (k *keySet) metadataIssuer() string {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.issuer
}

func (k *keySet) lookup(ctx context.Context, kid, alg string) (crypto.PublicKey, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	now := k.now()
	key := k.find(kid, alg)
	stale := now.Sub(k.fetched) > keysTTL
	if (key == nil || stale) && (k.tried.IsZero() || now.Sub(k.tried) >= keysMinRefresh) {
		k.tried = now
		fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), keysFetchBudget)
		err := k.refresh(fctx)
		cancel()
		if err != nil {
			k.log.LogAttrs(ctx, slog.LevelWarn, "fetching the authorization server's keys failed", slog.String("error", err.Error()))
			if key == nil {
				return nil, errKeys
			}
			return key, nil // keep serving with the keys we have
		}
		k.fetched = now
		key = k.find(kid, alg)
	}
	if key == nil {
		return nil, errUnknownKey
	}
	return key, nil
}

// find returns the key for kid usable with alg; without kid, the only key
// of alg's type.
func (k *keySet) find(kid, alg string) crypto.PublicKey {
	var match []crypto.PublicKey
	for _, j := range k.keys {
		if (kid != "" && j.kid != kid) || (j.alg != "" && j.alg != alg) || !fits(j.key, alg) {
			continue
		}
		match = append(match, j.key)
	}
	if len(match) == 1 || (kid != "" && len(match) > 0) {
		return match[0]
	}
	return nil
}

func fits(key crypto.PublicKey, alg string) bool {
	switch key.(type) {
	case *rsa.PublicKey:
		return strings.HasPrefix(alg, "RS") || strings.HasPrefix(alg, "PS")
	case *ecdsa.PublicKey:
		return strings.HasPrefix(alg, "ES")
	}
	return false
}

// refresh discovers the JWKS URI (once) and fetches the keys.
func (k *keySet) refresh(ctx context.Context) error {
	if k.jwksURI == "" {
		var errs []error
		for _, u := range k.discovery {
			var md struct {
				Issuer  string `json:"issuer"`
				JWKSURI string `json:"jwks_uri"`
			}
			if err := k.getJSON(ctx, u, &md); err != nil {
				errs = append(errs, err)
				continue
			}
			if md.JWKSURI != "" {
				k.jwksURI, k.issuer = md.JWKSURI, md.Issuer
				break
			}
			errs = append(errs, fmt.Errorf("%s: no jwks_uri", u))
		}
		if k.jwksURI == "" {
			return fmt.Errorf("no authorization server metadata: %w", errors.Join(errs...))
		}
	}
	var set struct {
		Keys []rawJWK `json:"keys"`
	}
	if err := k.getJSON(ctx, k.jwksURI, &set); err != nil {
		return err
	}
	keys := make([]jwk, 0, len(set.Keys))
	for _, r := range set.Keys {
		if r.Use != "" && r.Use != "sig" {
			continue
		}
		if key, err := r.publicKey(); err == nil {
			keys = append(keys, jwk{kid: r.Kid, alg: r.Alg, key: key})
		}
	}
	if len(keys) == 0 {
		return fmt.Errorf("%s: no usable signing key", k.jwksURI)
	}
	k.keys = keys
	return nil
}

func (k *keySet) getJSON(ctx context.Context, u string, v any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Accept", "application/json")
	resp, err := k.hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: status %d", u, resp.StatusCode)
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, maxMetadataSize)).Decode(v); err != nil {
		return fmt.Errorf("%s: %w", u, err)
	}
	return nil
}

// rawJWK is a JSON Web Key (RFC 7517) of type RSA or EC.
type rawJWK struct {
	Kty string `json:"kty"`
	Kid string `json:"kid"`
	Use string `json:"use"`
	Alg string `json:"alg"`
	N   string `json:"n"`
	E   string `json:"e"`
	Crv string `json:"crv"`
	X   string `json:"x"`
	Y   string `json:"y"`
}

func (r rawJWK) publicKey() (crypto.PublicKey, error) {
	b64 := base64.RawURLEncoding
	switch r.Kty {
	case "RSA":
		n, err1 := b64.DecodeString(r.N)
		e, err2 := b64.DecodeString(r.E)
		if err1 != nil || err2 != nil || len(n) == 0 || len(e) == 0 || len(e) > 4 {
			return nil, errors.New("bad RSA key")
		}
		exp := int(new(big.Int).SetBytes(e).Int64())
		return &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: exp}, nil
	case "EC":
		var curve elliptic.Curve
		switch r.Crv {
		case "P-256":
			curve = elliptic.P256()
		case "P-384":
			curve = elliptic.P384()
		case "P-521":
			curve = elliptic.P521()
		default:
			return nil, fmt.Errorf("curve %q", r.Crv)
		}
		size := (curve.Params().BitSize + 7) / 8
		x, err1 := b64.DecodeString(r.X)
		y, err2 := b64.DecodeString(r.Y)
		if err1 != nil || err2 != nil || len(x) > size || len(y) > size {
			return nil, errors.New("bad EC key")
		}
		point := make([]byte, 1+2*size)
		point[0] = 4
		copy(point[1+size-len(x):1+size], x)
		copy(point[1+2*size-len(y):], y)
		return ecdsa.ParseUncompressedPublicKey(curve, point)
	}
	return nil, fmt.Errorf("key type %q", r.Kty)
}
