package engine

import (
	"fmt"
	"github.com/naftiko-go/naftiko/internal/consume/formats"

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
		for _, f := range a.Functions {
			checkEndpoint(&f.Endpoint, notYet)
		}
	}
	for _, cons := range c.Consumes {
		for _, r := range cons.Resources {
			for _, op := range r.Operations {
				if f := op.OutputRawFormat; f != "" && !formats.Supported(f) {
					notYet(op.Loc, "outputRawFormat "+f+" (json, xml, yaml, csv, tsv, psv, html and markdown are implemented)")
				}
			}
		}
	}
	for _, x := range c.Exposes {
		switch {
		case x.MCP != nil:
			for _, r := range x.MCP.Resources {
				if r.Location == "" {
					checkEndpoint(&r.Endpoint, notYet)
				}
			}
			for _, t := range x.MCP.Tools {
				checkEndpoint(&t.Endpoint, notYet)
			}
		case x.Rest != nil:
			for _, r := range x.Rest.Resources {
				for _, op := range r.Operations {
					checkEndpoint(&op.Endpoint, notYet)
				}
			}
		}
	}
	return diags
}

func checkEndpoint(ep *spec.Endpoint, notYet func(spec.Loc, string)) {
	for _, s := range ep.Steps {
		if s.Type == "script" && s.Language != "" && s.Language != "javascript" {
			notYet(s.Loc, fmt.Sprintf("script step %q in %s (only javascript is implemented)", s.Name, s.Language))
		}
	}
}
