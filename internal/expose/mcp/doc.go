// Package mcp serves a capability's `type: mcp` adapter as an MCP server over
// streamable HTTP (stateless), built on mark3labs/mcp-go, which stays behind
// this package.
//
// Each `tools` entry becomes one MCP tool, listed in declaration order, with
// an input schema from spec.ToolInputs and all four annotation hints set
// explicitly (from `hints`, else derived from the called operation's HTTP
// method). tools/call arguments are validated here, with messages that name
// the argument, before the expose.Invoker runs the tool. Results follow
// SPEC §10:
//
//   - upstream status < 400: one text item with the body; structuredContent
//     too when the body is a JSON object;
//   - empty body (e.g. 204): success with the text {"status":204};
//   - upstream status >= 400: isError, text "upstream returned HTTP <status>: <body>";
//   - an engine error (*expose.Error) or an argument error: isError with its
//     detail;
//   - unknown tools and malformed requests stay JSON-RPC errors.
//
// Besides mcp-go's localhost DNS-rebinding guard (a loopback listener refuses
// a non-loopback Host), requests whose Origin names another site are refused
// with 403 unless allowed by Options.AllowedOrigins, and messages larger than
// Options.MaxBodyBytes with 413.
//
// The most frequent message, a tools/call of the initialize-era protocols,
// is answered without mcp-go's per-request transport machinery, with the
// same bytes (fastcall.go); everything else is mcp-go's. A W3C traceparent
// in a tools/call's _meta continues the caller's trace.
package mcp
