// Command logto-sandbox serves a local emulator of Logto's Management API for organization
// invitations (see internal/sandbox).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/naftiko-go/naftiko/internal/sandbox"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("logto-sandbox", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", "127.0.0.1:3001", "listen address (port 0 picks a free port)")
	clientID := fs.String("client-id", sandbox.DefaultClientID, "client id accepted by POST /oidc/token")
	clientSecret := fs.String("client-secret", sandbox.DefaultClientSecret, "client secret accepted by POST /oidc/token")
	token := fs.String("token", "", "a fixed bearer token that is always accepted")
	dataFile := fs.String("data", "", "persist the whole state to this JSON file (default: memory only)")
	noEmail := fs.Bool("no-email-connector", false, "behave as a tenant without an e-mail connector (sends fail with 501)")
	devHeader := fs.Bool("dev-header", false, "accept the development-user-id header in place of a token")
	logLevel := fs.String("log-level", "info", "debug, info, warn or error")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(*logLevel)); err != nil {
		fmt.Fprintf(stderr, "logto-sandbox: invalid --log-level %q\n", *logLevel)
		return 2
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))

	srv, err := sandbox.Open(sandbox.Options{
		ClientID: *clientID, ClientSecret: *clientSecret, Token: *token,
		NoEmailConnector: *noEmail, DevHeader: *devHeader, DataFile: *dataFile, Logger: log,
	})
	if err != nil {
		fmt.Fprintf(stderr, "logto-sandbox: %v\n", err)
		return 1
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		fmt.Fprintf(stderr, "logto-sandbox: %v\n", err)
		return 1
	}
	base := "http://" + ln.Addr().String()
	secret := "$CLIENT_SECRET"
	if *clientSecret == sandbox.DefaultClientSecret {
		secret = *clientSecret // the documented default is no secret; a custom one is never printed
	}
	fmt.Fprintf(stdout, "listening on %s (token: curl -s -u %s:%s -d grant_type=client_credentials -d resource=https://default.logto.app/api -d scope=all %s/oidc/token)\n",
		base, *clientID, secret, base)

	hs := &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		fmt.Fprintf(stderr, "logto-sandbox: %v\n", err)
		return 1
	case <-ctx.Done():
	}
	// Every change is on disk before its response is written, so letting in-flight requests
	// finish is all a clean stop needs.
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := hs.Shutdown(shutdownCtx); err != nil {
		fmt.Fprintf(stderr, "logto-sandbox: shutdown: %v\n", err)
		return 1
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		fmt.Fprintf(stderr, "logto-sandbox: %v\n", err)
		return 1
	}
	log.Info("stopped")
	return 0
}
