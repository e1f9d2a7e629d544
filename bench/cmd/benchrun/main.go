// Command benchrun is the end-to-end benchmark of naftiko (bench/run.sh,
// `make bench`). It starts a fake upstream, two baselines (a bare
// httputil.ReverseProxy and a bare mcp-go stateless server) and the real
// naftiko binary serving bench/capability.yaml, then loads them in
// interleaved rounds with its own closed-loop generator and reports CPU per
// request (from /proc), throughput, latency, cold start and memory.
//
//	benchrun run -naftiko BIN -hello BIN -capability FILE [-doc FILE]
//	benchrun upstream | proxy URL | mcpbare URL   (fixtures, started by run)
//	benchrun load -url URL [-tool NAME -args JSON] [-c N] [-n N] [-d D]
//
// `load` is the generator alone, for profiling a running server.
//
// Loopback only; every phase is bounded by a request count and a duration.
package main

import (
	"fmt"
	"os"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: benchrun run [flags] | upstream | proxy URL | mcpbare URL")
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "run":
		err = run(os.Args[2:])
	case "load":
		err = loadCmd(os.Args[2:])
	case "upstream":
		err = serveFixture(upstreamHandler())
	case "proxy", "mcpbare":
		if len(os.Args) < 3 {
			err = fmt.Errorf("%s: missing upstream URL", os.Args[1])
			break
		}
		if os.Args[1] == "mcpbare" {
			err = serveFixture(bareMCPHandler(os.Args[2]))
			break
		}
		h, perr := proxyHandler(os.Args[2])
		if perr != nil {
			err = perr
			break
		}
		err = serveFixture(h)
	default:
		err = fmt.Errorf("unknown command %q", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchrun:", err)
		os.Exit(1)
	}
}
