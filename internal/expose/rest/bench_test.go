package rest

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/naftiko-go/naftiko/internal/expose/exposetest"
)

// BenchmarkDeclaredInputs measures the REST adapter's input handling for an
// operation declaring inputs in every location (path pattern, typed query
// values, a required header, a cookie, body fields by name and JSONPath):
// routing, extraction, conversion and validation, with an invoker that
// answers at once, so that the upstream is not in the number.
func BenchmarkDeclaredInputs(b *testing.B) {
	h, err := New(declaredAdapter(), &exposetest.FakeInvoker{}, Options{})
	if err != nil {
		b.Fatal(err)
	}
	const body = `{"status":"Accepted","user":{"id":"u_1"},"meta":{"k":[1,2]}}`
	req := func() *http.Request {
		r := httptest.NewRequest(http.MethodPut, "/v1/invitations/inv_1/k?limit=10&ratio=0.5&dry=true&tags=%5B%22a%22%2C%22b%22%5D&region=eu",
			strings.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		r.Header.Set("X-Tenant", "t1")
		r.AddCookie(&http.Cookie{Name: "session", Value: "s1"})
		return r
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req())
	if w.Code != http.StatusOK {
		b.Fatalf("status %d: %s", w.Code, w.Body.String())
	}
	b.ReportAllocs()
	for b.Loop() {
		h.ServeHTTP(httptest.NewRecorder(), req())
	}
}
