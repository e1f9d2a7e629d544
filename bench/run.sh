#!/usr/bin/env bash
# bench/run.sh — the end-to-end benchmark behind `make bench` (issue 7).
#
# Builds naftiko, a bare net/http server (bench/cmd/hello) and the driver
# (bench/cmd/benchrun), then runs the driver: a fake upstream, a bare
# httputil.ReverseProxy, a bare mcp-go server and naftiko serving
# bench/capability.yaml, loaded in interleaved rounds on 127.0.0.1 only.
# The results replace the generated section of docs/BENCHMARKS.md.
#
# Environment:
#   BENCH_DOC=FILE      markdown file to update (default docs/BENCHMARKS.md; empty: print only)
#   NAFTIKO_BIN=PATH    benchmark this naftiko binary instead of building ./cmd/naftiko
#   NAFTIKO_LABEL=TEXT  how the report names that binary
#   BENCH_COMMAND=TEXT  the command the report shows (default: bench/run.sh and its arguments)
#   GO=go               the go command
# Extra arguments go to `benchrun run` (see `benchrun run -h`), e.g.
#   bench/run.sh -rounds 3 -engine-flags "--log-level warn"
set -euo pipefail
cd "$(dirname "$0")/.."
GO=${GO:-go}
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/naftiko-bench.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

export CGO_ENABLED=0
if [ -z "${NAFTIKO_BIN:-}" ]; then
	# As `make build` does.
	"$GO" build -trimpath -ldflags='-s -w' -o "$tmp/naftiko" ./cmd/naftiko
	NAFTIKO_BIN=$tmp/naftiko
	label="built from the working tree at $(git describe --tags --always --dirty 2>/dev/null || echo 'an unknown commit')"
else
	label=${NAFTIKO_LABEL:-$NAFTIKO_BIN}
fi
"$GO" build -trimpath -ldflags='-s -w' -o "$tmp/hello" ./bench/cmd/hello
"$GO" build -trimpath -ldflags='-s -w' -o "$tmp/benchrun" ./bench/cmd/benchrun

echo "bench: load average before: $load_before ($(nproc) CPUs)" >&2
"$tmp/benchrun" run \
	-naftiko "$NAFTIKO_BIN" -hello "$tmp/hello" -capability bench/capability.yaml \
	-doc "${BENCH_DOC-docs/BENCHMARKS.md}" -loadavg "$load_before" \
	-command "${BENCH_COMMAND:-bench/run.sh${*:+ $*}}" -label "$label" "$@"
