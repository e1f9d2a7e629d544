package consume

import (
	"context"
	"fmt"
	"net/http"
	"time"
)

// This file holds the per-consumer limits (concurrency, per-operation
// timeouts) and the hook that adds trace context to outbound requests.

// timeoutOf is the timeout of one call of the operation named op: its own
// (Options.OperationTimeouts), else the consumer's.
func (c *Client) timeoutOf(op string) time.Duration {
	if d, ok := c.opTimeouts[op]; ok && d > 0 {
		return d
	}
	return c.timeout
}

// acquire takes one of the consumer's concurrency slots, waiting at most
// until ctx (which carries the call's timeout) ends. A call that cannot get
// a slot in time is a timeout: the caller sees 504 with a detail that names
// the limit rather than the upstream.
func (c *Client) acquire(ctx context.Context, o *operation, timeout time.Duration) error {
	if c.sem == nil {
		return nil
	}
	select {
	case c.sem <- struct{}{}:
		return nil
	default:
	}
	select {
	case c.sem <- struct{}{}:
		return nil
	case <-ctx.Done():
		err := fmt.Errorf("%d calls to consumer %q were already in flight (the concurrency limit) and none finished within %s: %w",
			cap(c.sem), c.ns, timeout, ctx.Err())
		return &TransportError{Namespace: c.ns, Operation: o.name, Method: o.method, Timeout: isTimeout(ctx, ctx.Err()), Err: err}
	}
}

// release gives back the slot taken by acquire.
func (c *Client) release() {
	if c.sem != nil {
		<-c.sem
	}
}

// inject lets Options.InjectHeaders add headers (W3C traceparent) that
// depend on the call's context.
func (c *Client) inject(ctx context.Context, h http.Header) {
	if c.injectHeaders != nil {
		c.injectHeaders(ctx, h)
	}
}
