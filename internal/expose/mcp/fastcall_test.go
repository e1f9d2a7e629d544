package mcp

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/naftiko-go/naftiko/internal/expose"
	"github.com/naftiko-go/naftiko/internal/expose/exposetest"
	"github.com/naftiko-go/naftiko/internal/spec"
)

// counting counts the requests that reach mcp-go.
type counting struct {
	next http.Handler
	n    atomic.Int64
}

func (c *counting) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	c.n.Add(1)
	c.next.ServeHTTP(w, r)
}

// mcpRequest is a POST to /mcp as a loopback listener receives it.
type mcpRequest struct {
	body    string
	headers map[string]string // replace the defaults; "" deletes
	host    string            // default 127.0.0.1:9090
}

func (m mcpRequest) build() *http.Request {
	r := httptest.NewRequest(http.MethodPost, "http://127.0.0.1:9090/mcp", strings.NewReader(m.body))
	r.Header.Set("Content-Type", "application/json")
	r.Header.Set("Accept", "application/json, text/event-stream")
	r.Header.Set("Mcp-Protocol-Version", "2025-11-25")
	for k, v := range m.headers {
		if v == "" {
			r.Header.Del(k)
		} else {
			r.Header.Set(k, v)
		}
	}
	r.Host = "127.0.0.1:9090"
	if m.host != "" {
		r.Host = m.host
	}
	local := &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 9090}
	return r.WithContext(context.WithValue(r.Context(), http.LocalAddrContextKey, net.Addr(local)))
}

// answer is what a handler wrote.
type answer struct {
	status int
	header http.Header
	body   string
}

func record(h http.Handler, r *http.Request) answer {
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return answer{status: w.Code, header: w.Header(), body: w.Body.String()}
}

// TestFastCallsMatchSDK sends the same requests through the fast path and
// through mcp-go alone and requires the same status, headers and bytes; and
// that the fast path answers exactly the requests it is meant to.
func TestFastCallsMatchSDK(t *testing.T) {
	t.Parallel()
	results := map[string]func() (*expose.Result, error){
		"json object": func() (*expose.Result, error) {
			return jsonResult(200, `{"id":"inv_1","n":12345678901234567890,"nested":{"a":[1,2.5,"x"]}}`), nil
		},
		"json array": func() (*expose.Result, error) { return jsonResult(200, `[1,{"a":"b"}]`), nil },
		"passthrough object": func() (*expose.Result, error) {
			return &expose.Result{Status: 200, Body: []byte(`{"raw":true}`), IsJSON: true, ContentType: "application/json"}, nil
		},
		"text": func() (*expose.Result, error) {
			return &expose.Result{Status: 200, Body: []byte("plain <b>text</b> & \"quotes\"")}, nil
		},
		"not utf-8":          func() (*expose.Result, error) { return &expose.Result{Status: 200, Body: []byte{0xff, 'a', 0xfe}}, nil },
		"no content":         func() (*expose.Result, error) { return &expose.Result{Status: 204}, nil },
		"upstream 404":       func() (*expose.Result, error) { return jsonResult(404, `{"message":"Entity not found"}`), nil },
		"upstream 500 empty": func() (*expose.Result, error) { return &expose.Result{Status: 500}, nil },
		"unreachable": func() (*expose.Result, error) {
			return nil, &expose.Error{Kind: expose.KindUnreachable, Detail: "upstream unreachable: connection refused"}
		},
		"internal":   func() (*expose.Result, error) { return nil, errors.New("boom with a secret inside") },
		"nil result": func() (*expose.Result, error) { return nil, nil },
	}
	seed := seedMCP(t)
	var seedTool string
	for _, tl := range seed.MCP.Tools {
		if strings.Contains(strings.ToLower(tl.Name), "get") {
			seedTool = tl.Name
			break
		}
	}
	require.NotEmpty(t, seedTool, "the seed has a get tool")

	call := func(id, tool, args string) string {
		s := `{"jsonrpc":"2.0","id":` + id + `,"method":"tools/call","params":{"name":"` + tool + `"`
		if args != "" {
			s += `,"arguments":` + args
		}
		return s + `}}`
	}
	typedOK := `{"s":"x","n":1.5,"i":3,"b":true,"a":[1,"2"],"o":{"k":null}}`
	fast := []struct {
		name    string
		adapter *spec.Expose
		req     mcpRequest
	}{
		{"numeric id", declaredTools(), mcpRequest{body: call("1", "typed", typedOK)}},
		{"string id", declaredTools(), mcpRequest{body: call(`"req-7"`, "typed", typedOK)}},
		{"zero id", declaredTools(), mcpRequest{body: call("0", "none", `{}`)}},
		{"negative id", declaredTools(), mcpRequest{body: call("-3", "none", `{}`)}},
		{"fractional id", declaredTools(), mcpRequest{body: call("1.5", "none", `{}`)}},
		{"huge id", declaredTools(), mcpRequest{body: call("12345678901234567890", "none", `{}`)}},
		{"unicode id", declaredTools(), mcpRequest{body: call(`"\u00e9\ud83d\ude00"`, "none", `{}`)}},
		{"no arguments", declaredTools(), mcpRequest{body: call("2", "none", "")}},
		{"null arguments", declaredTools(), mcpRequest{body: call("2", "none", "null")}},
		{"missing required", declaredTools(), mcpRequest{body: call("3", "typed", `{"s":"x"}`)}},
		{"wrong types", declaredTools(), mcpRequest{body: call("4", "typed", `{"s":1,"n":"1","i":2.5,"b":"true"}`)}},
		{"unknown argument", declaredTools(), mcpRequest{body: call("5", "none", `{"x":1}`)}},
		{"arguments not an object", declaredTools(), mcpRequest{body: call("6", "none", `[1]`)}},
		{"null optional dropped", declaredTools(), mcpRequest{body: call("7", "typed", `{"s":"x","n":1,"i":1,"b":false,"a":null}`)}},
		{"big integer argument", declaredTools(), mcpRequest{body: call("8", "typed", `{"s":"x\\\"1e400","n":-1.5e300,"i":98765432109876543210,"b":true}`)}},
		{"seed tool", seed, mcpRequest{body: call("9", seedTool, `{"id":"inv 1/2"}`)}},
		{"seed tool, missing argument", seed, mcpRequest{body: call("9", seedTool, `{}`)}},
		{"charset parameter", declaredTools(), mcpRequest{body: call("10", "none", `{}`), headers: map[string]string{"Content-Type": "application/json; charset=utf-8"}}},
		{"no protocol header", declaredTools(), mcpRequest{body: call("11", "none", `{}`), headers: map[string]string{"Mcp-Protocol-Version": ""}}},
		{"2025-03-26", declaredTools(), mcpRequest{body: call("12", "none", `{}`), headers: map[string]string{"Mcp-Protocol-Version": "2025-03-26"}}},
		{"localhost host", declaredTools(), mcpRequest{body: call("13", "none", `{}`), host: "localhost:9090"}},
		{"whitespace around", declaredTools(), mcpRequest{body: " \n" + call("14", "none", `{}`) + "\n "}},
		{"_meta progress token", declaredTools(), mcpRequest{body: `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"none","_meta":{"progressToken":"p-1"}}}`}},
		{"_meta trace context", declaredTools(), mcpRequest{body: `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"typed","arguments":` + typedOK + `,"_meta":{"traceparent":"00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01","tracestate":"a=b","custom":{"n":2}}}}`}},
		{"repeated key inside arguments", declaredTools(), mcpRequest{body: call("16", "typed", `{"s":"a","s":"b","n":1,"i":1,"b":true,"o":{"k":1,"k":2}}`)}},
		{"escaped keys", declaredTools(), mcpRequest{body: `{"jsonrpc":"2.0","\u0069d":17,"method":"tools/call","params":{"n\u0061me":"none"}}`}},
		{"null _meta", declaredTools(), mcpRequest{body: `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"none","_meta":null}}`}},
		{"keys in another order", declaredTools(), mcpRequest{body: `{"params":{"arguments":{},"name":"none"},"method":"tools/call","id":15,"jsonrpc":"2.0"}`}},
	}
	sdk := []struct {
		name    string
		adapter *spec.Expose
		req     mcpRequest
	}{
		{"modern protocol header", declaredTools(), mcpRequest{body: call("1", "none", `{}`), headers: map[string]string{"Mcp-Protocol-Version": "2026-07-28"}}},
		{"unknown protocol header", declaredTools(), mcpRequest{body: call("1", "none", `{}`), headers: map[string]string{"Mcp-Protocol-Version": "1999-01-01"}}},
		{"reserved _meta key", declaredTools(), mcpRequest{body: `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"none","_meta":{"progressToken":1,"io.modelcontextprotocol/related-task":{"taskId":"t"}}}}`}},
		{"modern _meta", declaredTools(), mcpRequest{body: `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"none","_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28"}}}`}},
		{"_meta not an object", declaredTools(), mcpRequest{body: `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"none","_meta":[1]}}`}},
		{"_meta number out of range", declaredTools(), mcpRequest{body: `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"none","_meta":{"x":1e400}}}`}},
		{"task", declaredTools(), mcpRequest{body: `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"none","task":{"ttl":1000}}}`}},
		{"repeated params", declaredTools(), mcpRequest{body: `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"none"},"params":{}}`}},
		{"repeated id, first out of range", declaredTools(), mcpRequest{body: `{"jsonrpc":"2.0","id":1e400,"id":1,"method":"tools/call","params":{"name":"none"}}`}},
		{"repeated _meta", declaredTools(), mcpRequest{body: `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"none","_meta":{"x":1e400},"_meta":{}}}`}},
		{"repeated params, first with a bad argument", declaredTools(), mcpRequest{body: `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"none","arguments":{"x":1e400}},"params":{"name":"none","arguments":{}}}`}},
		{"repeated key in another case", declaredTools(), mcpRequest{body: `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"none"},"Params":{"name":"typed"}}`}},
		{"repeated escaped key", declaredTools(), mcpRequest{body: `{"jsonrpc":"2.0","id":1,"method":"tools/call","\u006dethod":"tools/call","params":{"name":"none"}}`}},
		{"number out of float64 range", declaredTools(), mcpRequest{body: call("8", "typed", `{"s":"x","n":1e400,"i":1,"b":true}`)}},
		{"unknown tool", declaredTools(), mcpRequest{body: call("1", "nope", `{}`)}},
		{"tools/list", declaredTools(), mcpRequest{body: `{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{}}`}},
		{"notification", declaredTools(), mcpRequest{body: `{"jsonrpc":"2.0","method":"tools/call","params":{"name":"none"}}`}},
		{"null id", declaredTools(), mcpRequest{body: call("null", "none", `{}`)}},
		{"object id", declaredTools(), mcpRequest{body: call(`{"a":1}`, "none", `{}`)}},
		{"batch", declaredTools(), mcpRequest{body: "[" + call("1", "none", `{}`) + "]"}},
		{"wrong jsonrpc", declaredTools(), mcpRequest{body: strings.Replace(call("1", "none", `{}`), `"2.0"`, `"1.0"`, 1)}},
		{"no params", declaredTools(), mcpRequest{body: `{"jsonrpc":"2.0","id":1,"method":"tools/call"}`}},
		{"invalid JSON", declaredTools(), mcpRequest{body: `{"jsonrpc":"2.0","id":1,`}},
		{"trailing data", declaredTools(), mcpRequest{body: call("1", "none", `{}`) + `{}`}},
		{"text content type", declaredTools(), mcpRequest{body: call("1", "none", `{}`), headers: map[string]string{"Content-Type": "text/plain"}}},
		{"session id", declaredTools(), mcpRequest{body: call("1", "none", `{}`), headers: map[string]string{"Mcp-Session-Id": "abc"}}},
		{"rebinding host", declaredTools(), mcpRequest{body: call("1", "none", `{}`), host: "evil.example:9090"}},
		{"subdomain of localhost", declaredTools(), mcpRequest{body: call("1", "none", `{}`), host: "a.localhost:9090"}},
	}

	for rname, result := range results {
		inv := &exposetest.FakeInvoker{Fn: func(*spec.Endpoint, expose.Inputs) (*expose.Result, error) { return result() }}
		check := func(t *testing.T, adapter *spec.Expose, req mcpRequest, wantFast bool) {
			s, err := New(adapter, inv, Options{})
			require.NoError(t, err)
			reached := &counting{next: s.http}
			f := &fastCalls{next: reached, tools: s.fast.tools, maxBody: s.fast.maxBody}
			got := record(f, req.build())
			if wantFast {
				assert.Zero(t, reached.n.Load(), "the fast path passed the request to mcp-go")
			} else {
				assert.Equal(t, int64(1), reached.n.Load(), "the fast path answered a request meant for mcp-go")
			}
			want := record(s.http, req.build())
			assert.Equal(t, want.status, got.status)
			assert.Equal(t, want.header, got.header)
			assert.Equal(t, want.body, got.body)
		}
		for _, tc := range fast {
			t.Run(rname+"/fast/"+tc.name, func(t *testing.T) { check(t, tc.adapter, tc.req, true) })
		}
		for _, tc := range sdk {
			t.Run(rname+"/sdk/"+tc.name, func(t *testing.T) { check(t, tc.adapter, tc.req, false) })
		}
	}
}

// TestFastCallsServeThroughHandler: the adapter's handler uses the fast
// path (the origin guard stays in front of it).
func TestFastCallsServeThroughHandler(t *testing.T) {
	t.Parallel()
	s, err := New(declaredTools(), &exposetest.FakeInvoker{}, Options{})
	require.NoError(t, err)
	reached := &counting{next: s.fast.next}
	s.fast.next = reached
	got := record(s.Handler(), mcpRequest{body: `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"none"}}`}.build())
	assert.Equal(t, http.StatusOK, got.status)
	assert.JSONEq(t, `{"jsonrpc":"2.0","id":1,"result":{"content":[{"type":"text","text":"{}"}],"structuredContent":{}}}`, got.body)
	assert.Zero(t, reached.n.Load())

	req := mcpRequest{body: `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"none"}}`,
		headers: map[string]string{"Origin": "https://evil.example"}}.build()
	got = record(s.Handler(), req)
	assert.Equal(t, http.StatusForbidden, got.status)
}

// TestMessageSizeLimit: a message over the limit gets 413 and a JSON-RPC
// error naming the flag, whatever path it would have taken; one at the
// limit is served.
func TestMessageSizeLimit(t *testing.T) {
	t.Parallel()
	s, err := New(declaredTools(), &exposetest.FakeInvoker{}, Options{MaxBodyBytes: 200})
	require.NoError(t, err)
	call := `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"none","arguments":{}}}`
	tests := []struct {
		name    string
		req     mcpRequest
		status  int
		inError string
	}{
		{"fast path under the limit", mcpRequest{body: call}, http.StatusOK, ""},
		{"exactly the limit", mcpRequest{body: call + strings.Repeat(" ", 200-len(call))}, http.StatusOK, ""},
		{"one byte over", mcpRequest{body: call + strings.Repeat(" ", 201-len(call))}, http.StatusRequestEntityTooLarge, "larger than 200 bytes"},
		{"delegated message over", mcpRequest{body: call + strings.Repeat(" ", 300), headers: map[string]string{"Mcp-Protocol-Version": "2026-07-28"}},
			http.StatusRequestEntityTooLarge, "--max-body-bytes"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := record(s.Handler(), tc.req.build())
			assert.Equal(t, tc.status, got.status, got.body)
			if tc.inError != "" {
				assert.Contains(t, got.body, `"code":-32600`)
				assert.Contains(t, got.body, tc.inError)
			} else {
				assert.Contains(t, got.body, `"result"`)
			}
		})
	}
}

// TestFastCallsOffAtDebug: with debug logging every message goes through
// mcp-go, whose per-request lines are then wanted; the size limit stays.
func TestFastCallsOffAtDebug(t *testing.T) {
	t.Parallel()
	log := slog.New(slog.NewTextHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelDebug}))
	s, err := New(declaredTools(), &exposetest.FakeInvoker{}, Options{Logger: log, MaxBodyBytes: 200})
	require.NoError(t, err)
	reached := &counting{next: s.fast.next}
	s.fast.next = reached
	got := record(s.Handler(), mcpRequest{body: `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"none"}}`}.build())
	assert.Equal(t, http.StatusOK, got.status)
	assert.Equal(t, int64(1), reached.n.Load())
	got = record(s.Handler(), mcpRequest{body: `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"none"}}` + strings.Repeat(" ", 200)}.build())
	assert.Equal(t, http.StatusRequestEntityTooLarge, got.status)
}
