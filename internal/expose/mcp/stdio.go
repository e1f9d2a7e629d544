package mcp

import (
	"context"
	"io"
	"log/slog"

	"github.com/mark3labs/mcp-go/server"
)

// ServeStdio serves the adapter on newline-delimited JSON-RPC over in and
// out (`transport: stdio`) until in ends (the client closed it; nil is
// returned) or ctx is done. Nothing but JSON-RPC is written to out: logs go
// to the adapter's logger, which the CLI writes to stderr.
func (s *Server) ServeStdio(ctx context.Context, in io.Reader, out io.Writer) error {
	ss := server.NewStdioServer(s.mcp)
	ss.SetErrorLogger(slog.NewLogLogger(s.log.Handler(), slog.LevelWarn))
	s.log.Info("serving MCP on stdio")
	return ss.Listen(ctx, in, out)
}
