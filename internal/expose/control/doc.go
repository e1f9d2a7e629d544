// Package control is the control adapter (`type: control`): health
// (/health/live, /health/ready), engine status (/status), Prometheus
// metrics (/metrics) and the recent traces (/traces). Metrics is the
// registry the engine feeds through the expose.Observer hooks; it is written
// in the Prometheus text format with the standard library only. TraceBuffer
// is a span processor of the tracer provider that keeps the last traces in
// memory.
package control
