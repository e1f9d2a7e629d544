// Package consume is the outbound side of the engine: one Client per consumed
// namespace (`capability.consumes[]`) that turns a consumed operation plus a
// pool of values into exactly one HTTP request to the upstream API, and hands
// back the upstream's answer untouched.
//
// Everything that can be decided from the capability file alone (base URI,
// path templates, parameter templates, request-body templates, the
// authentication scheme) is compiled once by New; Call only evaluates. Call
// returns a Response for every HTTP status, so that callers can pass 4xx/5xx
// through; its errors are typed: *InputError (the caller's fault),
// *TransportError (the upstream could not be reached, timed out or answered
// too much) and *ConfigError (the capability or its binds are wrong).
//
// Secrets (bind values, rendered credentials) never appear in an error
// message: URLs are echoed with their query values redacted and every known
// secret value is scrubbed from wrapped error texts.
package consume
