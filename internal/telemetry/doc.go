// Package telemetry builds the trace provider of `naftiko serve`: spans are
// always made (so that W3C trace context reaches upstreams with fresh span
// ids), recorded when something receives them — the control adapter's
// /traces buffer (Options.Local) or an exporter — and exported only when an
// OTLP endpoint is configured, over OTLP/HTTP
// with the JSON encoding — a small hand-written exporter instead of
// otlptracehttp, whose protobuf and gRPC dependencies would grow the binary
// by about a third.
package telemetry
