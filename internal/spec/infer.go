package spec

import "strings"

// Input is a documented input of an exposed endpoint: declared, or inferred
// as SPEC §6 says (with references to the caller's inputs, plus the called
// operation's path placeholders).
type Input struct {
	Loc
	Name        string
	In          string // path, query, header, body (REST); "" for MCP arguments
	Type        string // JSON Schema type: string, number, integer, boolean, object, array
	Description string
	Required    bool
	Pattern     string
	// Declared reports whether the input was declared in the file (and so is
	// the only thing the caller may pass), rather than inferred.
	Declared bool
}

// ToolInputs returns the inputs of an MCP tool: its declared inputParameters,
// else those inferred from its `with` references and its target's path
// placeholders.
func ToolInputs(adapter *Expose, t *Tool) []Input {
	if len(t.InputParameters) > 0 {
		return toolParamInputs(t.InputParameters)
	}
	ep, prefixes := &t.Endpoint, []string{"tools", adapter.Namespace}
	if f := t.Function; f != nil {
		// A ref'd tool without inputs of its own takes the function's
		// (reference engine), and the function's `with` speaks in the
		// aggregate's namespace.
		if len(f.InputParameters) > 0 {
			return toolParamInputs(f.InputParameters)
		}
		ep, prefixes = &f.Endpoint, []string{f.Aggregate.Namespace}
	}
	var ins inferred
	for _, c := range calls(ep) {
		for _, w := range c.with {
			name, ok := withRef(w.Value, prefixes)
			if !ok {
				continue
			}
			in := Input{Loc: w.Loc, Name: name, Type: "string"}
			if p := c.param(w.Key); p != nil {
				typeFrom(&in, p)
			}
			ins.add(in)
		}
	}
	ins.placeholders(adapter, ep, "")
	return ins.list
}

// RestInputs returns the inputs of a REST operation: declared parameters of
// the resource and the operation, else those inferred from the route's path
// variables, the `with` references and the target's placeholders.
func RestInputs(adapter *Expose, r *RestResource, op *RestOperation) []Input {
	if len(r.InputParameters)+len(op.InputParameters) > 0 {
		var out []Input
		index := map[string]int{}
		for _, p := range append(append([]*ExposedParam(nil), r.InputParameters...), op.InputParameters...) {
			in := Input{Loc: p.Loc, Name: p.Name, In: p.In, Type: p.Type, Description: p.Description, Pattern: p.Pattern, Required: p.Required, Declared: true}
			if in.Type == "" {
				in.Type = "string"
			}
			if !p.HasRequired {
				// Path variables cannot be absent; other inputs are
				// optional unless the file says otherwise.
				in.Required = p.In == "path"
			}
			if i, dup := index[p.Name]; dup {
				out[i] = in // the operation's declaration wins
				continue
			}
			index[p.Name] = len(out)
			out = append(out, in)
		}
		return out
	}
	var ins inferred
	for _, v := range RouteVariables(r.Path) {
		ins.add(Input{Loc: r.Loc, Name: v, In: "path", Type: "string", Required: true})
	}
	ep, prefixes := &op.Endpoint, []string{"rest", adapter.Namespace}
	if f := op.Function; f != nil {
		for _, p := range f.InputParameters {
			ins.add(Input{Loc: p.Loc, Name: p.Name, In: "query", Type: orString(p.Type), Description: p.Description, Required: p.Required})
		}
		ep, prefixes = &f.Endpoint, []string{f.Aggregate.Namespace}
	}
	for _, c := range calls(ep) {
		for _, w := range c.with {
			name, ok := withRef(w.Value, prefixes)
			if !ok {
				continue
			}
			in := Input{Loc: w.Loc, Name: name, In: "query", Type: "string"}
			p := c.param(w.Key)
			if p != nil {
				typeFrom(&in, p)
			}
			if name == "body" || (p != nil && p.In == "body") {
				in.In = "body"
			}
			ins.add(in)
		}
	}
	ins.placeholders(adapter, ep, "path")
	return ins.list
}

func toolParamInputs(ps []*ToolParam) []Input {
	out := make([]Input, 0, len(ps))
	for _, p := range ps {
		out = append(out, Input{Loc: p.Loc, Name: p.Name, Type: orString(p.Type), Description: p.Description, Required: p.Required, Declared: true})
	}
	return out
}

func orString(t string) string {
	if t == "" {
		return "string"
	}
	return t
}

// typeFrom documents an inferred input from the consumed parameter it feeds.
func typeFrom(in *Input, p *ConsumedParam) {
	in.Type = orString(p.Type)
	in.Description = p.Description
	in.Required = p.Required
}

// call is one upstream call of an endpoint with the `with` entries that feed
// it: the endpoint's own call, or a call step (which also sees the
// endpoint's `with`).
type call struct {
	target *ConsumedOperation
	with   []*WithEntry
}

// param returns the consumed parameter named name that applies to the call.
func (c call) param(name string) *ConsumedParam {
	if c.target == nil {
		return nil
	}
	for _, p := range consumedParams(c.target) {
		if p.Name == name {
			return p
		}
	}
	return nil
}

func calls(ep *Endpoint) []call {
	out := []call{{target: ep.Target, with: ep.With}}
	for _, s := range ep.Steps {
		if s.Type == "call" {
			out = append(out, call{target: s.Target, with: s.With})
		}
	}
	return out
}

// inferred collects inputs by name, in first-seen order.
type inferred struct {
	list  []Input
	index map[string]int
}

func (ins *inferred) add(in Input) {
	if ins.index == nil {
		ins.index = map[string]int{}
	}
	if i, dup := ins.index[in.Name]; dup {
		// One argument may feed several parameters: it is required when
		// any of them requires it.
		ins.list[i].Required = ins.list[i].Required || in.Required
		return
	}
	ins.index[in.Name] = len(ins.list)
	ins.list = append(ins.list, in)
}

// placeholders adds the path placeholders of the endpoint's targets that
// nothing else fills: not an input already, not a `with` key, not a bind
// variable, not a step output, not a consumed parameter with its own value.
func (ins *inferred) placeholders(adapter *Expose, ep *Endpoint, in string) {
	var binds []string
	bindNS := map[string]bool{}
	if adapter != nil && adapter.doc != nil {
		binds = adapter.doc.BindVariables()
		for _, b := range adapter.doc.binds() {
			bindNS[b.Namespace] = true
		}
	}
	steps := map[string]bool{}
	for _, s := range ep.Steps {
		steps[s.Name] = true
	}
	endpointWith := map[string]bool{}
	for _, w := range ep.With {
		endpointWith[w.Key] = true
	}
	for _, c := range calls(ep) {
		if c.target == nil || c.target.Resource == nil {
			continue
		}
		for _, name := range PathPlaceholders(c.target.Resource.Path) {
			if _, have := ins.index[name]; have || endpointWith[name] || oneOf(name, binds) || consumedValue(c.target, name) || withKey(c.with, name) {
				continue
			}
			if prefix, _, dotted := strings.Cut(name, "."); dotted && (steps[prefix] || bindNS[prefix]) {
				continue
			}
			ins.add(Input{Loc: c.target.Resource.Loc, Name: name, In: in, Type: "string", Required: true})
		}
	}
}

func withKey(with []*WithEntry, key string) bool {
	for _, w := range with {
		if w.Key == key {
			return true
		}
	}
	return false
}
