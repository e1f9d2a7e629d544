package engine_test

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/mcp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/naftiko-go/naftiko/internal/consume/formats"
	"github.com/naftiko-go/naftiko/internal/engine"
	"github.com/naftiko-go/naftiko/internal/spec"
)

// The reference engine's test resources (reference §8.2), loaded in place
// from the shared corpus and served in-process against fake upstreams of our
// own. Each test reproduces the values the reference engine's Java test for
// that file asserts; where our engine differs on purpose
// (docs/COMPATIBILITY.md), the test asserts our behaviour and says so.

const referenceDir = "../../../shared/corpus/reference-engine/test-resources"

// referenceFile returns the path of a reference test resource, skipping the
// test when the corpus is not there.
func referenceFile(t *testing.T, rel string) string {
	t.Helper()
	p := filepath.Join(referenceDir, filepath.FromSlash(rel))
	if _, err := os.Stat(p); err != nil {
		t.Skipf("the reference test resources are not available at %s: %v", p, err)
	}
	return p
}

// loadReference loads a reference test resource, failing on errors.
func loadReference(t *testing.T, rel string) *spec.Document {
	t.Helper()
	return loadCapability(t, referenceFile(t, rel))
}

// buildReference loads and builds a reference test resource with every
// consumer pointed at upstream (when not empty) and every adapter, control
// adapters included, on a free loopback port.
func buildReference(t *testing.T, rel, upstream string, mutate func(*engine.Options)) (*engine.Engine, spec.Diagnostics) {
	t.Helper()
	doc := loadReference(t, rel)
	for _, x := range doc.Capability.Exposes {
		if x.Control != nil {
			x.Port = 0 // control adapters have no namespace for Options.Ports
		}
	}
	return buildDoc(t, doc, upstream, mutate)
}

// serveReference builds and serves a reference test resource; it returns the
// adapters' base URLs by namespace (a control adapter's under "").
func serveReference(t *testing.T, rel, upstream string) map[string]string {
	t.Helper()
	eng, diags := buildReference(t, rel, upstream, nil)
	require.False(t, diags.HasErrors(), "build diagnostics:\n%s", diags.Error())
	return serveEngine(t, eng)
}

// refUpstream is a fake upstream answering what one scenario needs, by
// ServeMux pattern ("GET /v1/forecast"); it records every request.
type refUpstream struct {
	url  string
	mu   sync.Mutex
	seen []seenRequest
}

func newRefUpstream(t *testing.T, routes map[string]http.HandlerFunc) *refUpstream {
	t.Helper()
	mux := http.NewServeMux()
	for pattern, h := range routes {
		mux.HandleFunc(pattern, h)
	}
	u := &refUpstream{}
	u.url = newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		u.mu.Lock()
		u.seen = append(u.seen, seenRequest{Method: r.Method, Path: r.URL.EscapedPath(), RawQuery: r.URL.RawQuery, Header: r.Header.Clone(), Body: string(b)})
		u.mu.Unlock()
		mux.ServeHTTP(w, r)
	}))
	return u
}

// only returns the single request the upstream received.
func (u *refUpstream) only(t *testing.T) seenRequest {
	t.Helper()
	u.mu.Lock()
	defer u.mu.Unlock()
	require.Len(t, u.seen, 1, "requests the fake upstream received")
	return u.seen[0]
}

// answer is a handler writing body with a content type.
func answer(contentType, body string) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", contentType)
		_, _ = io.WriteString(w, body)
	}
}

// closedURL is the URL of a loopback port nothing listens on.
func closedURL(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	u := "http://" + ln.Addr().String()
	require.NoError(t, ln.Close())
	return u
}

// restJSON sends a REST request, requires status want and decodes the body.
func restJSON(t *testing.T, method, u, body string, want int) any {
	t.Helper()
	got := do(t, method, u, body)
	require.Equal(t, want, got.status, got.body)
	return decoded(t, got.body)
}

// listTools returns tools/list as sent on the wire.
func listTools(t *testing.T, c *client.Client) []toolWire {
	t.Helper()
	return (&tutorial{mcp: c}).tools(t)
}

// hasDiag reports whether diags hold a diagnostic of the severity (error or
// not) whose summary contains want.
func hasDiag(diags spec.Diagnostics, want string, isError bool) bool {
	for _, d := range diags {
		if strings.Contains(d.Summary, want) && (d.Severity == spec.SeverityError) == isError {
			return true
		}
	}
	return false
}

// --- aggregates ---------------------------------------------------------

// AggregateIntegrationTest: a tool by ref keeps no call of its own and
// inherits the function's description; a REST operation by ref inherits
// its name; the hints come from the function's semantics.
func TestReferenceAggregateBasic(t *testing.T) {
	t.Parallel()
	up := newRefUpstream(t, map[string]http.HandlerFunc{
		"GET /v1/forecast": answer("application/json", `{"forecast":"Light rain, 14 °C","issuedAt":"2026-04-03T06:00:00Z"}`),
	})
	doc := loadReference(t, "aggregates/aggregate-basic.yaml")
	tools := doc.Capability.Exposes[0].MCP.Tools
	require.Len(t, tools, 2)
	// The POST operation, without a name of its own, is the function's.
	ops := doc.Capability.Exposes[1].Rest.Resources[0].Operations
	require.Len(t, ops, 2)
	assert.Equal(t, "get-forecast", ops[1].Name)
	for _, tl := range tools {
		assert.Empty(t, tl.Call, "tool %s has no call of its own", tl.Name)
		assert.Equal(t, "forecast.get-forecast", tl.Ref)
	}
	eng, diags := buildDoc(t, doc, up.url+"/v1", nil)
	require.False(t, diags.HasErrors(), diags.Error())
	urls := serveEngine(t, eng)

	c := mcpClient(t, urls["forecast-mcp"])
	ts := listTools(t, c)
	assert.Equal(t, []string{"get-forecast", "get-forecast-inherited"}, toolNames(ts))
	assert.Equal(t, "Get the weather forecast.", ts[0].Description)
	assert.Equal(t, "Fetch current weather forecast for a location.", ts[1].Description)
	for _, tl := range ts {
		assert.Equal(t, true, tl.Annotations["readOnlyHint"], tl.Name)
		assert.Equal(t, false, tl.Annotations["destructiveHint"], tl.Name)
		assert.Equal(t, true, tl.Annotations["idempotentHint"], tl.Name)
		// The reference leaves openWorldHint out; we always set all four
		// hints (docs/COMPATIBILITY.md, MCP adapter: Annotations).
		assert.Contains(t, tl.Annotations, "openWorldHint", tl.Name)
	}
	// The function's string output, as a JSON text.
	assert.Equal(t, "Light rain, 14 °C", toolJSON(t, c, "get-forecast-inherited", map[string]any{"location": "Bergen"}))

	// Both REST operations answer through the function.
	for _, method := range []string{http.MethodGet, http.MethodPost} {
		got := do(t, method, urls["forecast-rest"]+"/forecast/Bergen", "")
		assert.Equal(t, http.StatusOK, got.status, method+" "+got.body)
		assert.Contains(t, got.body, "Light rain, 14 °C", method)
	}
}

// AggregateIntegrationTest: hints derived from semantics, overridden per
// tool; a tool without ref has no derived hints.
func TestReferenceAggregateHintsOverride(t *testing.T) {
	t.Parallel()
	urls := serveReference(t, "aggregates/aggregate-hints-override.yaml", closedURL(t)+"/v1")
	ts := listTools(t, mcpClient(t, urls["data-mcp"]))
	require.Equal(t, []string{"read-items", "read-items-open", "delete-item", "plain-tool"}, toolNames(ts))
	hints := func(name string) map[string]any { return findTool(t, ts, name).Annotations }

	for name, want := range map[string]map[string]any{
		"read-items":      {"readOnlyHint": true, "destructiveHint": false, "idempotentHint": true},
		"read-items-open": {"readOnlyHint": true, "destructiveHint": false, "idempotentHint": true, "openWorldHint": true},
		"delete-item":     {"readOnlyHint": false, "destructiveHint": true, "idempotentHint": true, "openWorldHint": false},
	} {
		for k, v := range want {
			assert.Equal(t, v, hints(name)[k], "%s %s", name, k)
		}
	}
	// The reference leaves read-items' openWorldHint and all of
	// plain-tool's hints null; we always set all four, plain-tool's derived
	// from its GET (docs/COMPATIBILITY.md, MCP adapter: Annotations).
	assert.Contains(t, hints("read-items"), "openWorldHint")
	assert.Equal(t, true, hints("plain-tool")["readOnlyHint"])
	assert.Equal(t, false, hints("plain-tool")["destructiveHint"])
}

// AggregateIntegrationTest: an unknown ref fails construction; ours fails
// at load time, positioned (docs/COMPATIBILITY.md: Unknown call/ref target).
func TestReferenceAggregateInvalidRef(t *testing.T) {
	t.Parallel()
	_, diags := spec.Load(referenceFile(t, "aggregates/aggregate-invalid-ref.yaml"))
	require.True(t, diags.HasErrors())
	assert.True(t, hasDiag(diags, `unknown aggregate function ref "unknown.nonexistent"`, true), diags.Error())
	assert.Contains(t, diags.Error(), "aggregate-invalid-ref.yaml:32:")
}

// AggregateSharedMockIntegrationTest: one mock function through MCP and
// REST gives the same JSON.
func TestReferenceAggregateSharedMock(t *testing.T) {
	t.Parallel()
	urls := serveReference(t, "aggregates/aggregate-shared-mock.yaml", "")
	const want = `{"message":"Hello, Nina!","source":"aggregate-mock"}`

	res := callTool(t, mcpClient(t, urls["greeting-mcp"]), "hello", map[string]any{"name": "Nina"})
	require.False(t, res.IsError, resultText(t, res))
	assert.JSONEq(t, want, resultText(t, res))

	got := do(t, http.MethodGet, urls["greeting-rest"]+"/hello?name=Nina", "")
	assert.Equal(t, http.StatusOK, got.status, got.body)
	assert.JSONEq(t, want, got.body)
}

// AggregateStepNamespaceIntegrationTest: `with: shipyard.voyage-id` in an
// aggregate step reaches the consumed call.
func TestReferenceAggregateStepWithNamespace(t *testing.T) {
	t.Parallel()
	up := newRefUpstream(t, map[string]http.HandlerFunc{
		"GET /voyages/{id}": func(w http.ResponseWriter, r *http.Request) {
			writeJSON(w, http.StatusOK, map[string]any{"voyageId": r.PathValue("id"), "departurePort": "Tromsø", "status": "planned"})
		},
	})
	urls := serveReference(t, "aggregates/aggregate-step-with-namespace.yaml", up.url)
	got := toolJSON(t, mcpClient(t, urls["shipyard-mcp"]), "get-voyage-manifest", map[string]any{"voyage-id": "VOY-2026-042"})
	assert.Equal(t, map[string]any{"voyage-id": "VOY-2026-042"}, got)
	assert.Equal(t, "/voyages/VOY-2026-042", up.only(t).Path)
}

// BaseUriTrailingSlashIntegrationTest: the reference rejects a baseUri
// ending with "/"; we tolerate it and join without doubling the slash
// (docs/COMPATIBILITY.md, Loading and validation).
func TestReferenceBaseURITrailingSlash(t *testing.T) {
	t.Parallel()
	up := newRefUpstream(t, map[string]http.HandlerFunc{
		"GET /v1/items/{id}": func(w http.ResponseWriter, r *http.Request) {
			writeJSON(w, http.StatusOK, map[string]any{"id": r.PathValue("id")})
		},
	})
	doc := loadReference(t, "baseuri-trailing-slash-capability.yaml")
	assert.Equal(t, "https://api.example.com/v1/", doc.Capability.Consumes[0].BaseURI)
	eng, diags := buildDoc(t, doc, "", func(o *engine.Options) { o.BaseURIs["backend"] = up.url + "/v1/" })
	require.False(t, diags.HasErrors(), diags.Error())
	urls := serveEngine(t, eng)

	// The forward sends what {path} captured below the base URI.
	got := do(t, http.MethodGet, urls["test"]+"/items/items/crate-7", "")
	assert.Equal(t, http.StatusOK, got.status, got.body)
	assert.JSONEq(t, `{"id":"crate-7"}`, got.body)
	assert.Equal(t, "/v1/items/crate-7", up.only(t).Path)
}

// --- formats --------------------------------------------------------------

// Upstream bodies of our own, holding the values the reference tests
// assert.
const (
	usersCSV = "id,name,email\r\n1,Alice Smith,alice@example.com\r\n2,Bob Johnson,bob@example.com\r\n3,Carol White,carol@example.com\r\n"

	usersXML = `<?xml version="1.0" encoding="UTF-8"?>
<users>
  <user><id>1</id><name>Alice Smith</name><email>alice@example.com</email></user>
  <user><id>2</id><name>Bob Johnson</name><email>bob@example.com</email></user>
  <user><id>3</id><name>Carol White</name><email>carol@example.com</email></user>
</users>`

	usersYAML = `users:
  - id: "1"
    name: Alice Smith
    email: alice@example.com
  - id: "2"
    name: Bob Johnson
    email: bob@example.com
  - id: "3"
    name: Carol White
    email: carol@example.com
`

	// The first table is not a products table: the selector skips it.
	productsHTML = `<!doctype html><html><body>
<table class="opening-hours"><tr><th>Day</th><th>Hours</th></tr><tr><td>Mon</td><td>9-17</td></tr></table>
<table class="products">
  <thead><tr><th>Name</th><th>Price</th><th>Stock</th></tr></thead>
  <tbody>
    <tr><td>Widget</td><td>$19</td><td>140</td></tr>
    <tr><td>Gizmo <b>Pro</b></td><td>$99</td><td>12</td></tr>
  </tbody>
</table></body></html>`

	readmeMarkdown = `---
title: Product Release Notes
version: 4.2.0
---
# Overview

Offline sync leaves beta; dark mode arrives as a preview.

## Features

| Feature | Status |
|---------|--------|
| Offline sync | GA |
| Dark mode | Preview |

## Known issues

Large attachments may sync slowly.
`
)

// CsvIntegrationTest, HtmlIntegrationTest, MarkdownIntegrationTest,
// XmlIntegrationTest, YamlIntegrationTest: the upstream body converted and
// mapped, over REST.
func TestReferenceFormats(t *testing.T) {
	t.Parallel()
	alice := map[string]any{"id": "1", "name": "Alice Smith", "email": "alice@example.com"}
	tests := []struct {
		file, pattern, contentType, body, path string
		check                                  func(t *testing.T, got any)
	}{
		{"formats/csv-capability.yaml", "GET /api/users", "text/csv", usersCSV, "/csv/users", func(t *testing.T, got any) {
			require.Len(t, got, 3)
			assert.Equal(t, alice, got.([]any)[0])
		}},
		{"formats/html-capability.yaml", "GET /api/products", "text/html", productsHTML, "/html/products", func(t *testing.T, got any) {
			assert.Equal(t, []any{
				map[string]any{"name": "Widget", "price": "$19", "stock": "140"},
				map[string]any{"name": "Gizmo Pro", "price": "$99", "stock": "12"},
			}, got)
		}},
		{"formats/markdown-capability.yaml", "GET /api/readme", "text/markdown", readmeMarkdown, "/markdown/features", func(t *testing.T, got any) {
			assert.Equal(t, []any{
				map[string]any{"feature": "Offline sync", "status": "GA"},
				map[string]any{"feature": "Dark mode", "status": "Preview"},
			}, got)
		}},
		{"formats/yaml-capability.yaml", "GET /api/users", "application/yaml", usersYAML, "/yaml/users", func(t *testing.T, got any) {
			require.Len(t, got, 3)
			var names []any
			for _, u := range got.([]any) {
				names = append(names, u.(map[string]any)["name"])
			}
			assert.Equal(t, []any{"Alice Smith", "Bob Johnson", "Carol White"}, names)
			assert.Equal(t, alice, got.([]any)[0])
		}},
	}
	for _, tt := range tests {
		t.Run(filepath.Base(tt.file), func(t *testing.T) {
			t.Parallel()
			up := newRefUpstream(t, map[string]http.HandlerFunc{tt.pattern: answer(tt.contentType, tt.body)})
			urls := serveReference(t, tt.file, up.url)
			var rest string
			for ns, u := range urls {
				if strings.HasPrefix(ns, "test-") {
					rest = u
				}
			}
			tt.check(t, restJSON(t, http.MethodGet, rest+tt.path, "", http.StatusOK))
		})
	}
}

// The converted trees the reference tests assert before any mapping.
func TestReferenceFormatConversions(t *testing.T) {
	t.Parallel()
	// HtmlIntegrationTest: one table (the selector's), two rows.
	v, err := formats.Convert("html", "table.products", []byte(productsHTML))
	require.NoError(t, err)
	tables := v.(map[string]any)["tables"].([]any)
	require.Len(t, tables, 1)
	rows := tables[0].([]any)
	require.Len(t, rows, 2)
	assert.Equal(t, "Widget", rows[0].(map[string]any)["Name"])
	assert.Equal(t, "$99", rows[1].(map[string]any)["Price"])

	// MarkdownIntegrationTest: front matter, table, first section.
	v, err = formats.Convert("markdown", "", []byte(readmeMarkdown))
	require.NoError(t, err)
	md := v.(map[string]any)
	assert.Equal(t, "Product Release Notes", md["frontMatter"].(map[string]any)["title"])
	assert.Equal(t, "GA", md["tables"].([]any)[0].([]any)[0].(map[string]any)["Status"])
	assert.Equal(t, "Overview", md["sections"].([]any)[0].(map[string]any)["heading"])

	// XmlIntegrationTest: the root element is dropped, so the converted
	// JSON is {"user": [3 users]}.
	v, err = formats.Convert("xml", "", []byte(usersXML))
	require.NoError(t, err)
	users := v.(map[string]any)["user"].([]any)
	require.Len(t, users, 3)
	assert.Equal(t, map[string]any{"id": "1", "name": "Alice Smith", "email": "alice@example.com"}, users[0])
}

// xml-capability.yaml maps `$.root.user`, but the conversion drops the root
// element (the reference engine's too: XmlIntegrationTest asserts the
// converted tree, never this mapping), so the path matches nothing. As in
// the reference (§1.7.5: "if none maps, the raw upstream body is returned
// unchanged"), the XML then passes through as sent.
func TestReferenceFormatXMLRootMapping(t *testing.T) {
	t.Parallel()
	up := newRefUpstream(t, map[string]http.HandlerFunc{"GET /api/users": answer("application/xml", usersXML)})
	urls := serveReference(t, "formats/xml-capability.yaml", up.url)
	got := do(t, http.MethodGet, urls["test-xml"]+"/xml/users", "")
	assert.Equal(t, http.StatusOK, got.status)
	assert.Equal(t, usersXML, got.body)
	assert.Equal(t, "application/xml", got.header.Get("Content-Type"))
	assert.Equal(t, "Naftiko/1.0.0-alpha2", up.only(t).Header.Get("User-Agent"))
}

// AvroIntegrationTest and ProtobufIntegrationTest only deserialise the
// files; we cannot decode these formats yet, and say so at build time
// instead of serving a route that would always fail.
func TestReferenceFormatsNotSupported(t *testing.T) {
	t.Parallel()
	for file, format := range map[string]string{"formats/avro-capability.yaml": "avro", "formats/proto-capability.yaml": "protobuf"} {
		t.Run(format, func(t *testing.T) {
			t.Parallel()
			doc := loadReference(t, file)
			assert.Equal(t, format, doc.Capability.Consumes[0].Resources[0].Operations[0].OutputRawFormat)
			_, diags := buildDoc(t, doc, "", nil)
			assert.True(t, hasDiag(diags, "not supported yet: outputRawFormat "+format, true), diags.Error())
		})
	}
}

// --- HTTP request building ------------------------------------------------

// HttpBodyIntegrationTest: body inputs by JSONPath feed a raw body template.
func TestReferenceHTTPBody(t *testing.T) {
	t.Parallel()
	up := newRefUpstream(t, map[string]http.HandlerFunc{
		"POST /create": func(w http.ResponseWriter, _ *http.Request) {
			writeJSON(w, http.StatusCreated, map[string]any{"created": true})
		},
	})
	urls := serveReference(t, "http/http-body-capability.yaml", up.url)
	got := do(t, http.MethodPost, urls["test-http-body"]+"/users", `{"user":{"id":"123","name":"Alice"},"plan":"team"}`)
	assert.Equal(t, http.StatusCreated, got.status, got.body)

	sent := up.only(t)
	assert.Equal(t, http.MethodPost, sent.Method)
	assert.Contains(t, sent.Body, `"id":"123"`)
	assert.Contains(t, sent.Body, `"name":"Alice"`)
	assert.JSONEq(t, `{"id":"123","name":"Alice"}`, sent.Body)
}

// ForwardValueFieldTest: the consumer's header values go with a forward.
func TestReferenceHTTPForwardValue(t *testing.T) {
	t.Parallel()
	up := newRefUpstream(t, map[string]http.HandlerFunc{
		"GET /v1/reports/{id}": func(w http.ResponseWriter, r *http.Request) {
			writeJSON(w, http.StatusOK, map[string]any{"report": r.PathValue("id")})
		},
	})
	urls := serveReference(t, "http/http-forward-value-capability.yaml", up.url+"/v1")
	got := do(t, http.MethodGet, urls["sample"]+"/forward/reports/q1", "")
	assert.Equal(t, http.StatusOK, got.status, got.body)
	assert.JSONEq(t, `{"report":"q1"}`, got.body)

	sent := up.only(t)
	assert.Equal(t, "/v1/reports/q1", sent.Path)
	assert.Equal(t, "2026-03-03", sent.Header.Get("X-API-Version"))
	assert.Equal(t, "secret-key-123", sent.Header.Get("X-API-Key"))
}

// HeaderQueryIntegrationTest: a consumer header, and a query parameter
// templated from a body input, sent without quotes.
func TestReferenceHTTPHeaderQuery(t *testing.T) {
	t.Parallel()
	up := newRefUpstream(t, map[string]http.HandlerFunc{
		"POST /items": func(w http.ResponseWriter, r *http.Request) {
			writeJSON(w, http.StatusOK, map[string]any{"matches": []string{"item-" + r.URL.Query().Get("q")}})
		},
	})
	urls := serveReference(t, "http/http-header-query-capability.yaml", up.url)
	got := do(t, http.MethodPost, urls["test-http"]+"/search", `{"user":{"id":"999"}}`)
	assert.Equal(t, http.StatusOK, got.status, got.body)
	assert.JSONEq(t, `{"matches":["item-999"]}`, got.body)

	sent := up.only(t)
	assert.Equal(t, "ABC123", sent.Header.Get("X-API-Key"))
	assert.Contains(t, sent.RawQuery, "q=999")
	assert.NotContains(t, sent.RawQuery, "q=%22")
	assert.Equal(t, "q=999", sent.RawQuery)
}

// --- MCP ------------------------------------------------------------------

// mcpPost sends one raw JSON-RPC body to an MCP endpoint.
func mcpPost(t *testing.T, u, body string) httpReply {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, u, strings.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return httpReply{status: resp.StatusCode, header: resp.Header, body: string(b)}
}

// rpcError is the error member of a JSON-RPC answer.
func rpcError(t *testing.T, body string) (int, string) {
	t.Helper()
	var m struct {
		Error *struct {
			Code    int    `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	require.NoError(t, json.Unmarshal([]byte(body), &m), body)
	require.NotNil(t, m.Error, "a JSON-RPC error: %s", body)
	return m.Error.Code, m.Error.Message
}

// notionQuery is a database query answer in the upstream's shape.
const notionQuery = `{"object":"list","results":[
 {"id":"p-1","properties":{"Name":{"title":[{"text":{"content":"Mira Okafor"}}]},"Status":{"select":{"name":"Committed"}}}},
 {"id":"p-2","properties":{"Name":{"title":[{"text":{"content":"Jonas Lind"}}]},"Status":{"select":{"name":"Committed"}}}}
],"has_more":false}`

// McpServerResourceTest and ProtocolDispatcherCoverageTest: the streamable
// HTTP transport in front of an unreachable upstream, as the reference
// tests run it. Our server is stateless (docs/COMPATIBILITY.md, MCP
// adapter: Sessions): initialize issues no Mcp-Session-Id.
func TestReferenceMCPTransport(t *testing.T) {
	t.Parallel()
	u := serveReference(t, "mcp/mcp-capability.yaml", closedURL(t)+"/v1")["test-mcp"]

	// GET: no standalone stream (405), as the reference.
	got := do(t, http.MethodGet, u, "")
	assert.Equal(t, http.StatusMethodNotAllowed, got.status, got.body)

	for _, tt := range []struct{ name, body string }{{"empty body", ""}, {"truncated JSON", "{"}} {
		got := mcpPost(t, u, tt.body)
		code, _ := rpcError(t, got.body)
		assert.Equal(t, -32700, code, tt.name)
	}

	got = mcpPost(t, u, `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"ref","version":"1"}}}`)
	require.Equal(t, http.StatusOK, got.status, got.body)
	assert.Empty(t, got.header.Get("Mcp-Session-Id"), "stateless: no session")
	var init struct {
		Result struct {
			ProtocolVersion string                     `json:"protocolVersion"`
			Capabilities    map[string]json.RawMessage `json:"capabilities"`
			ServerInfo      struct{ Name string }      `json:"serverInfo"`
		} `json:"result"`
	}
	require.NoError(t, json.Unmarshal([]byte(got.body), &init))
	assert.Equal(t, "2025-11-25", init.Result.ProtocolVersion)
	assert.Equal(t, "test-mcp", init.Result.ServerInfo.Name)
	// Only tools are advertised: the file declares no resources or prompts.
	assert.Contains(t, init.Result.Capabilities, "tools")
	assert.NotContains(t, init.Result.Capabilities, "resources")
	assert.NotContains(t, init.Result.Capabilities, "prompts")

	got = mcpPost(t, u, `{"jsonrpc":"2.0","method":"notifications/initialized"}`)
	assert.Equal(t, http.StatusAccepted, got.status, got.body)

	for _, session := range []string{"", "some-session"} {
		req, err := http.NewRequestWithContext(t.Context(), http.MethodDelete, u, nil)
		require.NoError(t, err)
		if session != "" {
			req.Header.Set("Mcp-Session-Id", session)
		}
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		_ = resp.Body.Close()
		assert.Equal(t, http.StatusOK, resp.StatusCode, "DELETE with session %q", session)
	}

	for _, tt := range []struct {
		body string
		code int
	}{
		{`{"jsonrpc":"2.0","id":2,"method":"no/such-method"}`, -32601},
		{`{"jsonrpc":"1.0","id":3,"method":"tools/list"}`, -32600},
		{`{"jsonrpc":"2.0","id":4,"method":"tools/call","params":{"name":"no-such-tool","arguments":{}}}`, -32602},
	} {
		code, _ := rpcError(t, mcpPost(t, u, tt.body).body)
		assert.Equal(t, tt.code, code, tt.body)
	}

	// A failed upstream call is a tool result with isError and a text.
	got = mcpPost(t, u, `{"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"query-database","arguments":{}}}`)
	var call struct {
		Result struct {
			IsError bool `json:"isError"`
			Content []struct{ Type, Text string }
		} `json:"result"`
	}
	require.NoError(t, json.Unmarshal([]byte(got.body), &call), got.body)
	assert.True(t, call.Result.IsError, got.body)
	require.NotEmpty(t, call.Result.Content)
	assert.Equal(t, "text", call.Result.Content[0].Type)
	assert.Contains(t, call.Result.Content[0].Text, "query-db")
}

// McpIntegrationTest (wiring): the tool's constant `with` fills the path,
// the raw body and the consumer header are sent, and the array output is
// mapped from the answer.
func TestReferenceMCPCapability(t *testing.T) {
	t.Parallel()
	up := newRefUpstream(t, map[string]http.HandlerFunc{
		"POST /v1/databases/{id}/query": answer("application/json", notionQuery),
	})
	u := serveReference(t, "mcp/mcp-capability.yaml", up.url+"/v1")["test-mcp"]
	c := mcpClient(t, u)
	ts := listTools(t, c)
	require.Equal(t, []string{"query-database"}, toolNames(ts))
	assert.Equal(t, "Query the test database to retrieve committed participants.", ts[0].Description)

	got := toolJSON(t, c, "query-database", nil)
	assert.Equal(t, []any{
		map[string]any{"name": "Mira Okafor", "status": "Committed"},
		map[string]any{"name": "Jonas Lind", "status": "Committed"},
	}, got)
	sent := up.only(t)
	assert.Equal(t, "/v1/databases/test-db-id-123/query", sent.Path)
	assert.Equal(t, "application/json", sent.Header.Get("Content-Type"))
	assert.JSONEq(t, `{"filter":{"property":"Status","select":{"equals":"Committed"}}}`, sent.Body)
}

// McpToolHintsIntegrationTest: hints and label become annotations. We set
// all four hints on every tool (docs/COMPATIBILITY.md, MCP adapter:
// Annotations), so where the reference leaves a hint out we assert ours.
func TestReferenceMCPHints(t *testing.T) {
	t.Parallel()
	u := serveReference(t, "mcp/mcp-hints-capability.yaml", closedURL(t)+"/v1")["hints-mcp"]
	list, err := mcpClient(t, u).ListTools(t.Context(), mcp.ListToolsRequest{})
	require.NoError(t, err)
	raw, err := json.Marshal(list.Tools)
	require.NoError(t, err)
	var ts []struct {
		Name        string         `json:"name"`
		Annotations map[string]any `json:"annotations"`
	}
	require.NoError(t, json.Unmarshal(raw, &ts))
	require.Len(t, ts, 3)
	byName := map[string]map[string]any{}
	for _, tl := range ts {
		byName[tl.Name] = tl.Annotations
	}

	read := byName["read-data"]
	assert.Equal(t, "Read Data", read["title"])
	assert.Equal(t, true, read["readOnlyHint"])
	assert.Equal(t, true, read["openWorldHint"])
	assert.Equal(t, false, read["destructiveHint"], "reference: absent")

	del := byName["delete-record"]
	assert.NotContains(t, del, "title")
	assert.Equal(t, map[string]any{"readOnlyHint": false, "destructiveHint": true, "idempotentHint": true, "openWorldHint": false}, del)

	// The reference sends no annotations here; ours are derived from the
	// GET it calls.
	assert.Equal(t, map[string]any{"readOnlyHint": true, "destructiveHint": false, "idempotentHint": true, "openWorldHint": true}, byName["no-hints-tool"])
}

// ResourcesPromptsIntegrationTest: a dynamic resource, a resource template
// and two inline prompts.
func TestReferenceMCPResourcesPrompts(t *testing.T) {
	t.Parallel()
	up := newRefUpstream(t, map[string]http.HandlerFunc{
		"POST /v1/databases/{id}/query": func(w http.ResponseWriter, r *http.Request) {
			writeJSON(w, http.StatusOK, map[string]any{"database": r.PathValue("id"), "results": []map[string]any{{"id": "p-1"}}})
		},
	})
	u := serveReference(t, "mcp/mcp-resources-prompts-capability.yaml", up.url+"/v1")["test-mcp-resources-prompts"]

	var init struct {
		Result struct {
			Capabilities map[string]json.RawMessage `json:"capabilities"`
		} `json:"result"`
	}
	require.NoError(t, json.Unmarshal([]byte(mcpPost(t, u, `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"ref","version":"1"}}}`).body), &init))
	assert.Contains(t, init.Result.Capabilities, "resources")
	assert.Contains(t, init.Result.Capabilities, "prompts")

	c := mcpClient(t, u)
	ctx := t.Context()
	resources, err := c.ListResources(ctx, mcp.ListResourcesRequest{})
	require.NoError(t, err)
	require.Len(t, resources.Resources, 1, "the template is not a resource")
	r := resources.Resources[0]
	assert.Equal(t, "database-schema", r.Name)
	assert.Equal(t, "Database Schema", r.Title)
	assert.Equal(t, "application/json", r.MIMEType)
	assert.Equal(t, "data://databases/pre-release/schema", r.URI)

	templates, err := c.ListResourceTemplates(ctx, mcp.ListResourceTemplatesRequest{})
	require.NoError(t, err)
	require.Len(t, templates.ResourceTemplates, 1)
	assert.Equal(t, "data://users/{userId}/profile", templates.ResourceTemplates[0].URITemplate.Raw())

	// Reading either calls the upstream with the datasource it names.
	for uri, db := range map[string]string{"data://databases/pre-release/schema": "test-db-id-123", "data://users/u-42/profile": "u-42"} {
		req := mcp.ReadResourceRequest{}
		req.Params.URI = uri
		res, err := c.ReadResource(ctx, req)
		require.NoError(t, err, uri)
		require.Len(t, res.Contents, 1)
		text, ok := res.Contents[0].(mcp.TextResourceContents)
		require.True(t, ok, "text contents for %s", uri)
		assert.Equal(t, db, decoded(t, text.Text).(map[string]any)["database"], uri)
	}

	prompts, err := c.ListPrompts(ctx, mcp.ListPromptsRequest{})
	require.NoError(t, err)
	require.Len(t, prompts.Prompts, 2)
	required := map[string]bool{}
	for _, p := range prompts.Prompts {
		for _, a := range p.Arguments {
			required[p.Name+"."+a.Name] = a.Required
		}
	}
	assert.Equal(t, "Participant Outreach", prompts.Prompts[0].Title)
	assert.Equal(t, "Summary Prompt", prompts.Prompts[1].Title)
	assert.Equal(t, map[string]bool{
		"participant-outreach.participant_name": true, "participant-outreach.product_name": true,
		"summary-prompt.data": true, "summary-prompt.format": false,
	}, required)

	get := func(name string, args map[string]string) *mcp.GetPromptResult {
		req := mcp.GetPromptRequest{}
		req.Params.Name, req.Params.Arguments = name, args
		res, err := c.GetPrompt(ctx, req)
		require.NoError(t, err, name)
		return res
	}
	out := get("participant-outreach", map[string]string{"participant_name": "Alice", "product_name": "Naftiko"})
	require.Len(t, out.Messages, 1)
	text := out.Messages[0].Content.(mcp.TextContent).Text
	assert.Contains(t, text, "Alice")
	assert.Contains(t, text, "Naftiko")

	sum := get("summary-prompt", map[string]string{"data": "q1: 40 sign-ups"})
	var roles []mcp.Role
	for _, m := range sum.Messages {
		roles = append(roles, m.Role)
	}
	assert.Equal(t, []mcp.Role{mcp.RoleUser, mcp.RoleAssistant, mcp.RoleUser}, roles)
	first := sum.Messages[0].Content.(mcp.TextContent).Text
	assert.Contains(t, first, "q1: 40 sign-ups")
	// The reference leaves a missing optional argument's {{format}} in the
	// text; ours renders it empty (docs/COMPATIBILITY.md, MCP adapter:
	// Prompt arguments not given).
	assert.Equal(t, "Summarize the following data in  format:\n\nq1: 40 sign-ups", first)
	assert.NotContains(t, first, "{{")

	// A missing required argument is an error naming it.
	req := mcp.GetPromptRequest{}
	req.Params.Name, req.Params.Arguments = "participant-outreach", map[string]string{"participant_name": "Alice"}
	_, err = c.GetPrompt(ctx, req)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "product_name")
}

// StdioIntegrationTest: newline-delimited JSON-RPC on stdin/stdout, driven
// in-process through the engine's Stdin and Stdout (the built binary is
// tested the same way in e2e/stdio_test.go).
func TestReferenceMCPStdio(t *testing.T) {
	t.Parallel()
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	eng, diags := buildReference(t, "mcp/mcp-stdio-capability.yaml", closedURL(t)+"/v1", func(o *engine.Options) {
		o.Stdin, o.Stdout = inR, outW
	})
	require.False(t, diags.HasErrors(), diags.Error())
	running, err := eng.Listen()
	require.NoError(t, err)
	done := make(chan error, 1)
	go func() {
		done <- running.Serve(context.Background())
		_ = outW.Close()
	}()
	lines := make(chan string, 8)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(outR)
		for sc.Scan() {
			lines <- sc.Text()
		}
	}()
	next := func() map[string]any {
		t.Helper()
		select {
		case l, ok := <-lines:
			require.True(t, ok, "stdout closed early")
			var m map[string]any
			require.NoError(t, json.Unmarshal([]byte(l), &m), l)
			return m
		case <-time.After(10 * time.Second):
			t.Fatal("no answer on stdout")
			return nil
		}
	}
	send := func(msg string) {
		t.Helper()
		_, err := io.WriteString(inW, msg+"\n")
		require.NoError(t, err)
	}

	send(`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"ref","version":"1"}}}`)
	init := next()["result"].(map[string]any)
	assert.Equal(t, "2025-11-25", init["protocolVersion"])
	assert.Equal(t, "test-mcp-stdio", init["serverInfo"].(map[string]any)["name"])

	// A notification gets no answer: the next line is the tools/list one.
	send(`{"jsonrpc":"2.0","method":"notifications/initialized"}`)
	send(`{"jsonrpc":"2.0","id":2,"method":"tools/list"}`)
	list := next()
	assert.EqualValues(t, 2, list["id"])
	assert.Len(t, list["result"].(map[string]any)["tools"], 1)

	send(`{"jsonrpc":"2.0","id":3,"method":"ping"}`)
	ping := next()
	assert.EqualValues(t, 3, ping["id"])
	assert.Equal(t, map[string]any{}, ping["result"])

	// Closing stdin stops the engine; three requests gave three lines.
	require.NoError(t, inW.Close())
	require.NoError(t, <-done)
	for l := range lines {
		t.Errorf("unexpected output line: %s", l)
	}
}

// StepWithNamespaceIntegrationTest: `with: shipyard-tools.voyageId` in a
// tool's step reaches the consumed call.
func TestReferenceMCPStepWithNamespace(t *testing.T) {
	t.Parallel()
	up := newRefUpstream(t, map[string]http.HandlerFunc{
		"GET /voyages/{id}": func(w http.ResponseWriter, r *http.Request) {
			writeJSON(w, http.StatusOK, map[string]any{"voyageId": r.PathValue("id"), "arrivalPort": "Reykjavík"})
		},
	})
	u := serveReference(t, "mcp/mcp-step-with-namespace-capability.yaml", up.url)["shipyard-tools"]
	got := toolJSON(t, mcpClient(t, u), "get-voyage-manifest", map[string]any{"voyageId": "VOY-2026-042"})
	assert.Equal(t, map[string]any{"voyageId": "VOY-2026-042"}, got)
	assert.Equal(t, "/voyages/VOY-2026-042", up.only(t).Path)
}

// ToolHandlerTest: `with: imo_number: "{{imo}}"` renders, with no
// "unresolved template" error.
func TestReferenceMCPToolHandlerWithMustache(t *testing.T) {
	t.Parallel()
	up := newRefUpstream(t, map[string]http.HandlerFunc{
		"GET /ships/{imo}": func(w http.ResponseWriter, r *http.Request) {
			writeJSON(w, http.StatusOK, map[string]any{"imo_number": r.PathValue("imo"), "vessel_name": "Northern Star"})
		},
	})
	u := serveReference(t, "mcp/mcp-tool-handler-with-mustache-capability.yaml", up.url)["shipyard-tools"]
	res := callTool(t, mcpClient(t, u), "get-ship", map[string]any{"imo": "IMO-9321483"})
	text := resultText(t, res)
	require.False(t, res.IsError, text)
	assert.NotContains(t, strings.ToLower(text), "unresolved")
	assert.Equal(t, "IMO-9321483", decoded(t, text).(map[string]any)["imo_number"])
	assert.Equal(t, "/ships/IMO-9321483", up.only(t).Path)
}

// NestedObjectOutputMappingIntegrationTest: a nested object output without
// a top-level mapping; numbers stay numbers.
func TestReferenceNestedObjectOutput(t *testing.T) {
	t.Parallel()
	up := newFakeShipyard(t)
	u := serveReference(t, "nested-object-output-capability.yaml", up.url)["test-tools"]
	res := callTool(t, mcpClient(t, u), "get-ship", map[string]any{"imo": "IMO-9321483"})
	require.False(t, res.IsError, resultText(t, res))
	assert.JSONEq(t, `{"imo":"IMO-9321483","name":"Northern Star","status":"active","specs":{"yearBuilt":2015,"tonnage":42000,"length":229}}`, resultText(t, res))
}

// --- skill, control, observability ------------------------------------------

// SkillIntegrationTest: the catalogue's metadata, derived and instruction
// tools, and 404 for an unknown skill.
func TestReferenceSkillCapability(t *testing.T) {
	t.Parallel()
	up := newRefUpstream(t, map[string]http.HandlerFunc{
		"GET /v1/orders": answer("application/json", `[{"orderId":"ORD-77","total":42.5}]`),
	})
	urls := serveReference(t, "skill-capability.yaml", up.url+"/v1")
	skills := urls["orders-skills"]

	var list struct {
		Count  int
		Skills []struct{ Name string }
	}
	require.NoError(t, json.Unmarshal([]byte(do(t, http.MethodGet, skills+"/skills", "").body), &list))
	assert.Equal(t, 2, list.Count)
	require.Len(t, list.Skills, 2)
	assert.Equal(t, "order-management", list.Skills[0].Name)
	assert.Equal(t, "onboarding-guide", list.Skills[1].Name)

	detail := restJSON(t, http.MethodGet, skills+"/skills/order-management", "", http.StatusOK).(map[string]any)
	assert.Equal(t, "list-orders", detail["allowed-tools"])
	assert.Equal(t, "Use for order operations", detail["argument-hint"])
	tools := detail["tools"].([]any)
	require.Len(t, tools, 2)
	derived := tools[0].(map[string]any)
	assert.Equal(t, "derived", derived["type"])
	assert.Equal(t, map[string]any{"targetNamespace": "orders-rest", "action": "list-orders", "mode": "rest"}, derived["invocationRef"])
	instruction := tools[1].(map[string]any)
	assert.Equal(t, "instruction", instruction["type"])
	assert.Equal(t, "order-guide.md", instruction["instruction"])

	got := do(t, http.MethodGet, skills+"/skills/no-such-skill", "")
	assert.Equal(t, http.StatusNotFound, got.status, got.body)

	// The derived tool's target answers through the REST sibling.
	assert.Equal(t, []any{map[string]any{"orderId": "ORD-77", "total": json.Number("42.5")}}, decodedNumbers(t, do(t, http.MethodGet, urls["orders-rest"]+"/orders", "").body))
}

// decodedNumbers parses JSON keeping numbers as json.Number.
func decodedNumbers(t *testing.T, text string) any {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(text))
	dec.UseNumber()
	var v any
	require.NoError(t, dec.Decode(&v), text)
	return v
}

// ControlIntegrationTest / ControlServerAdapterTest: port 9199, trace
// buffer 50, health and info. We serve health and status; /traces is not
// implemented yet (docs/COMPATIBILITY.md).
func TestReferenceControlCapability(t *testing.T) {
	t.Parallel()
	doc := loadReference(t, "control/control-capability.yaml")
	x := doc.Capability.Exposes[0]
	require.NotNil(t, x.Control)
	assert.Equal(t, 9199, x.Port)
	require.NotNil(t, x.Control.Observability)
	assert.Equal(t, 50, x.Control.Observability.TracesBufferSize)
	x.Port = 0
	eng, diags := buildDoc(t, doc, "", nil)
	require.False(t, diags.HasErrors(), diags.Error())
	control := serveEngine(t, eng)[""]

	code, body := getBody(t, control+"/health/live")
	assert.Equal(t, http.StatusOK, code)
	assert.JSONEq(t, `{"status":"UP"}`, body)
	code, body = getBody(t, control+"/health/ready")
	assert.Equal(t, http.StatusOK, code, body)
	assert.Equal(t, "UP", decoded(t, body).(map[string]any)["status"])

	code, body = getBody(t, control+"/status")
	require.Equal(t, http.StatusOK, code, body)
	var st struct {
		Capability struct{ Label string }
		Adapters   []struct{ Type string }
	}
	require.NoError(t, json.Unmarshal([]byte(body), &st))
	assert.Equal(t, "Control Port Test Capability", st.Capability.Label)
	require.Len(t, st.Adapters, 1)
	assert.Equal(t, "control", st.Adapters[0].Type)

	code, _ = getBody(t, control+"/metrics")
	assert.Equal(t, http.StatusOK, code)
	code, _ = getBody(t, control+"/traces")
	assert.Equal(t, http.StatusNotFound, code, "not implemented yet")
}

// ControlIntegrationTest: observability disabled leaves out /metrics and
// /traces; ScriptingIntegrationTest's /scripting is not implemented yet
// (docs/COMPATIBILITY.md), but the file builds.
func TestReferenceControlVariants(t *testing.T) {
	t.Parallel()
	tests := []struct {
		file     string
		notFound []string
	}{
		{"control/control-observability-disabled.yaml", []string{"/metrics", "/traces", "/traces/0af7651916cd43dd8448eb211c80319c"}},
		{"observability/observability-disabled.yaml", []string{"/metrics", "/traces"}},
		{"control/control-scripting-capability.yaml", []string{"/scripting"}},
	}
	for _, tt := range tests {
		t.Run(filepath.Base(tt.file), func(t *testing.T) {
			t.Parallel()
			eng, diags := buildReference(t, tt.file, "", nil)
			require.False(t, diags.HasErrors(), diags.Error())
			assert.Empty(t, diags, "no warnings")
			control := serveEngine(t, eng)[""]
			code, _ := getBody(t, control+"/health/live")
			assert.Equal(t, http.StatusOK, code)
			for _, p := range tt.notFound {
				code, _ := getBody(t, control+p)
				assert.Equal(t, http.StatusNotFound, code, p)
			}
		})
	}
}

// ObservabilitySpecIntegrationTest: sampling 0.5, b3 propagation, an OTLP
// endpoint. We read them all and the file builds; while OTLP export is not
// implemented, the build says so in a warning (never an error).
func TestReferenceObservability(t *testing.T) {
	t.Parallel()
	doc := loadReference(t, "observability/observability-capability.yaml")
	ob := doc.Capability.Exposes[0].Control.Observability
	require.NotNil(t, ob)
	require.NotNil(t, ob.TracesSampling)
	assert.InDelta(t, 0.5, *ob.TracesSampling, 1e-9)
	assert.Equal(t, "b3", ob.TracesPropagate)
	assert.Equal(t, "http://collector.local:4317", ob.OTLPEndpoint)

	eng, diags := buildReference(t, "observability/observability-capability.yaml", "", nil)
	require.False(t, diags.HasErrors(), diags.Error())
	for _, d := range diags {
		assert.Contains(t, d.Summary, "OTLP", "the only diagnostic is about OTLP export: %s", d)
	}
	control := serveEngine(t, eng)[""]
	code, _ := getBody(t, control+"/metrics")
	assert.Equal(t, http.StatusOK, code)
}
