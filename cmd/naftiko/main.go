// Command naftiko serves Naftiko capability files: REST and MCP adapters in
// front of the upstream HTTP APIs they consume.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/naftiko-go/naftiko/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Main(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
