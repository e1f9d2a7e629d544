// Package exposetest is test support shared by the adapter packages below
// internal/expose (mcp, rest): a recording fake Invoker and the seed
// capability. It is imported only by tests.
package exposetest

import (
	"context"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/naftiko-go/naftiko/internal/expose"
	"github.com/naftiko-go/naftiko/internal/spec"
)

// SeedFile is the first capability we serve, relative to an adapter
// package's directory (internal/expose/<adapter>), where its tests run.
const SeedFile = "../../../capabilities/logto-organization-invitations.yaml"

// SeedAdapter loads SeedFile and returns its first adapter for which is
// returns true. The test fails when the seed has diagnostics or no such
// adapter; kind names the adapter in that message ("mcp", "rest").
func SeedAdapter(t testing.TB, kind string, is func(*spec.Expose) bool) *spec.Expose {
	t.Helper()
	doc, ds := spec.Load(SeedFile)
	require.False(t, ds.HasErrors(), "seed diagnostics: %v", ds)
	for _, e := range doc.Capability.Exposes {
		if is(e) {
			return e
		}
	}
	require.FailNow(t, "seed has no "+kind+" adapter")
	return nil
}

// Invocation is one call a FakeInvoker received.
type Invocation struct {
	Adapter  *spec.Expose
	Endpoint *spec.Endpoint
	Inputs   expose.Inputs
}

// FakeInvoker is an expose.Invoker that records its invocations and answers
// with Fn, or with 200 and the JSON body {} when Fn is nil. It is safe for
// concurrent use.
type FakeInvoker struct {
	// Fn answers an invocation; nil answers 200 {}.
	Fn func(ep *spec.Endpoint, in expose.Inputs) (*expose.Result, error)

	mu    sync.Mutex
	calls []Invocation
}

// Invoke records the call and answers.
func (f *FakeInvoker) Invoke(_ context.Context, adapter *spec.Expose, ep *spec.Endpoint, in expose.Inputs) (*expose.Result, error) {
	f.mu.Lock()
	f.calls = append(f.calls, Invocation{Adapter: adapter, Endpoint: ep, Inputs: in})
	f.mu.Unlock()
	if f.Fn != nil {
		return f.Fn(ep, in)
	}
	return emptyObject(), nil
}

// Recorded returns a copy of the invocations so far.
func (f *FakeInvoker) Recorded() []Invocation {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]Invocation(nil), f.calls...)
}

// emptyObject is the default upstream answer: 200 with the JSON body {}.
func emptyObject() *expose.Result {
	body := []byte(`{}`)
	r := &expose.Result{Status: 200, Body: body}
	if v, err := expose.DecodeJSON(body); err == nil {
		r.Value, r.IsJSON, r.ContentType = v, true, "application/json"
	}
	return r
}
