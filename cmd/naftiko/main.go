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
	// SIGHUP reloads the served configuration instead of ending the process.
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	app := &cli.App{Stdout: os.Stdout, Stderr: os.Stderr, Reload: hup}
	code := app.Run(ctx, os.Args[1:])
	signal.Stop(hup)
	stop()
	os.Exit(code)
}
