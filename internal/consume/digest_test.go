package consume

import (
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"hash"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/naftiko-go/naftiko/internal/spec"
)

// TestDigestRFC7616Example checks the response computation against the
// worked example of RFC 7616 §3.9.1 (both challenges offered: SHA-256 wins).
func TestDigestRFC7616Example(t *testing.T) {
	t.Parallel()
	challenges := []string{
		`Digest realm="http-auth@example.org", qop="auth, auth-int", algorithm=SHA-256, nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"`,
		`Digest realm="http-auth@example.org", qop="auth, auth-int", algorithm=MD5, nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"`,
	}
	const cnonce = "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ"
	tests := []struct {
		name, want string
		values     []string
	}{
		{"SHA-256 preferred", `response="753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1"`, challenges},
		{"MD5", `response="8ca523f5e9506fed4657c9700eebdbec"`, challenges[1:]},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ch := parseDigestChallenge(tt.values)
			require.NotNil(t, ch)
			assert.Equal(t, "auth", ch.qop)
			h := ch.header("GET", "/dir/index.html", "Mufasa", "Circle of Life", 1, cnonce, "")
			assert.Contains(t, h, tt.want)
			assert.Contains(t, h, `username="Mufasa"`)
			assert.Contains(t, h, `nc=00000001`)
			assert.Contains(t, h, `opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"`)
			assert.NotContains(t, h, "Circle of Life")
		})
	}
}

func TestParseChallenges(t *testing.T) {
	t.Parallel()
	got := parseChallenges([]string{`Basic realm="x", Digest realm="a \"b\"", nonce=abc, qop="auth", Bearer`})
	require.Len(t, got, 3)
	assert.Equal(t, "Basic", got[0].scheme)
	assert.Equal(t, map[string]string{"realm": `a "b"`, "nonce": "abc", "qop": "auth"}, got[1].params)
	assert.Equal(t, "Bearer", got[2].scheme)
	assert.Nil(t, parseDigestChallenge([]string{`Digest realm="r", nonce="n", algorithm=SHA-1`}), "unsupported algorithm")
	assert.Nil(t, parseDigestChallenge([]string{`Digest realm="r", nonce="n", qop="token"`}), "unsupported qop")
}

// digestServer is a digest-protected upstream with its own verification of
// the RFC 7616 response (qop=auth).
type digestServer struct {
	alg      string
	newHash  func() hash.Hash
	user     string
	pass     string
	mu       sync.Mutex
	nonce    string
	requests int
	ncs      []string
	bodies   []string
}

func (s *digestServer) h(v string) string {
	h := s.newHash()
	_, _ = io.WriteString(h, v)
	return hex.EncodeToString(h.Sum(nil))
}

func (s *digestServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests++
	body, _ := io.ReadAll(r.Body)
	challenge := func(stale bool) {
		v := `Digest realm="upstream", qop="auth", algorithm=` + s.alg + `, nonce="` + s.nonce + `", opaque="op"`
		if stale {
			v += ", stale=true"
		}
		w.Header().Add("WWW-Authenticate", `Basic realm="upstream"`)
		w.Header().Add("WWW-Authenticate", v)
		w.WriteHeader(http.StatusUnauthorized)
	}
	cs := parseChallenges([]string{r.Header.Get("Authorization")})
	if len(cs) != 1 || cs[0].scheme != "Digest" {
		challenge(false)
		return
	}
	p := cs[0].params
	if p["nonce"] != s.nonce {
		challenge(true)
		return
	}
	ha1 := s.h(s.user + ":upstream:" + s.pass)
	ha2 := s.h(r.Method + ":" + r.URL.RequestURI())
	want := s.h(ha1 + ":" + s.nonce + ":" + p["nc"] + ":" + p["cnonce"] + ":auth:" + ha2)
	if p["username"] != s.user || p["uri"] != r.URL.RequestURI() || p["qop"] != "auth" || p["opaque"] != "op" || p["response"] != want {
		challenge(false)
		return
	}
	s.ncs = append(s.ncs, p["nc"])
	s.bodies = append(s.bodies, string(body))
	_, _ = io.WriteString(w, `{"ok":true}`)
}

func TestDigestAuthentication(t *testing.T) {
	t.Parallel()
	vars := map[string]any{"USER": "ada", "PASS": "digest-pa55word"}
	for _, alg := range []struct {
		name    string
		newHash func() hash.Hash
	}{{"MD5", md5.New}, {"SHA-256", sha256.New}} {
		t.Run(alg.name, func(t *testing.T) {
			t.Parallel()
			srv := &digestServer{alg: alg.name, newHash: alg.newHash, user: "ada", pass: "digest-pa55word", nonce: "n1"}
			ts := httptest.NewServer(srv)
			t.Cleanup(ts.Close)
			op := &spec.ConsumedOperation{Method: "POST", Body: &spec.RequestBody{Type: "json", Data: map[string]any{"a": "b"}}}
			c := simpleConsumer(ts.URL, "/items?x=1", op)
			c.Authentication = &spec.Auth{Type: "digest", Username: "{{USER}}", Password: "{{PASS}}"}
			cl := newClient(t, c, Options{Vars: vars})

			resp, err := call(t, cl, c, nil)
			require.NoError(t, err)
			assert.Equal(t, 200, resp.Status)
			assert.Equal(t, 2, srv.requests, "challenge, then the answer")

			// The next call answers the known challenge at once, counting up.
			resp, err = call(t, cl, c, nil)
			require.NoError(t, err)
			assert.Equal(t, 200, resp.Status)
			assert.Equal(t, 3, srv.requests)

			// A new nonce (stale) is answered once more.
			srv.mu.Lock()
			srv.nonce = "n2"
			srv.mu.Unlock()
			resp, err = call(t, cl, c, nil)
			require.NoError(t, err)
			assert.Equal(t, 200, resp.Status)
			assert.Equal(t, 5, srv.requests)

			assert.Equal(t, []string{"00000001", "00000002", "00000001"}, srv.ncs)
			assert.Equal(t, []string{`{"a":"b"}`, `{"a":"b"}`, `{"a":"b"}`}, srv.bodies, "the body is replayed")
		})
	}
}

func TestDigestWrongPassword(t *testing.T) {
	t.Parallel()
	srv := &digestServer{alg: "SHA-256", newHash: sha256.New, user: "ada", pass: "right-password", nonce: "n1"}
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	c := simpleConsumer(ts.URL, "/p", &spec.ConsumedOperation{})
	c.Authentication = &spec.Auth{Type: "digest", Username: "ada", Password: "{{PASS}}"}
	cl := newClient(t, c, Options{Vars: map[string]any{"PASS": "wrong-password"}})
	resp, err := call(t, cl, c, nil)
	require.NoError(t, err)
	assert.Equal(t, 401, resp.Status, "the upstream's 401 passes through")
	assert.Equal(t, 2, srv.requests, "exactly one answer to the challenge")
	assert.False(t, strings.Contains(string(resp.Body), "wrong-password"))
}

func TestDigestNoChallenge(t *testing.T) {
	t.Parallel()
	up := newUpstream(t, 401, map[string]string{"WWW-Authenticate": `Bearer realm="x"`}, `{"error":"no"}`)
	c := simpleConsumer(up.URL, "/p", &spec.ConsumedOperation{})
	c.Authentication = &spec.Auth{Type: "digest", Username: "ada", Password: "pw"}
	cl := newClient(t, c, Options{})
	resp, err := call(t, cl, c, nil)
	require.NoError(t, err)
	assert.Equal(t, 401, resp.Status)
	got := up.next(t)
	assert.Empty(t, got.Header.Get("Authorization"), "nothing to answer without a challenge")
	up.none(t)
}
