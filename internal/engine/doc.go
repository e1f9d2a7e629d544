// Package engine turns loaded capability documents into running servers.
//
// Build compiles everything a set of documents needs — bind values, one
// consume.Client per consumer, a compiled plan per exposed endpoint, one
// handler per adapter — without listening, so `naftiko validate` and
// `naftiko serve` share one code path. Run opens the listeners, serves every
// adapter and shuts them all down gracefully when its context ends.
//
// The engine implements expose.Invoker: REST and MCP adapters hand it an
// endpoint and the caller's inputs, and it resolves `with`, calls the
// upstream and shapes the result, so both transports behave identically.
package engine
