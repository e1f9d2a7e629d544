// Package expose is the contract between the exposing adapters (expose/rest,
// expose/mcp) and the engine that runs invocations. The adapters translate a
// transport request into Inputs, call the Invoker, and translate the Result or
// error back; the engine owns everything in between (with, upstream calls,
// output shaping). REST and MCP share this single invocation path, so they
// cannot drift apart.
package expose

import (
	"context"
	"errors"
	"fmt"

	"github.com/naftiko-go/naftiko/internal/spec"
)

// Inputs are what a caller supplied to one invocation.
type Inputs struct {
	// Values are the named inputs: MCP tool arguments; for REST, declared
	// parameters, or implicitly path variables, query parameters (first
	// value) and headers (canonical names), path and query winning over
	// headers.
	Values map[string]any
	// Body is the decoded JSON request body (REST), nil when none.
	Body any
	// HasBody reports whether a JSON body was supplied (Body may be JSON null).
	HasBody bool
}

// Result is the outcome of an invocation that reached an answer: an upstream
// response (any status), a mock, or an orchestrated result.
type Result struct {
	// Status is the HTTP status to report: the upstream status for a call,
	// 200 for mocks and orchestrated mappings.
	Status int
	// ContentType of Body; "" when Body is empty.
	ContentType string
	// Body is the payload to return: the shaped JSON, or the upstream bytes
	// unchanged when no shaping applies.
	Body []byte
	// Value is the decoded JSON of Body (numbers as json.Number), or nil when
	// Body is empty or not JSON.
	Value any
	// IsJSON reports whether Body is JSON (and Value is meaningful).
	IsJSON bool
}

// Invoker runs one endpoint (REST operation or MCP tool) of an adapter.
type Invoker interface {
	Invoke(ctx context.Context, adapter *spec.Expose, ep *spec.Endpoint, in Inputs) (*Result, error)
}

// InvokerFunc adapts a function to Invoker.
type InvokerFunc func(ctx context.Context, adapter *spec.Expose, ep *spec.Endpoint, in Inputs) (*Result, error)

// Invoke calls f.
func (f InvokerFunc) Invoke(ctx context.Context, adapter *spec.Expose, ep *spec.Endpoint, in Inputs) (*Result, error) {
	return f(ctx, adapter, ep, in)
}

// Kind classifies engine-made errors; each transport maps kinds to its own
// answer in exactly one place.
type Kind int

const (
	// KindInternal is a bug or an unexpected condition (HTTP 500).
	KindInternal Kind = iota
	// KindInput is a caller error: a missing or invalid input (HTTP 400).
	KindInput
	// KindUnreachable means the upstream could not be reached or answered
	// garbage (HTTP 502).
	KindUnreachable
	// KindTimeout means the upstream did not answer in time (HTTP 504).
	KindTimeout
	// KindTooLarge means a request body was too large (HTTP 413).
	KindTooLarge
	// KindNotSupported means the endpoint uses a construct the engine cannot
	// run yet (HTTP 501).
	KindNotSupported
)

// Error is an engine-made error with what a caller needs to act on it.
// Detail must never contain a secret.
type Error struct {
	Kind Kind
	// Param names the offending input, for KindInput.
	Param string
	// Upstream names the consumer namespace and operation, for upstream kinds.
	Upstream string
	// Detail is a human sentence saying what went wrong and what to change.
	Detail string
	// Err is the underlying cause (not shown to callers).
	Err error
}

// Error returns Detail, or a generic text.
func (e *Error) Error() string {
	if e.Detail != "" {
		return e.Detail
	}
	if e.Err != nil {
		return e.Err.Error()
	}
	return "internal error"
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// InputErrorf returns a KindInput error naming param.
func InputErrorf(param, format string, args ...any) *Error {
	return &Error{Kind: KindInput, Param: param, Detail: fmt.Sprintf(format, args...)}
}

// AsError returns err as an *Error, wrapping unknown errors as KindInternal.
func AsError(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return &Error{Kind: KindInternal, Detail: "internal error", Err: err}
}
