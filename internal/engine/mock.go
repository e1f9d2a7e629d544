package engine

import (
	"fmt"
	"net/http"

	"github.com/naftiko-go/naftiko/internal/expose"
	"github.com/naftiko-go/naftiko/internal/expr"
	"github.com/naftiko-go/naftiko/internal/spec"
)

// mockPlan is the compiled output of an endpoint or function in mock mode
// (no call, no steps: reference §1.7.7): one member per output parameter.
type mockPlan struct {
	outputs []*mockNode
}

// mockNode is one mock output: a scalar (value template or const), an
// object of nodes, or an array of one node.
type mockNode struct {
	key    string
	scalar *expr.Shaper
	props  []*mockNode
	items  *mockNode
}

// compileMock compiles mock outputs. Values are templates rendered against
// the caller's inputs, then coerced to the declared type when nothing is
// lost (SPEC §8: `type: number` with "42" gives 42; the reference engine
// always answers strings).
func compileMock(outs []*spec.OutputParam) (*mockPlan, error) {
	m := &mockPlan{}
	for _, o := range outs {
		n, err := compileMockNode(o)
		if err != nil {
			return nil, fmt.Errorf("outputParameters: %w", err)
		}
		if n.key == "" {
			n.key = "value" // reference: an unnamed mock output is "value"
		}
		m.outputs = append(m.outputs, n)
	}
	return m, nil
}

func compileMockNode(o *spec.OutputParam) (*mockNode, error) {
	n := &mockNode{key: o.Name}
	switch {
	case o.HasValue || o.HasConst:
		s, err := expr.CompileShaper([]*expr.Shape{{
			Type: o.Type, Value: o.Value, HasValue: o.HasValue,
			Const: o.Const, HasConst: o.HasConst, MaxLength: o.MaxLength,
		}})
		if err != nil {
			return nil, fmt.Errorf("%s: %w", o.Name, err)
		}
		n.scalar = s
	case len(o.Properties) > 0:
		for _, p := range o.Properties {
			c, err := compileMockNode(p)
			if err != nil {
				return nil, err
			}
			n.props = append(n.props, c)
		}
	case o.Items != nil:
		c, err := compileMockNode(o.Items)
		if err != nil {
			return nil, err
		}
		n.items = c
	}
	return n, nil
}

// eval returns the node's value, nil when it yields nothing: objects drop
// members without a value (and are dropped when empty), arrays hold their
// one item.
func (n *mockNode) eval(scope map[string]any) any {
	switch {
	case n.scalar != nil:
		return n.scalar.Apply(nil, scope)
	case len(n.props) > 0:
		return evalMembers(n.props, scope)
	case n.items != nil:
		if v := n.items.eval(scope); v != nil {
			return []any{v}
		}
	}
	return nil
}

func evalMembers(nodes []*mockNode, scope map[string]any) any {
	var obj expr.OrderedObject
	for _, c := range nodes {
		if v := c.eval(scope); v != nil {
			obj = append(obj, expr.Member{Key: c.key, Value: v})
		}
	}
	if len(obj) == 0 {
		return nil
	}
	return obj
}

// mockResult answers a mock: 200 with the JSON object of every output that
// yields a value; when none does, REST answers 204 and MCP an empty object
// (reference §2.2, §2.3).
func (c *call) mockResult(m *mockPlan, pool map[string]any) (*expose.Result, error) {
	v := evalMembers(m.outputs, pool)
	if v == nil {
		if c.rest {
			return &expose.Result{Status: http.StatusNoContent}, nil
		}
		v = expr.OrderedObject{}
	}
	return jsonResult(http.StatusOK, v)
}
