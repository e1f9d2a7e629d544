package consume

import (
	"errors"
	"fmt"
	"strings"
)

// ErrNotSupported is wrapped by errors about constructs the engine parses but
// cannot execute yet (digest and OAuth 2 client authentication, …).
var ErrNotSupported = errors.New("not supported yet")

// ErrResponseTooLarge is wrapped by a *TransportError when the upstream
// response body exceeds Options.MaxResponseBytes.
var ErrResponseTooLarge = errors.New("response body too large")

// StatusError is an upstream answer with an HTTP status of 400 or more. The
// body is the upstream's own, unchanged.
type StatusError struct {
	Status int
	Body   []byte
}

// Error reports the status only: the body belongs to the upstream and may be
// large, so callers decide whether to show it.
func (e *StatusError) Error() string {
	return fmt.Sprintf("upstream responded with status %d", e.Status)
}

// InputError is a caller error: a value the request needs is missing or
// cannot be put on the wire. Param names the parameter (or path placeholder);
// Reason never contains the value.
type InputError struct {
	Param  string
	Reason string
}

// Error names the parameter and the reason.
func (e *InputError) Error() string {
	return fmt.Sprintf("parameter %q: %s", e.Param, e.Reason)
}

// TransportError means no usable upstream answer was obtained: the upstream
// was unreachable, timed out, or sent a response larger than the limit.
// Its message carries the method and the URL with query values redacted, and
// no secret value.
type TransportError struct {
	Namespace string
	Operation string
	// Method and URL describe the request (URL with query values and
	// user-info password redacted); empty when no request was built.
	Method string
	URL    string
	// Timeout is true when the call's deadline passed.
	Timeout bool
	// TooLarge is true when the response exceeded the size limit.
	TooLarge bool
	Err      error
}

// Error describes the failure without any secret.
func (e *TransportError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "consumer %q operation %q", e.Namespace, e.Operation)
	if e.Method != "" {
		fmt.Fprintf(&b, ": %s %s", e.Method, e.URL)
	}
	if e.Timeout {
		b.WriteString(": upstream timed out")
	}
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

// Unwrap returns the cause.
func (e *TransportError) Unwrap() error { return e.Err }

// ConfigError is a problem with the capability file or its binds, found by New
// (an unsupported construct, a template that does not parse, a body declared
// twice) or by Call (a credential that renders empty). Operation is empty for
// consumer-wide problems.
type ConfigError struct {
	Namespace string
	Operation string
	Err       error
}

// Error names the consumer (and operation) and the problem.
func (e *ConfigError) Error() string {
	if e.Operation != "" {
		return fmt.Sprintf("consumer %q operation %q: %v", e.Namespace, e.Operation, e.Err)
	}
	return fmt.Sprintf("consumer %q: %v", e.Namespace, e.Err)
}

// Unwrap returns the cause.
func (e *ConfigError) Unwrap() error { return e.Err }

// BaseURIError reports base-URI placeholders that have no value (SPEC §4).
type BaseURIError struct {
	Namespace string
	// BaseURI is the base URI as written (never rendered: a rendered URI
	// could contain bind values).
	BaseURI string
	// Placeholders are the unresolved placeholders as written: "[tenant_id]",
	// "{{REGION}}".
	Placeholders []string
	// EnvVars are the environment variables that would resolve them, in the
	// same order.
	EnvVars []string
}

// Error names each placeholder and both ways to fix it.
func (e *BaseURIError) Error() string {
	fix := fmt.Sprintf("pass --base-uri %s=URL", e.Namespace)
	if len(e.Placeholders) == 0 {
		return fmt.Sprintf("consumer %q has no base URI; %s", e.Namespace, fix)
	}
	if len(e.Placeholders) == 1 {
		return fmt.Sprintf("base URI %q of consumer %q: placeholder %s is not set; set environment variable %s or %s",
			e.BaseURI, e.Namespace, e.Placeholders[0], e.EnvVars[0], fix)
	}
	return fmt.Sprintf("base URI %q of consumer %q: placeholders %s are not set; set environment variables %s or %s",
		e.BaseURI, e.Namespace, strings.Join(e.Placeholders, ", "), strings.Join(e.EnvVars, ", "), fix)
}

// redactedError carries a cause whose text contained a secret: it shows the
// scrubbed text, yet still answers errors.Is for the cause (timeouts,
// connection refused) without exposing the original text via Unwrap.
type redactedError struct {
	msg   string
	cause error
}

func (e *redactedError) Error() string { return e.msg }

func (e *redactedError) Is(target error) bool { return errors.Is(e.cause, target) }
