package engine

import (
	"github.com/naftiko-go/naftiko/internal/spec"
)

// checkSupported reports every construct of doc that the loader understood
// but the engine cannot run yet. Each is an error: serving a file while
// silently ignoring part of it (an authentication block, a step) would do
// something other than what its author wrote.
func checkSupported(doc *spec.Document) spec.Diagnostics {
	var diags spec.Diagnostics
	notYet := func(loc spec.Loc, what string) {
		diags.Errorf(loc, "", "not supported yet: %s", what)
	}
	c := doc.Capability
	if c == nil {
		return diags
	}
	for _, a := range c.Aggregates {
		notYet(a.Loc, "aggregates")
	}
	for _, cons := range c.Consumes {
		for _, r := range cons.Resources {
			for _, op := range r.Operations {
				if f := op.OutputRawFormat; f != "" && f != "json" {
					notYet(op.Loc, "outputRawFormat "+f+" (only json is implemented)")
				}
			}
		}
	}
	for _, x := range c.Exposes {
		if x.Authentication != nil {
			notYet(x.Authentication.Loc, "server-side authentication on exposed adapters ("+x.Authentication.Type+")")
		}
		switch {
		case x.Skill != nil:
			notYet(x.Loc, "skill adapters")
		case x.Control != nil:
			notYet(x.Loc, "control adapters")
		case x.MCP != nil:
			if x.MCP.Transport == "stdio" {
				notYet(x.Loc, "MCP stdio transport")
			}
			for _, r := range x.MCP.Resources {
				notYet(r.Loc, "MCP resources")
			}
			for _, p := range x.MCP.Prompts {
				notYet(p.Loc, "MCP prompts")
			}
			for _, t := range x.MCP.Tools {
				checkEndpoint(&t.Endpoint, notYet)
			}
		case x.Rest != nil:
			for _, r := range x.Rest.Resources {
				if r.Forward != nil {
					notYet(r.Forward.Loc, "REST forward")
				}
				for _, op := range r.Operations {
					checkEndpoint(&op.Endpoint, notYet)
				}
			}
		}
	}
	return diags
}

func checkEndpoint(ep *spec.Endpoint, notYet func(spec.Loc, string)) {
	switch {
	case ep.Ref != "":
		notYet(ep.Loc, "ref to aggregate functions")
	case len(ep.Steps) > 0 || len(ep.Mappings) > 0:
		notYet(ep.Loc, "orchestration steps and mappings")
	case ep.Call == "":
		notYet(ep.Loc, "mock endpoints (no call)")
	}
}
