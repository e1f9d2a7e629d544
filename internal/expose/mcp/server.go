package mcp

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"

	"github.com/naftiko-go/naftiko/internal/expose"
	"github.com/naftiko-go/naftiko/internal/spec"
)

// DefaultVersion is the server version announced when Options.Version is empty.
const DefaultVersion = "dev"

// DefaultMaxBodyBytes is the message size limit when Options.MaxBodyBytes is 0.
const DefaultMaxBodyBytes int64 = 1 << 20

// Log attribute keys.
const (
	logKeyComponent = "component"
	logKeyAdapter   = "adapter"
	logKeyTool      = "tool"
	logKeyKind      = "kind"
	logKeyError     = "error"
	logKeyOrigin    = "origin"
)

// Options configure the MCP adapter.
type Options struct {
	// Logger receives one line per MCP request and tool call, and failures;
	// nil discards them.
	Logger *slog.Logger
	// Version is the serverInfo version; DefaultVersion when empty.
	Version string
	// MaxBodyBytes bounds a request's JSON-RPC message (413 beyond); 0
	// means DefaultMaxBodyBytes.
	MaxBodyBytes int64
	// AllowedOrigins are browser origins (e.g. "https://app.example.com", or a
	// bare host "app.example.com") allowed besides the server's own host and
	// loopback; "*" allows every origin.
	AllowedOrigins []string
}

// Server is the MCP server of one adapter.
type Server struct {
	mcp     *server.MCPServer
	http    *server.StreamableHTTPServer
	fast    *fastCalls // in front of http
	handler http.Handler
	log     *slog.Logger
}

// New builds the MCP server of an MCP adapter: one tool per `tools` entry,
// each invoking inv. It fails on a tool without a name, on duplicate tool
// names and on an input schema that cannot be built.
func New(adapter *spec.Expose, inv expose.Invoker, opts Options) (*Server, error) {
	if adapter == nil || adapter.MCP == nil {
		return nil, errors.New("mcp: adapter is not an mcp adapter")
	}
	if inv == nil {
		return nil, errors.New("mcp: invoker is nil")
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	log = log.With(logKeyComponent, "mcp", logKeyAdapter, adapter.Namespace)
	version := opts.Version
	if version == "" {
		version = DefaultVersion
	}

	tools := make([]server.ServerTool, 0, len(adapter.MCP.Tools))
	handlers := make(map[string]*tool, len(adapter.MCP.Tools))
	order := map[string]int{}
	for i, t := range adapter.MCP.Tools {
		if t == nil {
			continue
		}
		if t.Name == "" {
			return nil, fmt.Errorf("mcp: %s: tool has no name", t.Path)
		}
		if _, dup := order[t.Name]; dup {
			return nil, fmt.Errorf("mcp: %s: tool %q is declared twice", t.Path, t.Name)
		}
		order[t.Name] = i
		st, h, err := buildTool(adapter, t, inv, log)
		if err != nil {
			return nil, fmt.Errorf("mcp: %s: %w", t.Path, err)
		}
		tools = append(tools, st)
		handlers[t.Name] = h
	}

	var srvOpts []server.ServerOption
	// mcp-go logs only at INFO, which debugHandler demotes to debug: when
	// the logger drops debug lines, installing it would only build
	// attributes nobody reads on every request and tool call.
	if log.Enabled(context.Background(), slog.LevelDebug) {
		// Logging first so that it is the outer middleware and sees
		// recovered panics as errors.
		srvOpts = append(srvOpts, server.WithLogger(slog.New(debugHandler{log.Handler()})))
	}
	srvOpts = append(srvOpts,
		// The tool set is fixed for the life of the server.
		server.WithToolCapabilities(false),
		server.WithRecovery(),
		// mcp-go lists tools sorted by name; the file's order is the
		// author's, so restore it.
		server.WithToolFilter(func(_ context.Context, ts []mcp.Tool) []mcp.Tool {
			// mcp-go also runs filters on every tools/call, with one tool.
			if len(ts) < 2 {
				return ts
			}
			slices.SortStableFunc(ts, func(a, b mcp.Tool) int {
				return rank(order, a.Name) - rank(order, b.Name)
			})
			return ts
		}),
	)
	if adapter.Description != "" {
		srvOpts = append(srvOpts, server.WithInstructions(adapter.Description))
	}
	res, err := buildResources(adapter, inv, log)
	if err != nil {
		return nil, fmt.Errorf("mcp: %w", err)
	}
	prompts, err := buildPrompts(adapter)
	if err != nil {
		return nil, fmt.Errorf("mcp: %w", err)
	}
	// Capabilities are announced only for what the file declares, as the
	// reference engine does.
	if len(adapter.MCP.Resources) > 0 {
		srvOpts = append(srvOpts, server.WithResourceCapabilities(false, false))
	}
	if len(adapter.MCP.Prompts) > 0 {
		srvOpts = append(srvOpts, server.WithPromptCapabilities(false))
	}
	ms := server.NewMCPServer(adapter.Namespace, version, srvOpts...)
	if len(tools) > 0 {
		ms.AddTools(tools...)
	}
	if len(res.plain) > 0 {
		ms.AddResources(res.plain...)
	}
	if len(res.templates) > 0 {
		ms.AddResourceTemplates(res.templates...)
	}
	if len(prompts) > 0 {
		ms.AddPrompts(prompts...)
	}

	// Stateless: no session to leak or to require (ecosystem notes §1.1);
	// every tool call is independent, so nothing needs a session.
	// No standalone GET stream (405, as the reference engine): a stateless
	// server never has anything to send on it, and an idle stream would
	// hold graceful shutdown for the whole grace period.
	hs := server.NewStreamableHTTPServer(ms,
		server.WithStateLess(true),
		server.WithDisableStreaming(true),
		server.WithStreamableHTTPLogger(log),
	)
	limit := opts.MaxBodyBytes
	if limit <= 0 {
		limit = DefaultMaxBodyBytes
	}
	fast := &fastCalls{next: hs, tools: handlers, maxBody: limit, off: log.Enabled(context.Background(), slog.LevelDebug)}
	return &Server{
		mcp:     ms,
		http:    hs,
		fast:    fast,
		handler: originGuard(fast, opts.AllowedOrigins, log),
		log:     log,
	}, nil
}

// rank is a tool's declaration index; unknown names sort last.
func rank(order map[string]int, name string) int {
	if i, ok := order[name]; ok {
		return i
	}
	return len(order)
}

// Handler returns the streamable HTTP handler; the engine mounts it at /mcp.
func (s *Server) Handler() http.Handler { return s.handler }

// Shutdown closes the server's sessions (none in stateless mode, kept for a
// future stateful mode); the listener belongs to the engine, which shuts its
// own http.Server down.
func (s *Server) Shutdown(ctx context.Context) error {
	return s.http.Shutdown(ctx)
}

// debugHandler logs mcp-go's per-request and per-tool-call INFO lines at
// debug level, as the engine logs its own per-call line (and as the REST
// adapter does, which has no access log): two lines per call at the
// default level cost about 8 % of the CPU of a tool call.
type debugHandler struct{ slog.Handler }

func (h debugHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return h.Handler.Enabled(ctx, demote(l))
}

func (h debugHandler) Handle(ctx context.Context, r slog.Record) error {
	r.Level = demote(r.Level)
	return h.Handler.Handle(ctx, r)
}

func (h debugHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return debugHandler{h.Handler.WithAttrs(as)}
}

func (h debugHandler) WithGroup(name string) slog.Handler {
	return debugHandler{h.Handler.WithGroup(name)}
}

func demote(l slog.Level) slog.Level {
	if l == slog.LevelInfo {
		return slog.LevelDebug
	}
	return l
}
