package mcp

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"unicode/utf8"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"

	"github.com/naftiko-go/naftiko/internal/expose"
	"github.com/naftiko-go/naftiko/internal/spec"
)

// maxResourceBytes bounds a static resource file read into a response.
const maxResourceBytes = 16 << 20

// defaultResourceMIME is the MIME type of a dynamic resource that declares
// none (reference engine).
const defaultResourceMIME = "application/json"

// resources are the MCP resources of an adapter, ready to register.
type resources struct {
	plain     []server.ServerResource
	templates []server.ServerResourceTemplate
}

// buildResources turns the adapter's `resources` into mcp-go resources:
// dynamic ones (call/steps) read through inv, a URI with {x} becoming a
// template whose captured values are the inputs; static ones (location)
// expanded to one resource per file of the directory.
func buildResources(adapter *spec.Expose, inv expose.Invoker, log *slog.Logger) (resources, error) {
	var out resources
	for _, r := range adapter.MCP.Resources {
		if r == nil {
			continue
		}
		if r.Name == "" || r.URI == "" {
			return out, fmt.Errorf("%s: a resource needs a name and a uri", r.Path)
		}
		if r.Location != "" {
			plain, err := staticResources(adapter, r, log)
			if err != nil {
				return out, fmt.Errorf("%s: resource %q: %w", r.Path, r.Name, err)
			}
			out.plain = append(out.plain, plain...)
			continue
		}
		d := &dynamicResource{adapter: adapter, r: r, inv: inv, log: log.With("resource", r.Name)}
		if strings.Contains(r.URI, "{") {
			tmpl, err := newTemplate(r)
			if err != nil {
				return out, fmt.Errorf("%s: resource %q: %w", r.Path, r.Name, err)
			}
			out.templates = append(out.templates, server.ServerResourceTemplate{Template: tmpl, Handler: d.read})
			continue
		}
		opts := []mcp.ResourceOption{mcp.WithResourceDescription(r.Description), mcp.WithMIMEType(orDefault(r.MimeType, defaultResourceMIME))}
		if r.Label != "" {
			opts = append(opts, mcp.WithResourceTitle(r.Label))
		}
		out.plain = append(out.plain, server.ServerResource{Resource: mcp.NewResource(r.URI, r.Name, opts...), Handler: d.read})
	}
	return out, nil
}

// newTemplate builds the resource template, turning mcp-go's panic on a bad
// RFC 6570 template into an error.
func newTemplate(r *spec.MCPResource) (t mcp.ResourceTemplate, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("uri %q is not a valid URI template: %v", r.URI, p)
		}
	}()
	opts := []mcp.ResourceTemplateOption{mcp.WithTemplateDescription(r.Description), mcp.WithTemplateMIMEType(orDefault(r.MimeType, defaultResourceMIME))}
	if r.Label != "" {
		opts = append(opts, mcp.WithTemplateTitle(r.Label))
	}
	return mcp.NewResourceTemplate(r.URI, r.Name, opts...), nil
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// dynamicResource reads a resource by invoking its endpoint.
type dynamicResource struct {
	adapter *spec.Expose
	r       *spec.MCPResource
	inv     expose.Invoker
	log     *slog.Logger
}

// read invokes the endpoint with the values captured from the URI. Engine
// errors and upstream errors are JSON-RPC errors: a resource has no isError.
func (d *dynamicResource) read(ctx context.Context, req mcp.ReadResourceRequest) ([]mcp.ResourceContents, error) {
	values := make(map[string]any, len(req.Params.Arguments))
	for k, v := range req.Params.Arguments {
		if list, ok := v.([]string); ok && len(list) == 1 {
			v = list[0]
		}
		values[k] = v
	}
	res, err := d.inv.Invoke(ctx, d.adapter, &d.r.Endpoint, expose.Inputs{Values: values})
	if err != nil {
		e := expose.AsError(err)
		d.log.Log(ctx, levelOf(e), "resource read failed", logKeyKind, e.Kind.String(), logKeyError, err.Error())
		if e.Kind == expose.KindInternal {
			return nil, errors.New("the server could not read the resource; the error was logged")
		}
		return nil, errors.New(e.Error())
	}
	if res == nil {
		return nil, errors.New("the server could not read the resource; the error was logged")
	}
	if res.Status >= 400 {
		return nil, fmt.Errorf("upstream answered HTTP %d: %s", res.Status, truncate(string(res.Body), 2048))
	}
	mt := d.r.MimeType
	if mt == "" {
		mt = defaultResourceMIME
		if res.ContentType != "" && !res.IsJSON {
			mt = res.ContentType
		}
	}
	return []mcp.ResourceContents{contents(req.Params.URI, mt, res.Body)}, nil
}

func levelOf(e *expose.Error) slog.Level {
	switch e.Kind {
	case expose.KindInput:
		return slog.LevelDebug
	case expose.KindInternal:
		return slog.LevelError
	}
	return slog.LevelWarn
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// contents is text when data is UTF-8, else a base64 blob.
func contents(uri, mimeType string, data []byte) mcp.ResourceContents {
	if utf8.Valid(data) {
		return mcp.TextResourceContents{URI: uri, MIMEType: mimeType, Text: string(data)}
	}
	return mcp.BlobResourceContents{URI: uri, MIMEType: mimeType, Blob: base64.StdEncoding.EncodeToString(data)}
}

// staticResources lists the files under the resource's location, one
// resource each, URI = declared URI + "/" + relative path.
func staticResources(adapter *spec.Expose, r *spec.MCPResource, log *slog.Logger) ([]server.ServerResource, error) {
	dir, err := expose.ResolveLocation(r.Location, adapter.Pos.File)
	if err != nil {
		return nil, err
	}
	st, err := os.Stat(dir)
	if err != nil || !st.IsDir() {
		return nil, fmt.Errorf("location %q: %s is not a directory", r.Location, dir)
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, fmt.Errorf("location %q: %w", r.Location, err)
	}
	// The root stays open for the life of the process: reads go through it
	// so that no path, symbolic links included, escapes the directory.
	var out []server.ServerResource
	base := strings.TrimSuffix(r.URI, "/")
	err = fs.WalkDir(root.FS(), ".", func(p string, de fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if de.IsDir() || !de.Type().IsRegular() {
			return nil // directories are walked; symbolic links and devices are not served
		}
		if expose.SafeRelPath(p) != nil {
			log.Warn("static resource file skipped: unsafe name", "resource", r.Name, "file", p)
			return nil
		}
		uri := base + "/" + p
		mt := r.MimeType
		if mt == "" {
			mt = expose.MediaTypeByExtension(p)
		}
		opts := []mcp.ResourceOption{mcp.WithResourceDescription(r.Description), mcp.WithMIMEType(mt)}
		if r.Label != "" {
			opts = append(opts, mcp.WithResourceTitle(r.Label))
		}
		if info, err := de.Info(); err == nil {
			opts = append(opts, mcp.WithResourceSize(info.Size()))
		}
		h := &staticFile{root: root, rel: p, mime: mt}
		out = append(out, server.ServerResource{Resource: mcp.NewResource(uri, r.Name+"/"+p, opts...), Handler: h.read})
		return nil
	})
	if err != nil {
		_ = root.Close()
		return nil, fmt.Errorf("location %q: %w", r.Location, err)
	}
	return out, nil
}

// staticFile reads one file of a static resource.
type staticFile struct {
	root *os.Root
	rel  string
	mime string
}

func (s *staticFile) read(_ context.Context, req mcp.ReadResourceRequest) ([]mcp.ResourceContents, error) {
	if err := expose.SafeRelPath(s.rel); err != nil {
		return nil, err
	}
	f, err := s.root.Open(filepath.FromSlash(s.rel))
	if err != nil {
		return nil, fmt.Errorf("cannot read %s: %w", s.rel, errors.Unwrap(err))
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxResourceBytes+1))
	if err != nil {
		return nil, fmt.Errorf("cannot read %s", s.rel)
	}
	if len(data) > maxResourceBytes {
		return nil, fmt.Errorf("%s is larger than %d bytes", s.rel, maxResourceBytes)
	}
	return []mcp.ResourceContents{contents(req.Params.URI, s.mime, data)}, nil
}
