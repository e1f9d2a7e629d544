package consume

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/naftiko-go/naftiko/internal/spec"
)

// Defaults of Options.
const (
	DefaultTimeout          = 30 * time.Second
	DefaultMaxResponseBytes = 16 << 20
	DefaultUserAgent        = "naftiko-go"
)

// Options configure a Client. The zero value is usable.
type Options struct {
	// BaseURI replaces the consumer's baseUri (`serve --base-uri NS=URL`);
	// "" keeps the file's.
	BaseURI string
	// Vars is the template scope from binds, flat and namespace-qualified:
	// {"LOGTO_API_KEY": "…", "env": {"LOGTO_API_KEY": "…"}}.
	Vars map[string]any
	// LookupEnv resolves `[tenant_id]` base-URI placeholders (as TENANT_ID),
	// `{{VAR}}` base-URI placeholders missing from Vars, and `in: environment`
	// parameters. Default os.LookupEnv.
	LookupEnv func(string) (string, bool)
	// AllowUnresolved lets New succeed with unresolved base-URI placeholders
	// (validate mode); Call then fails with a *TransportError.
	AllowUnresolved bool
	// Timeout bounds each call, response body included. Default 30s.
	Timeout time.Duration
	// MaxResponseBytes bounds the response body. Default 16 MiB.
	MaxResponseBytes int64
	// HTTPClient sends the requests. Default: a shared client with keep-alive
	// and 64 idle connections per host, following up to 10 redirects.
	HTTPClient *http.Client
	// UserAgent is sent as User-Agent. Default "naftiko-go".
	UserAgent string
	// Retry says which failed calls are sent again (retry.go). Nil means
	// DefaultRetry: one retry of an idempotent call whose connection failed.
	Retry *RetryPolicy
	// OperationTimeouts replace Timeout for the operations they name.
	OperationTimeouts map[string]time.Duration
	// MaxConcurrency bounds the calls in flight to this consumer; a call
	// waits for a slot within its timeout. 0 means no limit.
	MaxConcurrency int
	// InjectHeaders, when set, adds headers derived from the call's context
	// (the engine's W3C traceparent) to every outbound request.
	InjectHeaders func(context.Context, http.Header)
}

// Client calls the operations of one consumed namespace. It is safe for
// concurrent use.
type Client struct {
	ns        string
	base      *url.URL
	baseErr   error // unresolved base URI under AllowUnresolved
	vars      map[string]any
	secrets   []string
	lookupEnv func(string) (string, bool)
	timeout   time.Duration
	maxBytes  int64
	http      *http.Client
	userAgent string
	retry     RetryPolicy
	params    []param // consumer-level
	auth      *auth
	ops       map[*spec.ConsumedOperation]*operation
	byName    map[string]*operation
	specOps   map[string]*spec.ConsumedOperation
	// limits and hooks (limit.go)
	opTimeouts    map[string]time.Duration
	sem           chan struct{} // nil: no concurrency limit
	injectHeaders func(context.Context, http.Header)
}

// operation is a compiled consumed operation.
type operation struct {
	name       string
	method     string
	path       pathTemplate
	params     []param // resource-level then operation-level
	bodyParams int     // number of `in: body` parameters
	body       bodyBuilder
	acceptJSON bool
}

// Response is an upstream answer, whatever its status.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// StatusError returns a *StatusError when the status is 400 or more, else nil.
func (r *Response) StatusError() error {
	if r.Status >= 400 {
		return &StatusError{Status: r.Status, Body: r.Body}
	}
	return nil
}

var sharedHTTPClient = sync.OnceValue(func() *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	// One capability may fan out many concurrent calls to one upstream:
	// keep enough idle connections to avoid a TLS handshake per call.
	t.MaxIdleConns = 512
	t.MaxIdleConnsPerHost = 64
	t.IdleConnTimeout = 90 * time.Second
	return &http.Client{Transport: t}
})

// New compiles every template, path and body of every operation of c once,
// and resolves its base URI. It fails on an unresolved base-URI placeholder
// (*BaseURIError, unless opts.AllowUnresolved), an unsupported construct or a
// template that does not parse (*ConfigError).
func New(c *spec.Consumer, opts Options) (*Client, error) {
	if c == nil {
		return nil, errors.New("consume: nil consumer")
	}
	ns := c.Namespace
	if c.IsImport() && c.As != "" {
		ns = c.As
	}
	cfgErr := func(op string, err error) error { return &ConfigError{Namespace: ns, Operation: op, Err: err} }
	if t := strings.ToLower(c.Type); t != "" && t != "http" {
		return nil, cfgErr("", fmt.Errorf("%w: consumer type %q", ErrNotSupported, c.Type))
	}

	cl := &Client{
		ns:        ns,
		vars:      opts.Vars,
		lookupEnv: opts.LookupEnv,
		timeout:   opts.Timeout,
		maxBytes:  opts.MaxResponseBytes,
		http:      opts.HTTPClient,
		userAgent: opts.UserAgent,
		ops:       map[*spec.ConsumedOperation]*operation{},
		byName:    map[string]*operation{},
		specOps:   map[string]*spec.ConsumedOperation{},

		opTimeouts:    opts.OperationTimeouts,
		injectHeaders: opts.InjectHeaders,
	}
	if opts.MaxConcurrency > 0 {
		cl.sem = make(chan struct{}, opts.MaxConcurrency)
	}
	if cl.vars == nil {
		cl.vars = map[string]any{}
	}
	if cl.lookupEnv == nil {
		cl.lookupEnv = os.LookupEnv
	}
	if cl.timeout <= 0 {
		cl.timeout = DefaultTimeout
	}
	if cl.maxBytes <= 0 {
		cl.maxBytes = DefaultMaxResponseBytes
	}
	if cl.http == nil {
		cl.http = sharedHTTPClient()
	}
	if cl.userAgent == "" {
		cl.userAgent = DefaultUserAgent
	}
	cl.secrets = collectSecrets(cl.vars)
	cl.retry = opts.Retry.normalize()

	rawBase := c.BaseURI
	if opts.BaseURI != "" {
		rawBase = opts.BaseURI
	}
	base, err := resolveBaseURI(ns, rawBase, cl.vars, cl.lookupEnv)
	var bue *BaseURIError
	switch {
	case err == nil:
		cl.base = base
	case opts.AllowUnresolved && errors.As(err, &bue):
		cl.baseErr = err
	default:
		return nil, err
	}

	if cl.params, err = compileParams(c.InputParameters); err != nil {
		return nil, cfgErr("", err)
	}
	if cl.auth, err = compileAuth(c.Authentication, cl.vars); err != nil {
		return nil, cfgErr("", err)
	}
	consumerBodyParams := countIn(cl.params, inBody)

	for _, r := range c.Resources {
		if r == nil {
			continue
		}
		rparams, err := compileParams(r.InputParameters)
		if err != nil {
			return nil, cfgErr("", fmt.Errorf("resource %q: %w", r.Name, err))
		}
		path := compilePath(r.Path)
		for _, o := range r.Operations {
			if o == nil {
				continue
			}
			op, err := compileOperation(o, path, rparams, consumerBodyParams)
			if err != nil {
				return nil, cfgErr(o.Name, err)
			}
			cl.ops[o] = op
			if _, dup := cl.byName[o.Name]; !dup {
				cl.byName[o.Name] = op
				cl.specOps[o.Name] = o
			}
		}
	}
	return cl, nil
}

func compileOperation(o *spec.ConsumedOperation, path pathTemplate, rparams []param, consumerBodyParams int) (*operation, error) {
	oparams, err := compileParams(o.InputParameters)
	if err != nil {
		return nil, err
	}
	op := &operation{
		name:   o.Name,
		method: strings.ToUpper(strings.TrimSpace(o.Method)),
		path:   path,
		params: append(append([]param(nil), rparams...), oparams...),
	}
	if op.method == "" {
		op.method = http.MethodGet // the schema's default
	}
	if !validHeaderName(op.method) {
		return nil, fmt.Errorf("method %q is not a valid HTTP method", o.Method)
	}
	f := strings.ToLower(o.OutputRawFormat)
	op.acceptJSON = f == "" || f == "json"
	op.bodyParams = consumerBodyParams + countIn(op.params, inBody)
	if o.Body != nil {
		if op.bodyParams > 0 {
			return nil, errors.New("both a body block and `in: body` parameters are declared; keep one")
		}
		if op.body, err = compileBody(o.Body); err != nil {
			return nil, err
		}
	}
	return op, nil
}

func countIn(ps []param, in string) int {
	n := 0
	for _, p := range ps {
		if p.in == in {
			n++
		}
	}
	return n
}

// Namespace returns the consumer's namespace.
func (c *Client) Namespace() string { return c.ns }

// Operation returns the operation named name, or nil.
func (c *Client) Operation(name string) *spec.ConsumedOperation { return c.specOps[name] }

// Call sends one request for op, built from params (the caller's inputs and
// `with` results) and the binds, and returns the upstream's answer for every
// HTTP status. Bind values win over same-named params, so a caller cannot
// replace a credential. Errors: *InputError (a required value is missing),
// *TransportError (unreachable, timeout, response too large), *ConfigError
// (unknown operation, a credential that renders empty).
func (c *Client) Call(ctx context.Context, op *spec.ConsumedOperation, params map[string]any) (*Response, error) {
	if op == nil {
		return nil, &ConfigError{Namespace: c.ns, Err: errors.New("nil operation")}
	}
	o := c.ops[op]
	if o == nil {
		// An operation struct copied or rebuilt by a caller: match by name.
		if o = c.byName[op.Name]; o == nil {
			return nil, &ConfigError{Namespace: c.ns, Operation: op.Name, Err: errors.New("no such operation in this consumer")}
		}
	}
	if c.baseErr != nil {
		return nil, &TransportError{Namespace: c.ns, Operation: o.name, Err: c.baseErr}
	}

	scope := make(map[string]any, len(params)+len(c.vars)+len(o.params))
	for k, v := range params {
		scope[k] = v
	}
	for k, v := range c.vars {
		scope[k] = v
	}

	r := &request{header: make(http.Header, 4)}
	if o.acceptJSON {
		r.header.Set("Accept", "application/json")
	}
	r.header.Set("User-Agent", c.userAgent)

	if err := r.apply(c.params, scope, c.lookupEnv); err != nil {
		return nil, err
	}
	if err := r.apply(o.params, scope, c.lookupEnv); err != nil {
		return nil, err
	}
	escPath, pathQuery, err := o.path.render(scope)
	if err != nil {
		return nil, err
	}

	var body []byte
	var contentType string
	switch {
	case o.body != nil:
		if body, contentType, err = o.body.build(scope); err != nil {
			return nil, err
		}
	case len(r.body) > 0:
		if body, err = paramsBody(r.body, o.bodyParams); err != nil {
			return nil, err
		}
		contentType = contentJSON
	}
	if contentType != "" && r.header.Get("Content-Type") == "" {
		r.header.Set("Content-Type", contentType)
	}

	ca, err := c.authorize(o, r, scope)
	if err != nil {
		return nil, err
	}

	u := *c.base
	full := joinPath(c.base.EscapedPath(), escPath)
	u.Path, err = url.PathUnescape(full)
	if err != nil {
		// escapeLiteral and escapeSegment only produce valid escapes.
		return nil, &ConfigError{Namespace: c.ns, Operation: o.name, Err: fmt.Errorf("invalid path escape: %w", err)}
	}
	u.RawPath = full
	u.RawQuery = joinQuery(c.base.RawQuery, pathQuery, strings.Join(r.query, "&"))

	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	return c.exchange(ctx, o, &u, c.timeoutOf(o.name), rd, r, ca)
}

// authorize applies the consumer's authentication, if any, to r. A credential
// that cannot be rendered is a *ConfigError.
func (c *Client) authorize(o *operation, r *request, scope map[string]any) (callAuth, error) {
	if c.auth == nil {
		return callAuth{}, nil
	}
	ca, err := c.auth.apply(r, scope)
	if err != nil {
		return callAuth{}, &ConfigError{Namespace: c.ns, Operation: o.name, Err: err}
	}
	return ca, nil
}

// exchange is the part of Call and Forward after the request is built: it
// takes a concurrency slot within timeout, sends body to u with r's headers,
// cookies and basic credentials plus ca's authentication (and retries), and
// reads the answer, refusing one larger than the consumer's limit.
func (c *Client) exchange(ctx context.Context, o *operation, u *url.URL, timeout time.Duration, body io.Reader, r *request, ca callAuth) (*Response, error) {
	callSecrets := ca.secrets
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	if err := c.acquire(ctx, o, timeout); err != nil {
		return nil, err
	}
	defer c.release()
	req, err := http.NewRequestWithContext(ctx, o.method, u.String(), body)
	if err != nil {
		return nil, c.transportErr(o, u, err, false, callSecrets)
	}
	req.Header = r.header
	c.inject(ctx, req.Header)
	for _, ck := range r.cookies {
		req.AddCookie(ck)
	}
	if r.hasBasic {
		req.SetBasicAuth(r.basicUser, r.basicPass)
	}

	// send adds digest and OAuth 2 credentials and retries (retry.go).
	resp, err := c.send(ctx, o, req, ca)
	if err != nil {
		return nil, c.sendErr(ctx, o, u, err, callSecrets)
	}
	defer resp.Body.Close()
	if resp.ContentLength > c.maxBytes {
		return nil, c.tooLarge(o, u)
	}
	// One allocation when the length is known (io.ReadAll grows and copies).
	var data []byte
	if n := resp.ContentLength; n > 0 && n <= c.maxBytes {
		data = make([]byte, n)
		_, err = io.ReadFull(resp.Body, data)
	} else {
		data, err = io.ReadAll(io.LimitReader(resp.Body, c.maxBytes+1))
	}
	if err != nil {
		return nil, c.transportErr(o, u, err, isTimeout(ctx, err), callSecrets)
	}
	if int64(len(data)) > c.maxBytes {
		return nil, c.tooLarge(o, u)
	}
	return &Response{Status: resp.StatusCode, Header: resp.Header, Body: data}, nil
}

func joinQuery(parts ...string) string {
	var b strings.Builder
	for _, p := range parts {
		if p == "" {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('&')
		}
		b.WriteString(p)
	}
	return b.String()
}

func isTimeout(ctx context.Context, err error) bool {
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return true
	}
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

func (c *Client) tooLarge(o *operation, u *url.URL) error {
	return &TransportError{
		Namespace: c.ns, Operation: o.name, Method: o.method, URL: scrub(redactURL(u), c.secrets), TooLarge: true,
		Err: fmt.Errorf("%w: more than the limit of %d bytes", ErrResponseTooLarge, c.maxBytes),
	}
}

// transportErr builds a *TransportError whose text has no secret: the URL is
// redacted and the cause is taken without its URL (url.Error quotes the full
// URL, query and all) and scrubbed of every known secret value.
func (c *Client) transportErr(o *operation, u *url.URL, err error, timeout bool, callSecrets []string) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	if timeout {
		err = fmt.Errorf("no complete answer within %s: %w", c.timeoutOf(o.name), context.DeadlineExceeded)
	} else if msg := scrub(err.Error(), c.secrets, callSecrets); msg != err.Error() {
		err = &redactedError{msg: msg, cause: err}
	}
	return &TransportError{
		Namespace: c.ns, Operation: o.name, Method: o.method, URL: scrub(redactURL(u), c.secrets, callSecrets),
		Timeout: timeout, Err: err,
	}
}

// redactURL formats u for messages: query values and the user-info password
// are replaced, since API keys travel there.
func redactURL(u *url.URL) string {
	c := *u
	if c.RawQuery != "" {
		pairs := strings.Split(c.RawQuery, "&")
		for i, p := range pairs {
			if k, _, ok := strings.Cut(p, "="); ok {
				pairs[i] = k + "=REDACTED"
			}
		}
		c.RawQuery = strings.Join(pairs, "&")
	}
	return c.Redacted()
}
