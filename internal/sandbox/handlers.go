package sandbox

import "net/http"

// Helpers for the shapes the directory and invitation handlers share.

// checkBody reads the JSON body and runs check over it. On an unreadable body or failed
// checks it answers the error (a guard error on "body") and returns false.
func (s *Server) checkBody(w http.ResponseWriter, r *http.Request, check func(c *checker, body any)) bool {
	body, e := readBody(r)
	if e != nil {
		s.fail(w, e)
		return false
	}
	var c checker
	check(&c, body)
	if !c.ok() {
		s.fail(w, errGuard("body", c.issues))
		return false
	}
	return true
}

// checkObject is checkBody for a body that must be a JSON object: fill runs only when it is.
func (s *Server) checkObject(w http.ResponseWriter, r *http.Request, fill func(c *checker, o object)) bool {
	return s.checkBody(w, r, func(c *checker, body any) {
		if o, ok := c.obj(nil, body, true, false); ok {
			fill(c, o)
		}
	})
}

// saved persists the state (mu held) and answers the error when that fails.
func (s *Server) saved(w http.ResponseWriter) bool {
	if e := s.persist(); e != nil {
		s.fail(w, e)
		return false
	}
	return true
}

// lookup finds id in m, answering 404 when it is not there.
func lookup[V any](s *Server, w http.ResponseWriter, m map[string]V, id string) (V, bool) {
	v, ok := m[id]
	if !ok {
		s.fail(w, errNotFound())
	}
	return v, ok
}

// newestFirst converts the values of m with conv, newest (highest seq) first.
func newestFirst[V, E any](m map[string]V, seq func(V) int64, conv func(V) E) []E {
	items := make([]V, 0, len(m))
	for _, v := range m {
		items = append(items, v)
	}
	bySeq(items, seq)
	out := make([]E, len(items))
	for n, v := range items {
		out[n] = conv(v)
	}
	return out
}
