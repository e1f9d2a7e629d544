package mcp

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/mark3labs/mcp-go/mcp"
	"go.opentelemetry.io/otel/propagation"

	"github.com/naftiko-go/naftiko/internal/expose"
)

// call handles tools/call: decode and validate the arguments, invoke, and
// turn the outcome into a CallToolResult. Errors an agent can act on are
// results with isError, never JSON-RPC errors, so the model sees them.
func (t *tool) call(ctx context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
	args, err := decodeArguments(req)
	if err != nil {
		return mcp.NewToolResultError(err.Error()), nil
	}
	if msg := t.validate(args); msg != "" {
		return mcp.NewToolResultError(msg), nil
	}
	ctx = traceFromMeta(ctx, req.Params.Meta)
	res, err := t.inv.Invoke(ctx, t.adapter, &t.t.Endpoint, expose.Inputs{Values: args})
	if err != nil {
		return t.engineError(ctx, err), nil
	}
	if res == nil {
		return t.engineError(ctx, &expose.Error{Kind: expose.KindInternal, Err: fmt.Errorf("invoker returned no result")}), nil
	}
	return toolResult(res), nil
}

// traceFromMeta continues the caller's trace when the call carries W3C
// trace context in its _meta ("traceparent", "tracestate"; SEP-414): the
// engine's spans and the upstream's traceparent then belong to it. It wins
// over HTTP headers, which may come from a proxy between agent and server;
// an invalid traceparent is ignored.
func traceFromMeta(ctx context.Context, meta *mcp.Meta) context.Context {
	if meta == nil {
		return ctx
	}
	tp, _ := meta.AdditionalFields["traceparent"].(string)
	if tp == "" {
		return ctx
	}
	carrier := propagation.MapCarrier{"traceparent": tp}
	if ts, ok := meta.AdditionalFields["tracestate"].(string); ok {
		carrier["tracestate"] = ts
	}
	return propagation.TraceContext{}.Extract(ctx, carrier)
}

// decodeArguments returns the call's arguments as a map, numbers as
// json.Number (as the REST adapter decodes bodies) when the wire bytes are
// available, so that large integers reach the upstream intact.
func decodeArguments(req mcp.CallToolRequest) (map[string]any, error) {
	if raw := req.Params.RawArguments; len(raw) > 0 {
		// mcp-go has already decoded the same bytes; when no value holds a
		// number (nor a nested value that could), its map is exactly what
		// decoding them again would give.
		if m, ok := req.Params.Arguments.(map[string]any); ok && scalarNoNumbers(m) {
			return m, nil
		}
		v, err := expose.DecodeJSON(raw)
		if err != nil {
			return nil, fmt.Errorf("arguments are not valid JSON: %v", err)
		}
		switch m := v.(type) {
		case nil:
			return map[string]any{}, nil
		case map[string]any:
			return m, nil
		default:
			return nil, fmt.Errorf("arguments must be a JSON object, got %s", expose.TypeName(v))
		}
	}
	switch m := req.Params.Arguments.(type) {
	case nil:
		return map[string]any{}, nil
	case map[string]any:
		return m, nil
	default:
		return nil, fmt.Errorf("arguments must be a JSON object, got %T", m)
	}
}

// scalarNoNumbers reports whether every value of m is a string, a boolean
// or null.
func scalarNoNumbers(m map[string]any) bool {
	for _, v := range m {
		switch v.(type) {
		case string, bool, nil:
		default:
			return false
		}
	}
	return true
}

// validate checks args against the tool's inputs and returns every problem
// in one readable message ("" when none). A null optional argument is
// dropped: agents often send null for "not given".
func (t *tool) validate(args map[string]any) string {
	var problems []string
	var unknown []string
	for name := range args {
		if !slices.Contains(t.names, name) {
			unknown = append(unknown, name)
		}
	}
	slices.Sort(unknown)
	for _, name := range unknown {
		if len(t.names) == 0 {
			problems = append(problems, fmt.Sprintf("unknown argument %q: this tool takes no arguments", name))
		} else {
			problems = append(problems, fmt.Sprintf("unknown argument %q: expected one of %s", name, strings.Join(t.names, ", ")))
		}
	}
	for _, a := range t.args {
		v, present := args[a.Name]
		if present && v == nil && !a.Required {
			delete(args, a.Name)
			continue
		}
		if !present {
			if a.Required {
				problems = append(problems, fmt.Sprintf("argument %q is required (%s)", a.Name, typeOrAny(a.Type)))
			}
			continue
		}
		if !expose.HasType(v, a.Type) {
			problems = append(problems, fmt.Sprintf("argument %q must be %s %s, got %s",
				a.Name, article(a.Type), a.Type, expose.TypeName(v)))
			continue
		}
		if s, ok := v.(string); ok && a.pattern != nil && !a.pattern.MatchString(s) {
			problems = append(problems, fmt.Sprintf("argument %q must match the pattern %s", a.Name, a.Pattern))
		}
	}
	return strings.Join(problems, "; ")
}

// typeOrAny names a declared type for messages.
func typeOrAny(typ string) string {
	if typ == "" {
		return "any type"
	}
	return typ
}

// article is "an" before a vowel, else "a".
func article(word string) string {
	if word != "" && strings.ContainsRune("aeiou", rune(word[0])) {
		return "an"
	}
	return "a"
}

// toolResult maps an invocation result to a tool result (SPEC §10).
func toolResult(res *expose.Result) *mcp.CallToolResult {
	if res.Status >= 400 {
		text := fmt.Sprintf("upstream returned HTTP %d", res.Status)
		if len(res.Body) > 0 {
			text += ": " + bodyText(res.Body)
		} else {
			text += " with no body"
		}
		return mcp.NewToolResultError(text)
	}
	if len(res.Body) == 0 {
		// Still JSON, like every other success text, so an agent parses one shape.
		return mcp.NewToolResultText(fmt.Sprintf(`{"status":%d}`, res.Status))
	}
	out := mcp.NewToolResultText(bodyText(res.Body))
	if obj, ok := res.Value.(map[string]any); ok && res.IsJSON {
		out.StructuredContent = obj
	} else if res.IsJSON && res.Value == nil && isJSONObject(res.Body) {
		out.RawStructuredContent = res.Body // passthrough: no decode, no re-encode
	}
	return out
}

// bodyText is the body as text; bytes that are not UTF-8 are replaced, since
// a JSON-RPC string cannot carry them.
func bodyText(b []byte) string {
	if utf8.Valid(b) {
		return string(b)
	}
	return strings.ToValidUTF8(string(b), "\uFFFD")
}

// engineError maps an engine error to an isError result with its detail;
// internal errors keep their cause out of the answer and in the log.
func (t *tool) engineError(ctx context.Context, err error) *mcp.CallToolResult {
	e := expose.AsError(err)
	level := slog.LevelWarn
	if e.Kind == expose.KindInput {
		level = slog.LevelDebug
	}
	detail := e.Detail
	if e.Kind == expose.KindInternal {
		level = slog.LevelError
		detail = "internal error: the tool call could not be completed; the error was logged"
	} else if detail == "" {
		detail = kindText(e.Kind)
	}
	t.log.Log(ctx, level, "tool call failed", logKeyKind, kindText(e.Kind), logKeyError, err.Error())
	return mcp.NewToolResultError(detail)
}

// kindText names an error kind for messages and logs.
func kindText(k expose.Kind) string {
	switch k {
	case expose.KindInput:
		return "invalid input"
	case expose.KindUnreachable:
		return "upstream unreachable"
	case expose.KindTimeout:
		return "upstream timeout"
	case expose.KindTooLarge:
		return "too large"
	case expose.KindNotSupported:
		return "not supported yet"
	default:
		return "internal error"
	}
}

// isJSONObject reports whether the valid JSON b is an object.
func isJSONObject(b []byte) bool {
	for _, c := range b {
		switch c {
		case ' ', '\t', '\n', '\r':
			continue
		}
		return c == '{'
	}
	return false
}
