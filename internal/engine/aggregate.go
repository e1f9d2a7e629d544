package engine

import (
	"context"
	"fmt"

	"github.com/naftiko-go/naftiko/internal/consume"
	"github.com/naftiko-go/naftiko/internal/expose"
	"github.com/naftiko-go/naftiko/internal/expr"
	"github.com/naftiko-go/naftiko/internal/spec"
)

// Aggregates (reference §1.9): a tool or operation with `ref` runs an
// aggregate function. The endpoint's own pool (caller inputs and its own
// `with`) is handed to the function, which applies its own `with` —
// references there, and in its steps' `with`, are written with the
// aggregate's namespace — and then runs its mock, steps or call as an
// endpoint would. The endpoint's outputParameters shape the function's
// answer only when the function has a call and no outputParameters of its
// own. Name, description, inputs and MCP hints are inherited by the linker,
// spec.ToolInputs/RestInputs and expose/mcp. Functions cannot use `ref`
// themselves (a linker error), so refs never chain and cannot form cycles.

// fnPlan is a compiled aggregate function.
type fnPlan struct {
	with *expr.With
	body
}

func (e *Engine) compileFunction(ep *spec.Endpoint, clients map[string]*consume.Client) (*fnPlan, error) {
	f := ep.Function
	if f == nil {
		return nil, fmt.Errorf("ref %q does not resolve to an aggregate function", ep.Ref)
	}
	if f.Ref != "" {
		return nil, fmt.Errorf("ref %q: the function itself uses ref %q, which is not allowed", ep.Ref, f.Ref)
	}
	prefixes := []string{f.Aggregate.Namespace}
	fp := &fnPlan{}
	var err error
	if fp.with, err = compileWith(f.With, prefixes); err != nil {
		return nil, fmt.Errorf("ref %q: %w", ep.Ref, err)
	}
	b, err := e.compileBody(&f.Endpoint, prefixes, clients)
	if err != nil {
		return nil, fmt.Errorf("ref %q: %w", ep.Ref, err)
	}
	fp.body = *b
	return fp, nil
}

// function runs fp with the endpoint's pool; endpointShaper is the
// endpoint's own output shaping (the fallback for a raw call answer).
func (c *call) function(ctx context.Context, fp *fnPlan, pool map[string]any, endpointShaper *expr.Shaper) (*expose.Result, error) {
	fpool := make(map[string]any, len(pool)+4)
	for k, v := range pool {
		fpool[k] = v
	}
	for k, v := range fp.with.Apply(pool, c.in.Body, c.in.HasBody, pool) {
		fpool[k] = v
	}
	return c.run(ctx, &fp.body, fpool, endpointShaper)
}
