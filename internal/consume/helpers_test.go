package consume

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/naftiko-go/naftiko/internal/secrettest"
	"github.com/naftiko-go/naftiko/internal/spec"
)

// secretToken is the bind value of LOGTO_API_KEY in tests; no error text may
// contain it.
const secretToken = secrettest.ConsumeToken

// received is one request as the fake upstream saw it on the wire.
type received struct {
	Method   string
	RawPath  string // the path bytes as sent (RequestURI before '?')
	RawQuery string
	Header   http.Header
	Body     []byte
}

// upstream is a loopback fake upstream that records every request.
type upstream struct {
	URL string
	got chan received
}

// newUpstream answers every request with status, headers and body.
func newUpstream(t *testing.T, status int, header map[string]string, body string) *upstream {
	t.Helper()
	u := &upstream{got: make(chan received, 16)}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		p, q, _ := strings.Cut(r.RequestURI, "?")
		// Recorded before the answer is written, so it is in the channel by
		// the time Call returns.
		u.got <- received{Method: r.Method, RawPath: p, RawQuery: q, Header: r.Header.Clone(), Body: b}
		for k, v := range header {
			w.Header().Set(k, v)
		}
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
	}))
	t.Cleanup(srv.Close)
	u.URL = srv.URL
	return u
}

// next returns the request the upstream received; it fails when none came.
func (u *upstream) next(t *testing.T) received {
	t.Helper()
	select {
	case r := <-u.got:
		return r
	default:
		require.FailNow(t, "the upstream received no request")
		return received{}
	}
}

// none asserts that the upstream received no request.
func (u *upstream) none(t *testing.T) {
	t.Helper()
	select {
	case r := <-u.got:
		require.FailNow(t, "the upstream received an unexpected request", "%s %s", r.Method, r.RawPath)
	default:
	}
}

// env returns a LookupEnv over a fixed map.
func env(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) {
		v, ok := m[k]
		return v, ok
	}
}

// logtoVars is the bind scope of the seed: flat and namespace-qualified.
func logtoVars() map[string]any {
	return map[string]any{
		"LOGTO_API_KEY": secretToken,
		"env":           map[string]any{"LOGTO_API_KEY": secretToken},
	}
}

// logtoConsumer is the seed's consumes block as a model literal.
func logtoConsumer() *spec.Consumer {
	result := func() []*spec.ConsumedOutput {
		return []*spec.ConsumedOutput{{Name: "result", Type: "object", Value: "$."}}
	}
	op := func(name, method string, ps ...*spec.ConsumedParam) *spec.ConsumedOperation {
		return &spec.ConsumedOperation{Name: name, Method: method, OutputRawFormat: "json", OutputParameters: result(), InputParameters: ps}
	}
	query := func(name string) *spec.ConsumedParam {
		return &spec.ConsumedParam{Name: name, In: "query", Type: "string"}
	}
	body := func() *spec.ConsumedParam {
		return &spec.ConsumedParam{Name: "body", In: "body", Type: "object", Description: "Request body (JSON).", Required: true}
	}
	return &spec.Consumer{
		Type:        "http",
		Namespace:   "logto-organization-invitations",
		BaseURI:     "https://[tenant_id].logto.app",
		Description: "Logto API references — Organization invitations business capability.",
		Resources: []*spec.ConsumedResource{
			{Name: "api-organization-invitations", Path: "/api/organization-invitations", Operations: []*spec.ConsumedOperation{
				op("listorganizationinvitations", "GET", query("organizationId"), query("inviterId"), query("invitee")),
				op("createorganizationinvitation", "POST", body()),
			}},
			{Name: "api-organization-invitations-id", Path: "/api/organization-invitations/{id}", Operations: []*spec.ConsumedOperation{
				op("getorganizationinvitation", "GET"),
				op("deleteorganizationinvitation", "DELETE"),
			}},
			{Name: "api-organization-invitations-id-message", Path: "/api/organization-invitations/{id}/message", Operations: []*spec.ConsumedOperation{
				op("createorganizationinvitationmessage", "POST", body()),
			}},
			{Name: "api-organization-invitations-id-status", Path: "/api/organization-invitations/{id}/status", Operations: []*spec.ConsumedOperation{
				op("replaceorganizationinvitationstatus", "PUT", body()),
			}},
		},
		Authentication: &spec.Auth{Type: "bearer", Token: "{{env.LOGTO_API_KEY}}"},
	}
}

// simpleConsumer is a consumer with one resource and one operation.
func simpleConsumer(base, path string, o *spec.ConsumedOperation) *spec.Consumer {
	if o.Name == "" {
		o.Name = "op"
	}
	if o.Method == "" {
		o.Method = "GET"
	}
	return &spec.Consumer{
		Type: "http", Namespace: "test-api", BaseURI: base,
		Resources: []*spec.ConsumedResource{{Name: "r", Path: path, Operations: []*spec.ConsumedOperation{o}}},
	}
}

// newClient builds a client or fails the test.
func newClient(t *testing.T, c *spec.Consumer, opts Options) *Client {
	t.Helper()
	if opts.LookupEnv == nil {
		opts.LookupEnv = env(nil) // never the real environment in tests
	}
	cl, err := New(c, opts)
	require.NoError(t, err)
	return cl
}

// call calls the consumer's only (or first) operation.
func call(t *testing.T, cl *Client, c *spec.Consumer, params map[string]any) (*Response, error) {
	t.Helper()
	return cl.Call(t.Context(), c.Resources[0].Operations[0], params)
}
