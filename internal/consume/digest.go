package consume

import (
	"crypto/md5"
	"crypto/rand"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"fmt"
	"hash"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
)

// digestState is the HTTP Digest authentication (RFC 7616) of one client:
// the last challenge, answered pre-emptively with an increasing nonce count
// until the upstream sends a new one.
type digestState struct {
	mu sync.Mutex
	ch *digestChallenge
	nc uint32
}

// digestChallenge is one parsed `WWW-Authenticate: Digest …` challenge.
type digestChallenge struct {
	realm, nonce, opaque string
	algorithm            string // as the upstream wrote it: MD5, SHA-256-sess, …
	newHash              func() hash.Hash
	sess                 bool
	qop                  string // auth, auth-int or "" (RFC 2069)
	userhash             bool
}

// do sends the request, answering a Digest challenge once: a 401 with a
// Digest challenge is answered with a new request carrying the
// Authorization header; any other answer is returned as it is.
func (d *digestState) do(hc *http.Client, newReq func() (*http.Request, error), user, pass string) (*http.Response, error) {
	r, err := newReq()
	if err != nil {
		return nil, err
	}
	if ch, nc := d.next(nil); ch != nil {
		if err := ch.authorize(r, user, pass, nc); err != nil {
			return nil, err
		}
	}
	resp, err := hc.Do(r)
	if err != nil || resp.StatusCode != http.StatusUnauthorized {
		return resp, err
	}
	ch := parseDigestChallenge(resp.Header.Values("WWW-Authenticate"))
	if ch == nil {
		return resp, nil // not a challenge this client can answer: pass the 401 on
	}
	discard(resp)
	r, err = newReq()
	if err != nil {
		return nil, err
	}
	_, nc := d.next(ch)
	if err := ch.authorize(r, user, pass, nc); err != nil {
		return nil, err
	}
	return hc.Do(r)
}

// next returns the current challenge and its next nonce count; a non-nil
// fresh challenge replaces the current one first.
func (d *digestState) next(fresh *digestChallenge) (*digestChallenge, uint32) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if fresh != nil {
		d.ch, d.nc = fresh, 0
	}
	if d.ch == nil {
		return nil, 0
	}
	d.nc++
	return d.ch, d.nc
}

// authorize sets the Authorization header answering ch for r.
func (ch *digestChallenge) authorize(r *http.Request, user, pass string, nc uint32) error {
	var cnonce string
	if ch.qop != "" {
		b := make([]byte, 16)
		_, _ = rand.Read(b)
		cnonce = hex.EncodeToString(b)
	}
	var bodyHash string
	if ch.qop == "auth-int" {
		var body []byte
		if r.GetBody != nil {
			rc, err := r.GetBody()
			if err != nil {
				return err
			}
			body, err = io.ReadAll(rc)
			_ = rc.Close()
			if err != nil {
				return err
			}
		}
		bodyHash = ch.h(string(body))
	}
	r.Header.Set("Authorization", ch.header(r.Method, r.URL.RequestURI(), user, pass, nc, cnonce, bodyHash))
	return nil
}

// header computes the Authorization header value (RFC 7616 §3.4).
func (ch *digestChallenge) header(method, uri, user, pass string, nc uint32, cnonce, bodyHash string) string {
	ha1 := ch.h(user + ":" + ch.realm + ":" + pass)
	if ch.sess {
		ha1 = ch.h(ha1 + ":" + ch.nonce + ":" + cnonce)
	}
	a2 := method + ":" + uri
	if ch.qop == "auth-int" {
		a2 += ":" + bodyHash
	}
	ha2 := ch.h(a2)
	ncs := fmt.Sprintf("%08x", nc)
	var response string
	if ch.qop == "" {
		response = ch.h(ha1 + ":" + ch.nonce + ":" + ha2)
	} else {
		response = ch.h(ha1 + ":" + ch.nonce + ":" + ncs + ":" + cnonce + ":" + ch.qop + ":" + ha2)
	}

	var b strings.Builder
	b.WriteString("Digest ")
	switch {
	case ch.userhash:
		fmt.Fprintf(&b, "username=%s, ", quote(ch.h(user+":"+ch.realm)))
	case isPlainASCII(user):
		fmt.Fprintf(&b, "username=%s, ", quote(user))
	default:
		// RFC 7616 §3.4.4: non-ASCII names travel in the extended notation.
		fmt.Fprintf(&b, "username*=UTF-8''%s, ", strings.ReplaceAll(url.QueryEscape(user), "+", "%20"))
	}
	fmt.Fprintf(&b, "realm=%s, uri=%s, algorithm=%s, nonce=%s, response=%s",
		quote(ch.realm), quote(uri), ch.algorithm, quote(ch.nonce), quote(response))
	if ch.qop != "" {
		fmt.Fprintf(&b, ", qop=%s, nc=%s, cnonce=%s", ch.qop, ncs, quote(cnonce))
	}
	if ch.opaque != "" {
		fmt.Fprintf(&b, ", opaque=%s", quote(ch.opaque))
	}
	if ch.userhash {
		b.WriteString(", userhash=true")
	}
	return b.String()
}

func (ch *digestChallenge) h(s string) string {
	h := ch.newHash()
	_, _ = io.WriteString(h, s)
	return hex.EncodeToString(h.Sum(nil))
}

// digestAlgorithms are the supported algorithms, strongest first.
var digestAlgorithms = []struct {
	name    string
	newHash func() hash.Hash
}{
	{"SHA-512-256", sha512.New512_256},
	{"SHA-256", sha256.New},
	{"MD5", md5.New},
}

// parseDigestChallenge returns the strongest Digest challenge of the
// WWW-Authenticate values that this client can answer, or nil.
func parseDigestChallenge(values []string) *digestChallenge {
	var best *digestChallenge
	bestRank := len(digestAlgorithms)
	for _, c := range parseChallenges(values) {
		if !strings.EqualFold(c.scheme, "Digest") || c.params["nonce"] == "" {
			continue
		}
		alg := c.params["algorithm"]
		if alg == "" {
			alg = "MD5"
		}
		base, sess := strings.CutSuffix(strings.ToUpper(alg), "-SESS")
		rank := -1
		for i, a := range digestAlgorithms {
			if a.name == base {
				rank = i
			}
		}
		if rank < 0 || rank >= bestRank {
			continue
		}
		ch := &digestChallenge{
			realm: c.params["realm"], nonce: c.params["nonce"], opaque: c.params["opaque"],
			algorithm: alg, newHash: digestAlgorithms[rank].newHash, sess: sess,
			userhash: strings.EqualFold(c.params["userhash"], "true"),
		}
		if q, ok := c.params["qop"]; ok {
			offered := strings.Split(q, ",")
			for i := range offered {
				offered[i] = strings.ToLower(strings.TrimSpace(offered[i]))
			}
			switch {
			case slices.Contains(offered, "auth"):
				ch.qop = "auth"
			case slices.Contains(offered, "auth-int"):
				ch.qop = "auth-int"
			default:
				continue
			}
		}
		best, bestRank = ch, rank
	}
	return best
}

// challenge is one auth-scheme with its auth-params (RFC 9110 §11.2).
type challenge struct {
	scheme string
	params map[string]string // keys lower-case, values unquoted
}

// parseChallenges splits WWW-Authenticate values into challenges. A value
// may hold several challenges separated by commas, so a new challenge starts
// at a token that is not followed by '='.
func parseChallenges(values []string) []challenge {
	var out []challenge
	for _, v := range values {
		s := v
		var cur *challenge
		for {
			s = strings.TrimLeft(s, " \t,")
			if s == "" {
				break
			}
			tok := s[:tokenLen(s)]
			if tok == "" {
				break // malformed: stop reading this value
			}
			rest := strings.TrimLeft(s[len(tok):], " \t")
			if !strings.HasPrefix(rest, "=") || cur == nil {
				if strings.HasPrefix(rest, "=") {
					break // a parameter before any scheme
				}
				out = append(out, challenge{scheme: tok, params: map[string]string{}})
				cur = &out[len(out)-1]
				s = rest
				continue
			}
			rest = strings.TrimLeft(rest[1:], " \t")
			var val string
			if strings.HasPrefix(rest, `"`) {
				val, rest = unquote(rest)
			} else {
				n := strings.IndexAny(rest, ", \t")
				if n < 0 {
					n = len(rest)
				}
				val, rest = rest[:n], rest[n:]
			}
			cur.params[strings.ToLower(tok)] = val
			s = rest
		}
	}
	return out
}

// tokenLen is the length of the RFC 9110 token at the start of s.
func tokenLen(s string) int {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte(`"(),/:;<=>?@[\]{}`, c) >= 0 {
			return i
		}
	}
	return len(s)
}

// unquote reads a quoted-string at the start of s; it returns the value and
// what follows the closing quote.
func unquote(s string) (string, string) {
	var b strings.Builder
	for i := 1; i < len(s); i++ {
		switch c := s[i]; c {
		case '\\':
			if i+1 < len(s) {
				i++
				b.WriteByte(s[i])
			}
		case '"':
			return b.String(), s[i+1:]
		default:
			b.WriteByte(c)
		}
	}
	return b.String(), ""
}

func quote(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}

func isPlainASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < ' ' || s[i] >= 0x7f {
			return false
		}
	}
	return true
}
