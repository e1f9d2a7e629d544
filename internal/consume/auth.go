package consume

import (
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/naftiko-go/naftiko/internal/expr"
	"github.com/naftiko-go/naftiko/internal/spec"
)

// auth is a compiled consumer authentication block. Digest and OAuth 2 keep
// state shared by every call of the client (the last digest challenge, the
// cached access token).
type auth struct {
	kind       string // bearer, apikey, basic, digest, oauth2
	token      *expr.Template
	key, value *expr.Template
	inQuery    bool
	user, pass *expr.Template
	digest     *digestState
	oauth      *tokenSource
}

// callAuth is what one call carries from apply to the send step.
type callAuth struct {
	// secrets are the rendered credential values, scrubbed from messages.
	secrets []string
	// digestUser and digestPass answer a Digest challenge (digest only).
	digestUser, digestPass string
}

// compileAuth compiles a consumer's authentication; nil means none. vars are
// the binds (OAuth 2 client credentials are rendered against them only, so
// that a caller can never choose the credentials of a shared token).
func compileAuth(a *spec.Auth, vars map[string]any) (*auth, error) {
	if a == nil || a.Type == "" {
		return nil, nil
	}
	parse := func(field, src string) (*expr.Template, error) {
		t, err := expr.ParseTemplate(src)
		if err != nil {
			return nil, fmt.Errorf("authentication %s: %w", field, err)
		}
		return t, nil
	}
	var err error
	c := &auth{kind: strings.ToLower(a.Type)}
	switch c.kind {
	case "bearer":
		c.token, err = parse("token", a.Token)
	case "apikey":
		switch strings.ToLower(a.Placement) {
		case "", "header": // the schema's default
		case "query":
			c.inQuery = true
		default:
			return nil, fmt.Errorf("authentication placement %q: want header or query", a.Placement)
		}
		if strings.TrimSpace(a.Key) == "" {
			return nil, errors.New("apikey authentication has no key")
		}
		if c.key, err = parse("key", a.Key); err == nil {
			c.value, err = parse("value", a.Value)
		}
	case "basic", "digest":
		if c.user, err = parse("username", a.Username); err == nil {
			c.pass, err = parse("password", a.Password)
		}
		if c.kind == "digest" {
			c.digest = &digestState{}
		}
	case "oauth2":
		c.oauth, err = newTokenSource(a, vars)
	default:
		return nil, fmt.Errorf("%w: authentication type %q", ErrNotSupported, a.Type)
	}
	if err != nil {
		return nil, err
	}
	return c, nil
}

// apply puts the credentials on the request (digest and OAuth 2 do it in the
// send step). It returns the rendered secret values (to scrub from error
// messages) and an error naming the variables when a credential renders
// empty — never the value.
func (a *auth) apply(r *request, scope map[string]any) (callAuth, error) {
	secrets, user, pass, err := a.render(r, scope)
	return callAuth{secrets: secrets, digestUser: user, digestPass: pass}, err
}

func (a *auth) render(r *request, scope map[string]any) (secrets []string, user, pass string, err error) {
	render := func(field string, t *expr.Template) (string, error) {
		s := t.Render(scope)
		if strings.TrimSpace(s) == "" {
			return "", emptyCredential(a.kind, field, t)
		}
		return s, nil
	}
	switch a.kind {
	case "bearer":
		tok, err := render("token", a.token)
		if err != nil {
			return nil, "", "", err
		}
		if !validHeaderValue(tok) {
			return nil, "", "", fmt.Errorf("bearer token contains a control character")
		}
		r.header.Set("Authorization", "Bearer "+tok)
		return []string{tok}, "", "", nil
	case "apikey":
		key, err := render("key", a.key)
		if err != nil {
			return nil, "", "", err
		}
		val, err := render("value", a.value)
		if err != nil {
			return nil, "", "", err
		}
		if a.inQuery {
			r.query = append(r.query, url.QueryEscape(key)+"="+url.QueryEscape(val))
			return []string{val}, "", "", nil
		}
		if !validHeaderName(key) || !validHeaderValue(val) {
			return nil, "", "", fmt.Errorf("apikey header name or value contains an invalid character")
		}
		r.header.Set(key, val)
		return []string{val}, "", "", nil
	case "basic", "digest":
		user, err := render("username", a.user)
		if err != nil {
			return nil, "", "", err
		}
		pass := a.pass.Render(scope)
		if a.kind == "digest" {
			return []string{pass}, user, pass, nil
		}
		r.basicUser, r.basicPass, r.hasBasic = user, pass, true
		return []string{pass}, "", "", nil
	}
	return nil, "", "", nil
}

// emptyCredential explains an empty credential by the variables its
// template references.
func emptyCredential(kind, field string, t *expr.Template) error {
	names := t.Names()
	if len(names) == 0 {
		return fmt.Errorf("%s authentication %s is empty", kind, field)
	}
	return fmt.Errorf("%s authentication %s renders empty: check that %s has a value (bind or input)",
		kind, field, strings.Join(names, ", "))
}
