package mcp

import (
	"encoding/json"
	"log/slog"
	"testing"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/naftiko-go/naftiko/internal/expose/exposetest"
)

// BenchmarkToolArguments measures a tools/call's argument handling: decoding
// the arguments (numbers kept exact) and validating them against the tool's
// inputs (types, required, unknown names, pattern), for a tool taking one
// argument of every type.
func BenchmarkToolArguments(b *testing.B) {
	adapter := declaredTools()
	_, t, err := buildTool(adapter, adapter.MCP.Tools[0], &exposetest.FakeInvoker{}, slog.New(slog.DiscardHandler))
	if err != nil {
		b.Fatal(err)
	}
	req := mcp.CallToolRequest{}
	req.Params.Name = "typed"
	req.Params.RawArguments = json.RawMessage(`{"s":"x","n":1.5,"i":3,"b":true,"a":[1,"2"],"o":{"k":null}}`)
	b.ReportAllocs()
	for b.Loop() {
		args, err := decodeArguments(req)
		if err != nil {
			b.Fatal(err)
		}
		if msg := t.validate(args); msg != "" {
			b.Fatal(msg)
		}
	}
}
