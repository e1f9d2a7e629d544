package consume

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/naftiko-go/naftiko/internal/spec"
)

// roundTripFunc is an http.RoundTripper made of a function.
type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// FuzzPathValues sends the values of two path placeholders through Call
// (SPEC §5) and checks the path on the wire: each value is exactly one
// segment, never adds a `/`, never makes a `.` or `..` segment, and decodes
// back to itself; a missing or empty value is an *InputError and sends
// nothing. Seeds live in testdata/fuzz/FuzzPathValues/.
func FuzzPathValues(f *testing.F) {
	const (
		base = "http://upstream.test/v1/"
		tmpl = "/items/{id}/sub/{{name}}/x"
	)
	var sent string // the escaped path of the last request
	hc := &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		sent = r.URL.EscapedPath()
		return &http.Response{StatusCode: 200, Header: http.Header{}, Body: io.NopCloser(strings.NewReader("")), Request: r}, nil
	})}
	c := simpleConsumer(base, tmpl, &spec.ConsumedOperation{})
	cl, err := New(c, Options{HTTPClient: hc, LookupEnv: env(nil), Retry: &RetryPolicy{}})
	require.NoError(f, err)
	op := c.Resources[0].Operations[0]

	f.Fuzz(func(t *testing.T, id, name string) {
		sent = ""
		_, err := cl.Call(t.Context(), op, map[string]any{"id": id, "name": name})
		if id == "" || name == "" {
			var ie *InputError
			require.ErrorAs(t, err, &ie)
			assert.Empty(t, sent, "nothing is sent without every path value")
			return
		}
		require.NoError(t, err)

		segs := strings.Split(sent, "/")
		// "", v1, items, <id>, sub, <name>, x
		require.Len(t, segs, 7, "a value added or removed a segment: %q", sent)
		assert.Equal(t, []string{"", "v1", "items", "sub", "x"}, []string{segs[0], segs[1], segs[2], segs[4], segs[6]}, sent)
		for i, want := range map[int]string{3: id, 5: name} {
			seg := segs[i]
			assert.NotContains(t, []string{"", ".", ".."}, seg, "a value made a dot segment: %q", sent)
			got, err := url.PathUnescape(seg)
			require.NoError(t, err, "segment %q", seg)
			assert.Equal(t, want, got, "the segment decodes back to the value")
		}
		assert.NotContains(t, sent, "/../")
		assert.NotContains(t, sent, "/./")
	})
}
