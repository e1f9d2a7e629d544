package mcp

import (
	"encoding/json"
	"io"
	"log/slog"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/naftiko-go/naftiko/internal/expose"
	"github.com/naftiko-go/naftiko/internal/expose/exposetest"
	"github.com/naftiko-go/naftiko/internal/spec"
)

func ptr[T any](v T) *T { return &v }

// toolCalling is a tool that calls an upstream operation with method.
func toolCalling(method string, h *spec.Hints) *spec.Tool {
	return &spec.Tool{
		Endpoint: spec.Endpoint{Name: "t", Call: "up.op", Target: &spec.ConsumedOperation{Name: "op", Method: method}},
		Hints:    h,
	}
}

func TestAnnotations(t *testing.T) {
	t.Parallel()
	type want struct{ readOnly, destructive, idempotent, openWorld bool }
	tests := []struct {
		name string
		tool *spec.Tool
		want want
	}{
		{"GET", toolCalling("GET", nil), want{true, false, true, true}},
		{"HEAD", toolCalling("HEAD", nil), want{true, false, true, true}},
		{"PUT", toolCalling("PUT", nil), want{false, false, true, true}},
		{"DELETE", toolCalling("DELETE", nil), want{false, true, true, true}},
		{"POST", toolCalling("POST", nil), want{false, false, false, true}},
		{"PATCH", toolCalling("PATCH", nil), want{false, false, false, true}},
		{"hints win", toolCalling("GET", &spec.Hints{ReadOnly: ptr(false), Destructive: ptr(true), Idempotent: ptr(false), OpenWorld: ptr(false)}),
			want{false, true, false, false}},
		{"partial hints", toolCalling("DELETE", &spec.Hints{Destructive: ptr(false)}), want{false, false, true, true}},
		{"unresolved call", &spec.Tool{Endpoint: spec.Endpoint{Call: "up.missing"}}, want{false, false, false, true}},
		{"mock", &spec.Tool{Endpoint: spec.Endpoint{OutputParameters: []*spec.OutputParam{{Name: "x", Value: "1", HasValue: true}}}},
			want{true, false, true, false}},
		{"steps: GET then DELETE", &spec.Tool{Endpoint: spec.Endpoint{Steps: []*spec.Step{
			{Type: "call", Target: &spec.ConsumedOperation{Method: "GET"}},
			{Type: "call", Target: &spec.ConsumedOperation{Method: "DELETE"}},
		}}}, want{false, true, true, true}},
		{"ref with safe semantics", &spec.Tool{Endpoint: spec.Endpoint{Ref: "agg.f", Function: &spec.Function{
			Endpoint:  spec.Endpoint{Call: "up.op", Target: &spec.ConsumedOperation{Method: "POST"}},
			Semantics: &spec.Semantics{Safe: ptr(true), Idempotent: ptr(true)},
		}}}, want{true, false, true, true}},
		{"unresolved ref", &spec.Tool{Endpoint: spec.Endpoint{Ref: "agg.missing"}}, want{false, false, false, true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			a := annotations(tt.tool)
			require.NotNil(t, a.ReadOnlyHint)
			require.NotNil(t, a.DestructiveHint)
			require.NotNil(t, a.IdempotentHint)
			require.NotNil(t, a.OpenWorldHint)
			assert.Equal(t, tt.want, want{*a.ReadOnlyHint, *a.DestructiveHint, *a.IdempotentHint, *a.OpenWorldHint})
		})
	}
}

// declaredTools is an adapter with declared tool inputs of every type.
func declaredTools() *spec.Expose {
	return &spec.Expose{Type: "mcp", Namespace: "typed", MCP: &spec.MCPAdapter{Tools: []*spec.Tool{
		{
			Endpoint: spec.Endpoint{Name: "typed", Label: "Typed tool", Description: "All the types.", Call: "up.op",
				Target: &spec.ConsumedOperation{Name: "op", Method: "POST"}},
			InputParameters: []*spec.ToolParam{
				{Name: "s", Type: "string", Description: "a string", Required: true},
				{Name: "n", Type: "number", Required: true},
				{Name: "i", Type: "integer", Required: true},
				{Name: "b", Type: "boolean", Required: true},
				{Name: "a", Type: "array"},
				{Name: "o", Type: "object"},
			},
		},
		{Endpoint: spec.Endpoint{Name: "none", Description: "No inputs."}},
	}}}
}

func TestDeclaredInputsSchemaAndTitle(t *testing.T) {
	t.Parallel()
	srv := serve(t, declaredTools(), &exposetest.FakeInvoker{}, Options{})
	_, body := rpc(t, srv, "tools/list", map[string]any{})
	var resp struct {
		Result struct {
			Tools []json.RawMessage `json:"tools"`
		} `json:"result"`
	}
	require.NoError(t, json.Unmarshal([]byte(body), &resp), body)
	require.Len(t, resp.Result.Tools, 2)
	assert.JSONEq(t, `{"name":"typed","title":"Typed tool","description":"All the types.",
	  "inputSchema":{"type":"object","properties":{
	    "s":{"type":"string","description":"a string"},"n":{"type":"number"},"i":{"type":"integer"},
	    "b":{"type":"boolean"},"a":{"type":"array"},"o":{"type":"object"}},
	    "required":["s","n","i","b"],"additionalProperties":false},
	  "annotations":{"title":"Typed tool","readOnlyHint":false,"destructiveHint":false,"idempotentHint":false,"openWorldHint":true}}`,
		string(resp.Result.Tools[0]))
	assert.JSONEq(t, `{"name":"none","description":"No inputs.",
	  "inputSchema":{"type":"object","properties":{},"additionalProperties":false},
	  "annotations":{"readOnlyHint":true,"destructiveHint":false,"idempotentHint":true,"openWorldHint":false}}`,
		string(resp.Result.Tools[1]))
}

func TestArgumentTypes(t *testing.T) {
	t.Parallel()
	base := func() map[string]any { return map[string]any{"s": "x", "n": 1.5, "i": 3, "b": true} }
	tests := []struct {
		name     string
		tool     string
		args     map[string]any
		wantText string // "" means accepted
	}{
		{name: "all good", tool: "typed", args: base()},
		{name: "integral float is an integer", tool: "typed", args: func() map[string]any { m := base(); m["i"] = 3.0; return m }()},
		{name: "integer is a number", tool: "typed", args: func() map[string]any { m := base(); m["n"] = 2; return m }()},
		{name: "array and object", tool: "typed", args: func() map[string]any { m := base(); m["a"] = []any{1}; m["o"] = map[string]any{}; return m }()},
		{name: "fraction is not an integer", tool: "typed", args: func() map[string]any { m := base(); m["i"] = 3.5; return m }(),
			wantText: `argument "i" must be an integer, got number`},
		{name: "string is not a number", tool: "typed", args: func() map[string]any { m := base(); m["n"] = "1"; return m }(),
			wantText: `argument "n" must be a number, got string`},
		{name: "string is not a boolean", tool: "typed", args: func() map[string]any { m := base(); m["b"] = "true"; return m }(),
			wantText: `argument "b" must be a boolean, got string`},
		{name: "object is not an array", tool: "typed", args: func() map[string]any { m := base(); m["a"] = map[string]any{}; return m }(),
			wantText: `argument "a" must be an array, got object`},
		{name: "no arguments expected", tool: "none", args: map[string]any{"x": 1},
			wantText: `unknown argument "x": this tool takes no arguments`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			inv := &exposetest.FakeInvoker{}
			srv := serve(t, declaredTools(), inv, Options{})
			c, _ := connect(t, srv, "")
			res := callTool(t, c, tt.tool, tt.args)
			if tt.wantText == "" {
				assert.False(t, res.IsError, text(t, res))
				assert.Len(t, inv.Recorded(), 1)
				return
			}
			assert.True(t, res.IsError)
			assert.Equal(t, tt.wantText, text(t, res))
			assert.Empty(t, inv.Recorded())
		})
	}
}

// Numbers reach the invoker as json.Number, so large integers stay exact.
func TestLargeIntegersStayExact(t *testing.T) {
	t.Parallel()
	inv := &exposetest.FakeInvoker{}
	srv := serve(t, declaredTools(), inv, Options{})
	status, body := rpc(t, srv, "tools/call", json.RawMessage(
		`{"name":"typed","arguments":{"s":"x","n":0.1,"i":12345678901234567890,"b":false}}`))
	require.Equal(t, 200, status, body)
	calls := inv.Recorded()
	require.Len(t, calls, 1, body)
	assert.Equal(t, json.Number("12345678901234567890"), calls[0].Inputs.Values["i"])
	assert.Equal(t, json.Number("0.1"), calls[0].Inputs.Values["n"])
}

func TestSuccessWithoutJSON(t *testing.T) {
	t.Parallel()
	inv := &exposetest.FakeInvoker{Fn: func(*spec.Endpoint, expose.Inputs) (*expose.Result, error) {
		return &expose.Result{Status: 200, ContentType: "text/plain", Body: []byte("plain \xff text")}, nil
	}}
	srv := serve(t, declaredTools(), inv, Options{})
	c, _ := connect(t, srv, "")
	res := callTool(t, c, "none", nil)
	assert.False(t, res.IsError)
	assert.Equal(t, "plain \uFFFD text", text(t, res))
	assert.Nil(t, res.StructuredContent)
}

func TestNewRejects(t *testing.T) {
	t.Parallel()
	dup := &spec.Expose{Type: "mcp", MCP: &spec.MCPAdapter{Tools: []*spec.Tool{
		{Endpoint: spec.Endpoint{Name: "a"}}, {Endpoint: spec.Endpoint{Name: "a"}},
	}}}
	unnamed := &spec.Expose{Type: "mcp", MCP: &spec.MCPAdapter{Tools: []*spec.Tool{{}}}}
	badType := &spec.Expose{Type: "mcp", MCP: &spec.MCPAdapter{Tools: []*spec.Tool{
		{Endpoint: spec.Endpoint{Name: "a"}, InputParameters: []*spec.ToolParam{{Name: "x", Type: "date"}}},
	}}}
	tests := []struct {
		name    string
		adapter *spec.Expose
		inv     expose.Invoker
		wantErr string
	}{
		{"not mcp", &spec.Expose{Type: "rest"}, &exposetest.FakeInvoker{}, "not an mcp adapter"},
		{"nil invoker", dup, nil, "invoker is nil"},
		{"duplicate tool", dup, &exposetest.FakeInvoker{}, `tool "a" is declared twice`},
		{"unnamed tool", unnamed, &exposetest.FakeInvoker{}, "no name"},
		{"unknown type", badType, &exposetest.FakeInvoker{}, `unknown type "date"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := New(tt.adapter, tt.inv, Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.wantErr)
		})
	}
}
