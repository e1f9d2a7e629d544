package expose

import (
	"context"
	"time"
)

// Invocation is the outcome of one invocation of an exposed endpoint, as an
// Observer sees it.
type Invocation struct {
	// AdapterType is rest or mcp.
	AdapterType string
	// Adapter is the adapter namespace.
	Adapter string
	// Operation names the endpoint: "METHOD /path" for a REST operation, the
	// tool name for an MCP tool, the resource URI for an MCP resource.
	Operation string
	// Status is the upstream status of a Result, or the HTTP status a REST
	// caller gets for an engine error (StatusOf).
	Status int
	// Err is the engine error, nil when a Result was returned.
	Err *Error
	// Duration is how long the invocation took.
	Duration time.Duration
}

// UpstreamCall is the outcome of one call to a consumed operation.
type UpstreamCall struct {
	// Namespace is the consumer namespace.
	Namespace string
	// Operation is the consumed operation name.
	Operation string
	// Method is the HTTP method sent.
	Method string
	// Status is the upstream HTTP status; 0 when no answer arrived.
	Status int
	// Err is the transport failure, nil when an answer arrived.
	Err *Error
	// Duration is how long the call took.
	Duration time.Duration
}

// Observer receives the outcome of every invocation and every upstream call,
// for metrics. Implementations must be safe for concurrent use and fast: they
// run on the request path.
type Observer interface {
	ObserveInvocation(ctx context.Context, inv Invocation)
	ObserveUpstream(ctx context.Context, call UpstreamCall)
}

// StatusOf is the HTTP status the REST adapter answers for an engine error of
// kind k; metrics and logs use the same mapping.
func StatusOf(k Kind) int {
	switch k {
	case KindInput:
		return 400
	case KindTooLarge:
		return 413
	case KindNotSupported:
		return 501
	case KindUnreachable:
		return 502
	case KindTimeout:
		return 504
	default:
		return 500
	}
}

// String returns the kind's name as used in logs and metric labels: input,
// too_large, not_supported, unreachable, timeout or internal.
func (k Kind) String() string {
	switch k {
	case KindInput:
		return "input"
	case KindTooLarge:
		return "too_large"
	case KindNotSupported:
		return "not_supported"
	case KindUnreachable:
		return "unreachable"
	case KindTimeout:
		return "timeout"
	default:
		return "internal"
	}
}
