package mcp

import (
	"context"
	"fmt"
	"os"
	"regexp"
	"strings"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"

	"github.com/naftiko-go/naftiko/internal/expose"
	"github.com/naftiko-go/naftiko/internal/spec"
)

// promptVarRE finds {{arg}} placeholders (inner spaces allowed) in prompt
// templates.
var promptVarRE = regexp.MustCompile(`\{\{\s*([^{}\s]+)\s*\}\}`)

// maxPromptBytes bounds a prompt file.
const maxPromptBytes = 1 << 20

// prompt is one MCP prompt: its messages with {{arg}} placeholders.
type prompt struct {
	p        *spec.MCPPrompt
	messages []*spec.PromptMessage
}

// buildPrompts turns the adapter's `prompts` into mcp-go prompts. A file
// prompt (location) is read at build time: its content becomes one user
// message.
func buildPrompts(adapter *spec.Expose) ([]server.ServerPrompt, error) {
	var out []server.ServerPrompt
	for _, p := range adapter.MCP.Prompts {
		if p == nil {
			continue
		}
		if p.Name == "" {
			return nil, fmt.Errorf("%s: a prompt needs a name", p.Path)
		}
		pr := &prompt{p: p, messages: p.Template}
		switch {
		case p.Location != "" && len(p.Template) > 0:
			return nil, fmt.Errorf("%s: prompt %q declares both template and location; keep one", p.Path, p.Name)
		case p.Location != "":
			text, err := readPromptFile(adapter, p.Location)
			if err != nil {
				return nil, fmt.Errorf("%s: prompt %q: %w", p.Path, p.Name, err)
			}
			pr.messages = []*spec.PromptMessage{{Role: "user", Content: text}}
		case len(p.Template) == 0:
			return nil, fmt.Errorf("%s: prompt %q needs a template or a location", p.Path, p.Name)
		}
		for _, m := range pr.messages {
			if m.Role != "user" && m.Role != "assistant" {
				return nil, fmt.Errorf("%s: prompt %q: role %q must be user or assistant", m.Path, p.Name, m.Role)
			}
		}
		opts := []mcp.PromptOption{mcp.WithPromptDescription(p.Description)}
		if p.Label != "" {
			opts = append(opts, mcp.WithPromptTitle(p.Label))
		}
		for _, a := range p.Arguments {
			aopts := []mcp.ArgumentOption{mcp.ArgumentDescription(a.Description)}
			if a.Label != "" {
				aopts = append(aopts, mcp.ArgumentTitle(a.Label))
			}
			if a.Required {
				aopts = append(aopts, mcp.RequiredArgument())
			}
			opts = append(opts, mcp.WithArgument(a.Name, aopts...))
		}
		out = append(out, server.ServerPrompt{Prompt: mcp.NewPrompt(p.Name, opts...), Handler: pr.get})
	}
	return out, nil
}

func readPromptFile(adapter *spec.Expose, location string) (string, error) {
	file, err := expose.ResolveLocation(location, adapter.Pos.File)
	if err != nil {
		return "", err
	}
	data, err := os.ReadFile(file)
	if err != nil {
		return "", fmt.Errorf("location %q: %w", location, err)
	}
	if len(data) > maxPromptBytes {
		return "", fmt.Errorf("location %q: larger than %d bytes", location, maxPromptBytes)
	}
	return string(data), nil
}

// get renders the prompt: a missing required argument is an error naming it;
// {{arg}} becomes the argument's value, "" when an optional one is absent.
func (pr *prompt) get(_ context.Context, req mcp.GetPromptRequest) (*mcp.GetPromptResult, error) {
	args := req.Params.Arguments
	for _, a := range pr.p.Arguments {
		if _, ok := args[a.Name]; a.Required && !ok {
			return nil, fmt.Errorf("prompt %q: missing required argument %q", pr.p.Name, a.Name)
		}
	}
	msgs := make([]mcp.PromptMessage, 0, len(pr.messages))
	for _, m := range pr.messages {
		text := promptVarRE.ReplaceAllStringFunc(m.Content, func(ph string) string {
			name := strings.TrimSpace(ph[2 : len(ph)-2])
			return args[name]
		})
		msgs = append(msgs, mcp.NewPromptMessage(mcp.Role(m.Role), mcp.NewTextContent(text)))
	}
	return mcp.NewGetPromptResult(pr.p.Description, msgs), nil
}
