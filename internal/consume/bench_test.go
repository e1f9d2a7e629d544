package consume

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
)

// BenchmarkCall measures one create call of the seed (path, JSON body,
// bearer from a qualified bind) against a loopback upstream.
func BenchmarkCall(b *testing.B) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		_, _ = io.WriteString(w, `{"id":"k3v9x0q2m8c1d7f4h6j5n","status":"Pending"}`)
	}))
	defer srv.Close()
	cl, err := New(logtoConsumer(), Options{BaseURI: srv.URL, Vars: logtoVars(), LookupEnv: env(nil)})
	if err != nil {
		b.Fatal(err)
	}
	op := cl.Operation("createorganizationinvitationmessage")
	params := map[string]any{"id": "k3v9x0q2m8c1d7f4h6j5n", "body": map[string]any{"link": "https://app/x", "locale": "en"}}
	b.ReportAllocs()
	for b.Loop() {
		resp, err := cl.Call(b.Context(), op, params)
		if err != nil || resp.Status != http.StatusCreated {
			b.Fatal(resp, err)
		}
	}
}
