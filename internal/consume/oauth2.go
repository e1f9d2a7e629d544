package consume

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/naftiko-go/naftiko/internal/expr"
	"github.com/naftiko-go/naftiko/internal/spec"
)

// Token lifetimes of the client-credentials grant.
const (
	// tokenRefreshRatio is the share of expires_in after which a cached
	// token is replaced: early enough that a token never expires in flight.
	tokenRefreshRatio = 0.9
	// defaultTokenLifetime is assumed when the token endpoint sends no
	// expires_in.
	defaultTokenLifetime = 5 * time.Minute
	// maxTokenResponse bounds the token endpoint's answer.
	maxTokenResponse = 1 << 20
)

// tokenSource obtains access tokens with the OAuth 2 client-credentials grant
// (RFC 6749 §4.4) for one consumer, the way Logto's machine-to-machine apps
// do: a form POST to the token endpoint with HTTP Basic client
// authentication. Tokens are cached until 90% of their lifetime; concurrent
// callers share one request to the token endpoint.
type tokenSource struct {
	endpoint, resource, audience *expr.Template
	clientID, clientSecret       *expr.Template
	scopes                       []*expr.Template
	vars                         map[string]any // binds only
	now                          func() time.Time

	mu       sync.Mutex
	token    string
	refresh  time.Time
	inflight *tokenFetch
}

// tokenFetch is one request to the token endpoint that callers wait for.
type tokenFetch struct {
	done  chan struct{}
	token string
	err   error
}

func newTokenSource(a *spec.Auth, vars map[string]any) (*tokenSource, error) {
	if strings.TrimSpace(a.TokenEndpoint) == "" {
		return nil, errors.New("oauth2 authentication of an upstream needs tokenEndpoint (the client-credentials grant)")
	}
	if strings.TrimSpace(a.ClientID) == "" || strings.TrimSpace(a.ClientSecret) == "" {
		return nil, errors.New("oauth2 authentication of an upstream needs clientId and clientSecret")
	}
	s := &tokenSource{vars: vars, now: time.Now}
	var err error
	parse := func(field, src string) *expr.Template {
		t, perr := expr.ParseTemplate(src)
		if perr != nil && err == nil {
			err = fmt.Errorf("authentication %s: %w", field, perr)
		}
		return t
	}
	s.endpoint = parse("tokenEndpoint", a.TokenEndpoint)
	s.resource = parse("resource", a.Resource)
	s.audience = parse("audience", a.Audience)
	s.clientID = parse("clientId", a.ClientID)
	s.clientSecret = parse("clientSecret", a.ClientSecret)
	for _, sc := range a.Scopes {
		s.scopes = append(s.scopes, parse("scopes", sc))
	}
	if err != nil {
		return nil, err
	}
	return s, nil
}

// do sends a request with a bearer token. A 401 answer may mean that the
// token was revoked or expired early: the token is then dropped and the
// request sent once more with a new one.
func (s *tokenSource) do(ctx context.Context, hc *http.Client, timeout time.Duration, newReq func() (*http.Request, error)) (*http.Response, error) {
	send := func() (*http.Response, string, error) {
		tok, err := s.get(ctx, hc, timeout)
		if err != nil {
			return nil, "", err
		}
		r, err := newReq()
		if err != nil {
			return nil, "", err
		}
		r.Header.Set("Authorization", "Bearer "+tok)
		resp, err := hc.Do(r)
		return resp, tok, err
	}
	resp, tok, err := send()
	if err != nil || resp.StatusCode != http.StatusUnauthorized {
		return resp, err
	}
	s.invalidate(tok)
	discard(resp)
	resp, _, err = send()
	return resp, err
}

// get returns a valid token, fetching one when none is cached or the cached
// one is due for refresh. Only one caller fetches; the others wait for it.
func (s *tokenSource) get(ctx context.Context, hc *http.Client, timeout time.Duration) (string, error) {
	s.mu.Lock()
	if s.token != "" && s.now().Before(s.refresh) {
		tok := s.token
		s.mu.Unlock()
		return tok, nil
	}
	f := s.inflight
	leader := f == nil
	if leader {
		f = &tokenFetch{done: make(chan struct{})}
		s.inflight = f
	}
	s.mu.Unlock()

	if leader {
		// The fetch serves every waiting caller, so it must not end with
		// the leader's cancellation; it is bounded by the call timeout.
		fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), timeout)
		tok, lifetime, err := s.fetch(fctx, hc)
		cancel()
		s.mu.Lock()
		if err == nil {
			s.token = tok
			s.refresh = s.now().Add(time.Duration(float64(lifetime) * tokenRefreshRatio))
		}
		s.inflight = nil
		f.token, f.err = tok, err
		s.mu.Unlock()
		close(f.done)
	}
	select {
	case <-f.done:
		return f.token, f.err
	case <-ctx.Done():
		return "", ctx.Err()
	}
}

// invalidate drops tok from the cache, unless another caller already
// replaced it.
func (s *tokenSource) invalidate(tok string) {
	s.mu.Lock()
	if s.token == tok {
		s.token = ""
	}
	s.mu.Unlock()
}

// tokenResponse is the token endpoint's answer (RFC 6749 §5.1, §5.2).
type tokenResponse struct {
	AccessToken      string      `json:"access_token"`
	TokenType        string      `json:"token_type"`
	ExpiresIn        json.Number `json:"expires_in"`
	Error            string      `json:"error"`
	ErrorDescription string      `json:"error_description"`
}

// fetch asks the token endpoint for a new token. Its errors never contain
// the client secret or a token.
func (s *tokenSource) fetch(ctx context.Context, hc *http.Client) (string, time.Duration, error) {
	endpoint := strings.TrimSpace(s.endpoint.Render(s.vars))
	u, err := url.Parse(endpoint)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", 0, &credentialError{fmt.Errorf("oauth2 tokenEndpoint %q is not an http(s) URL", s.endpoint.Source())}
	}
	id := s.clientID.Render(s.vars)
	if strings.TrimSpace(id) == "" {
		return "", 0, &credentialError{emptyCredential("oauth2", "clientId", s.clientID)}
	}
	secret := s.clientSecret.Render(s.vars)
	if strings.TrimSpace(secret) == "" {
		return "", 0, &credentialError{emptyCredential("oauth2", "clientSecret", s.clientSecret)}
	}
	form := url.Values{"grant_type": {"client_credentials"}}
	if v := s.resource.Render(s.vars); v != "" {
		form.Set("resource", v)
	}
	if v := s.audience.Render(s.vars); v != "" {
		form.Set("audience", v)
	}
	var scopes []string
	for _, t := range s.scopes {
		if v := strings.TrimSpace(t.Render(s.vars)); v != "" {
			scopes = append(scopes, v)
		}
	}
	if len(scopes) > 0 {
		form.Set("scope", strings.Join(scopes, " "))
	}

	where := "token endpoint " + redactURL(u)
	fail := func(err error) (string, time.Duration, error) {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // url.Error quotes the URL; ours is redacted
		}
		if msg := scrub(err.Error(), []string{secret}); msg != err.Error() {
			err = &redactedError{msg: msg, cause: err}
		}
		return "", 0, fmt.Errorf("%s: %w", where, err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), strings.NewReader(form.Encode()))
	if err != nil {
		return fail(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	// RFC 6749 §2.3.1: the credentials are form-encoded before Basic.
	req.SetBasicAuth(url.QueryEscape(id), url.QueryEscape(secret))
	resp, err := hc.Do(req)
	if err != nil {
		return fail(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxTokenResponse))
	if err != nil {
		return fail(err)
	}
	var tr tokenResponse
	jsonErr := json.Unmarshal(body, &tr)
	if resp.StatusCode != http.StatusOK {
		msg := fmt.Sprintf("answered %d", resp.StatusCode)
		if tr.Error != "" {
			msg += " " + tr.Error
			if tr.ErrorDescription != "" {
				msg += " (" + tr.ErrorDescription + ")"
			}
		}
		return fail(errors.New(msg))
	}
	switch {
	case jsonErr != nil:
		return fail(errors.New("answered 200 without a JSON token response"))
	case tr.AccessToken == "":
		return fail(errors.New("answered 200 without access_token"))
	case tr.TokenType != "" && !strings.EqualFold(tr.TokenType, "bearer"):
		return fail(fmt.Errorf("token type %q is not supported (want Bearer)", tr.TokenType))
	case !validHeaderValue(tr.AccessToken):
		return fail(errors.New("access_token contains a control character"))
	}
	lifetime := defaultTokenLifetime
	if sec, err := tr.ExpiresIn.Float64(); err == nil && tr.ExpiresIn != "" {
		lifetime = time.Duration(sec * float64(time.Second))
	}
	return tr.AccessToken, lifetime, nil
}
