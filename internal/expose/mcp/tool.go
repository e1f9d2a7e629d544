package mcp

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"regexp"
	"strings"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"

	"github.com/naftiko-go/naftiko/internal/expose"
	"github.com/naftiko-go/naftiko/internal/spec"
)

// argument is one accepted tool argument, compiled at build time.
type argument struct {
	spec.Input
	pattern *regexp.Regexp
}

// tool is one MCP tool of the adapter.
type tool struct {
	adapter *spec.Expose
	t       *spec.Tool
	inv     expose.Invoker
	log     *slog.Logger
	args    []argument
	names   []string // of args, in order
}

// buildTool turns a capability tool into an mcp-go tool and its handler.
func buildTool(adapter *spec.Expose, t *spec.Tool, inv expose.Invoker, log *slog.Logger) (server.ServerTool, *tool, error) {
	inputs := spec.ToolInputs(adapter, t)
	args := make([]argument, 0, len(inputs))
	seen := map[string]bool{}
	for _, in := range inputs {
		if in.Name == "" {
			return server.ServerTool{}, nil, fmt.Errorf("tool %q has an input without a name", t.Name)
		}
		if seen[in.Name] {
			return server.ServerTool{}, nil, fmt.Errorf("tool %q has two inputs named %q", t.Name, in.Name)
		}
		seen[in.Name] = true
		switch in.Type {
		case "", "string", "number", "integer", "boolean", "array", "object":
		default:
			return server.ServerTool{}, nil, fmt.Errorf("tool %q: input %q has unknown type %q", t.Name, in.Name, in.Type)
		}
		a := argument{Input: in}
		if in.Pattern != "" {
			re, err := regexp.Compile(in.Pattern)
			if err != nil {
				return server.ServerTool{}, nil, fmt.Errorf("tool %q: input %q: invalid pattern: %w", t.Name, in.Name, err)
			}
			a.pattern = re
		}
		args = append(args, a)
	}
	schema, err := inputSchema(args)
	if err != nil {
		return server.ServerTool{}, nil, fmt.Errorf("tool %q: %w", t.Name, err)
	}
	mt := mcp.NewToolWithRawSchema(t.Name, t.Description, schema)
	mt.Title = t.Label
	mt.Annotations = annotations(t)
	names := make([]string, len(args))
	for i, a := range args {
		names[i] = a.Name
	}
	h := &tool{adapter: adapter, t: t, inv: inv, log: log.With(logKeyTool, t.Name), args: args, names: names}
	return server.ServerTool{Tool: mt, Handler: h.call}, h, nil
}

// inputSchema is the tool's JSON Schema (InputSchema of its arguments).
func inputSchema(args []argument) (json.RawMessage, error) {
	ins := make([]spec.Input, len(args))
	for i, a := range args {
		ins[i] = a.Input
	}
	return InputSchema(ins)
}

// InputSchema is the JSON Schema of a tool's arguments as tools/list gives
// it: every input with its type, description and pattern, the required ones
// listed, nothing else accepted.
func InputSchema(args []spec.Input) (json.RawMessage, error) {
	// Hand-ordered JSON keeps properties in declaration order, which is
	// what an author and an agent reading the schema expect.
	var b strings.Builder
	b.WriteString(`{"type":"object","properties":{`)
	var required []string
	for i, a := range args {
		if i > 0 {
			b.WriteByte(',')
		}
		prop := map[string]any{}
		if a.Type != "" {
			prop["type"] = a.Type
		}
		if a.Description != "" {
			prop["description"] = a.Description
		}
		if a.Pattern != "" {
			prop["pattern"] = a.Pattern
		}
		name, err := json.Marshal(a.Name)
		if err != nil {
			return nil, err
		}
		body, err := json.Marshal(prop) // map keys sorted: stable output
		if err != nil {
			return nil, err
		}
		b.Write(name)
		b.WriteByte(':')
		b.Write(body)
		if a.Required {
			required = append(required, a.Name)
		}
	}
	b.WriteString(`}`)
	if len(required) > 0 {
		r, err := json.Marshal(required)
		if err != nil {
			return nil, err
		}
		b.WriteString(`,"required":`)
		b.Write(r)
	}
	b.WriteString(`,"additionalProperties":false}`)
	return json.RawMessage(b.String()), nil
}

// annotations sets all four hints explicitly, because mcp-go and clients
// otherwise assume destructive, non-idempotent tools: from `hints` where
// given, else derived from what the tool calls.
func annotations(t *spec.Tool) mcp.ToolAnnotation {
	d := deriveHints(t)
	pick := func(set *bool, def bool) *bool {
		v := def
		if set != nil {
			v = *set
		}
		return &v
	}
	var h spec.Hints
	if t.Hints != nil {
		h = *t.Hints
	}
	return mcp.ToolAnnotation{
		Title:           t.Label,
		ReadOnlyHint:    pick(h.ReadOnly, d.readOnly),
		DestructiveHint: pick(h.Destructive, d.destructive),
		IdempotentHint:  pick(h.Idempotent, d.idempotent),
		OpenWorldHint:   pick(h.OpenWorld, d.openWorld),
	}
}

// hints are derived annotation values.
type hints struct {
	readOnly, destructive, idempotent, openWorld bool
}

// methodHints are the hints an HTTP method implies.
func methodHints(method string) hints {
	switch strings.ToUpper(method) {
	case "GET", "HEAD":
		return hints{readOnly: true, destructive: false, idempotent: true, openWorld: true}
	case "PUT":
		return hints{readOnly: false, destructive: false, idempotent: true, openWorld: true}
	case "DELETE":
		return hints{readOnly: false, destructive: true, idempotent: true, openWorld: true}
	default: // POST, PATCH and anything else: assume the worst for repeats
		return hints{readOnly: false, destructive: false, idempotent: false, openWorld: true}
	}
}

// deriveHints derives a tool's hints from what it runs: for a ref, the
// function's calls refined by its semantics (safe → read-only and not
// destructive; idempotent copied, as the reference engine does); otherwise
// the tool's own calls.
func deriveHints(t *spec.Tool) hints {
	if t.Ref == "" {
		return endpointHints(&t.Endpoint)
	}
	f := t.Function
	if f == nil {
		return methodHints("POST")
	}
	h := endpointHints(&f.Endpoint)
	if s := f.Semantics; s != nil {
		if s.Safe != nil {
			h.readOnly = *s.Safe
			if *s.Safe {
				h.destructive = false
			}
		}
		if s.Idempotent != nil {
			h.idempotent = *s.Idempotent
		}
	}
	return h
}

// endpointHints combines the hints of every upstream operation an endpoint
// calls (its call and its call steps): read-only and idempotent only if all
// are, destructive if any is. A mock (no call, no steps) touches nothing. An
// unresolved call gets the cautious POST hints.
func endpointHints(ep *spec.Endpoint) hints {
	var methods []string
	unknown := false
	if ep.Call != "" {
		if ep.Target != nil {
			methods = append(methods, ep.Target.Method)
		} else {
			unknown = true
		}
	}
	for _, s := range ep.Steps {
		if s == nil || s.Type != "call" {
			continue
		}
		if s.Target != nil {
			methods = append(methods, s.Target.Method)
		} else {
			unknown = true
		}
	}
	if unknown || ep.Ref != "" {
		return methodHints("POST")
	}
	if len(methods) == 0 {
		if len(ep.Steps) == 0 {
			return hints{readOnly: true, destructive: false, idempotent: true, openWorld: false}
		}
		// Lookup or script steps only: local, but scripts may do anything.
		return hints{readOnly: false, destructive: false, idempotent: false, openWorld: false}
	}
	out := hints{readOnly: true, idempotent: true, openWorld: true}
	for _, m := range methods {
		h := methodHints(m)
		out.readOnly = out.readOnly && h.readOnly
		out.idempotent = out.idempotent && h.idempotent
		out.destructive = out.destructive || h.destructive
	}
	return out
}
