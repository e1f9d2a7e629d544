// Package control is the control adapter (`type: control`): health
// (/health/live, /health/ready), engine status (/status) and Prometheus
// metrics (/metrics). Metrics is the registry the engine feeds through the
// expose.Observer hooks; it is written in the Prometheus text format with
// the standard library only.
package control
