package openapi

import (
	"net/http"
	"strconv"

	"github.com/naftiko-go/naftiko/internal/spec"
)

// LivePath is where the REST adapter serves its own OpenAPI document.
const LivePath = "/openapi.json"

// Declares reports whether the REST adapter x declares a resource at
// LivePath itself; the declared route then wins over the live document.
func Declares(x *spec.Expose) bool {
	if x == nil || x.Rest == nil {
		return false
	}
	for _, r := range x.Rest.Resources {
		if r != nil {
			if p, _ := convertPath(r.Path); p == LivePath {
				return true
			}
		}
	}
	return false
}

// Mount returns next with GET and HEAD on LivePath answering the OpenAPI
// document of x, its server URL being the one the caller reached. Every other
// request goes to next. When x declares LivePath itself, next is returned
// unchanged (the declared route wins; the engine warns).
func Mount(next http.Handler, doc *spec.Document, x *spec.Expose) (http.Handler, error) {
	if Declares(x) {
		return next, nil
	}
	d, err := Generate(doc, x, Options{})
	if err != nil {
		return nil, err
	}
	// Marshal once to fail at build time, not on the first request.
	if _, err := d.JSON(); err != nil {
		return nil, err
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != LivePath || (r.Method != http.MethodGet && r.Method != http.MethodHead) {
			next.ServeHTTP(w, r)
			return
		}
		scheme := "http"
		if r.TLS != nil {
			scheme = "https"
		}
		live := *d
		live.Servers = []Server{{URL: scheme + "://" + r.Host, Description: d.Servers[0].Description}}
		body, err := live.JSON()
		if err != nil {
			http.Error(w, "cannot encode the OpenAPI document", http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		w.WriteHeader(http.StatusOK)
		if r.Method != http.MethodHead {
			_, _ = w.Write(body)
		}
	}), nil
}
