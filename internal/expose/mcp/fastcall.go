package mcp

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"

	"github.com/mark3labs/mcp-go/mcp"
)

// fastCalls serves the request an agent sends most — a tools/call of one of
// the adapter's tools, on a protocol version that still has the initialize
// handshake (up to 2025-11-25) — without going through mcp-go's transport,
// which sets up, per request, an ephemeral session, a goroutine forwarding
// notifications, and six decodings of the message: about a fifth of the CPU
// of a proxied tool call. Everything else, and any request this code is not
// sure about, goes to mcp-go (next) unchanged.
//
// The answer is the one mcp-go gives: the same result from the same tool
// handler, in the same JSON-RPC envelope, encoder, status and headers.
// TestFastCallsMatchSDK compares the two byte for byte. One difference is
// deliberate: a notifications/cancelled does not reach a fast call. A
// stateless mcp-go server files in-flight calls by JSON-RPC id alone, so any
// client could cancel another client's call with the same id (every client
// counts from 0 or 1); a fast call ends when its HTTP request does — the
// client aborting it — or at the upstream timeout.
//
// It also bounds every POSTed message to maxBody bytes (mcp-go reads
// bodies whole, without a limit). With off set (debug logging, where
// mcp-go's own per-request lines are wanted) every message goes to mcp-go.
type fastCalls struct {
	next    http.Handler
	tools   map[string]*tool
	maxBody int64
	off     bool
}

// callMessage is a tools/call request with nothing but what the fast path
// understands: decoding it with unknown fields disallowed sends every other
// message ("task", responses, ...) to mcp-go. A "_meta" is understood when
// it holds none of the protocol's reserved keys (those of 2026-07-28, task
// augmentation, ...): a progress token, trace context or the client's own
// keys.
type callMessage struct {
	JSONRPC string          `json:"jsonrpc"`
	ID      json.RawMessage `json:"id"`
	Method  string          `json:"method"`
	Params  *struct {
		Name      string          `json:"name"`
		Arguments json.RawMessage `json:"arguments"`
		Meta      json.RawMessage `json:"_meta"`
	} `json:"params"`
}

func (f *fastCalls) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		f.next.ServeHTTP(w, r)
		return
	}
	if r.Body == nil {
		r.Body = http.NoBody
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, f.maxBody))
	if tooLarge(w, err, f.maxBody) {
		return
	}
	if err != nil {
		// mcp-go reports read errors: give it the same bytes and error.
		r.Body = io.NopCloser(io.MultiReader(bytes.NewReader(body), errReader{err}))
		f.next.ServeHTTP(w, r)
		return
	}
	var t *tool
	var id any
	var req mcp.CallToolRequest
	ok := !f.off && fastHeaders(r)
	if ok {
		t, id, req, ok = f.parse(body)
	}
	if !ok {
		r.Body = io.NopCloser(bytes.NewReader(body))
		f.next.ServeHTTP(w, r)
		return
	}
	var resp any
	res, err := callRecovered(r.Context(), t, req)
	if err != nil {
		t.log.Error("tool call failed", logKeyError, err.Error())
		resp = mcp.JSONRPCError{
			JSONRPC: mcp.JSONRPC_VERSION,
			ID:      mcp.NewRequestId(id),
			Error:   mcp.NewJSONRPCErrorDetails(mcp.INTERNAL_ERROR, err.Error(), nil),
		}
	} else {
		resp = mcp.NewJSONRPCResultResponse(mcp.NewRequestId(id), res)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	if err := json.NewEncoder(w).Encode(resp); err != nil {
		t.log.Debug("writing the tool result failed", logKeyError, err.Error())
	}
}

// tooLarge answers 413 with a JSON-RPC error when err says that the body
// went over the limit.
func tooLarge(w http.ResponseWriter, err error, limit int64) bool {
	var mbe *http.MaxBytesError
	if !errors.As(err, &mbe) {
		return false
	}
	resp := mcp.JSONRPCError{
		JSONRPC: mcp.JSONRPC_VERSION,
		ID:      mcp.NewRequestId(nil),
		Error: mcp.NewJSONRPCErrorDetails(mcp.INVALID_REQUEST,
			fmt.Sprintf("the message is larger than %d bytes (the server's --max-body-bytes)", limit), nil),
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusRequestEntityTooLarge)
	_ = json.NewEncoder(w).Encode(resp)
	return true
}

// fastHeaders reports whether the request's headers are ones the fast path
// answers exactly as mcp-go would: a JSON body, a legacy protocol version
// (or none), no session, and a Host mcp-go's DNS-rebinding guard accepts.
func fastHeaders(r *http.Request) bool {
	ct := r.Header.Get("Content-Type")
	if ct != "application/json" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || mt != "application/json" {
			return false
		}
	}
	if v := r.Header.Get(mcp.HeaderProtocolVersion); v != "" && (!mcp.IsValidProtocolVersion(v) || mcp.IsModernProtocol(v)) {
		return false
	}
	if r.Header.Get("Mcp-Session-Id") != "" {
		return false
	}
	if local, ok := r.Context().Value(http.LocalAddrContextKey).(net.Addr); ok && local != nil {
		if loopbackHostPort(local.String()) && !loopbackHostPort(r.Host) {
			return false
		}
	}
	return true
}

// loopbackHostPort reports whether a host or host:port is "localhost" or a
// loopback address — the same test as mcp-go's guard, so that the fast path
// never answers a request that mcp-go would refuse.
func loopbackHostPort(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		host = strings.Trim(addr, "[]")
	}
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.IsLoopback()
}

// parse decodes a tools/call message for one of the adapter's tools; ok is
// false for anything else.
func (f *fastCalls) parse(body []byte) (t *tool, id any, req mcp.CallToolRequest, ok bool) {
	// mcp-go decodes the message several times into different shapes, some
	// of which see every occurrence of a repeated key and every number: such
	// messages are left to it.
	if duplicateKeys(body) || !numbersFitFloat64(body) {
		return nil, nil, req, false
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	var m callMessage
	if dec.Decode(&m) != nil {
		return nil, nil, req, false
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, nil, req, false // trailing data
	}
	if m.JSONRPC != mcp.JSONRPC_VERSION || m.Method != string(mcp.MethodToolsCall) || m.Params == nil {
		return nil, nil, req, false
	}
	// The id as mcp-go decodes it (numbers as float64), so that it is
	// echoed the same way.
	if len(m.ID) == 0 || (m.ID[0] != '"' && m.ID[0] != '-' && (m.ID[0] < '0' || m.ID[0] > '9')) {
		return nil, nil, req, false // absent, null or not a string or number
	}
	if json.Unmarshal(m.ID, &id) != nil {
		return nil, nil, req, false
	}
	t = f.tools[m.Params.Name]
	if t == nil {
		return nil, nil, req, false
	}
	if len(m.Params.Meta) > 0 && string(m.Params.Meta) != "null" {
		meta, ok := plainMeta(m.Params.Meta)
		if !ok {
			return nil, nil, req, false
		}
		req.Params.Meta = meta
	}
	req.Method = string(mcp.MethodToolsCall)
	req.Params.Name = m.Params.Name
	if len(m.Params.Arguments) > 0 {
		req.Params.RawArguments = m.Params.Arguments
	}
	return t, id, req, true
}

// plainMeta decodes a _meta object as mcp-go does; ok is false when it is
// not an object or holds a reserved "io.modelcontextprotocol/" key, which
// mcp-go may act on.
func plainMeta(raw json.RawMessage) (*mcp.Meta, bool) {
	var keys map[string]json.RawMessage
	if json.Unmarshal(raw, &keys) != nil || keys == nil {
		return nil, false
	}
	for k := range keys {
		if strings.HasPrefix(k, "io.modelcontextprotocol/") {
			return nil, false
		}
	}
	meta := &mcp.Meta{}
	if json.Unmarshal(raw, meta) != nil {
		return nil, false
	}
	return meta, true
}

// duplicateKeys reports whether the message object or an object directly in
// it (params) repeats a key, compared as encoding/json matches keys to
// struct fields: case-insensitively, after unescaping. encoding/json keeps
// the last of repeated keys, mcp-go's decoders do not all do so.
func duplicateKeys(b []byte) bool {
	type frame struct {
		object, wantKey bool
		keys            [][]byte
	}
	var stackBuf [4]frame
	stack := stackBuf[:0]
	for i := 0; i < len(b); i++ {
		switch b[i] {
		case '{':
			stack = append(stack, frame{object: true, wantKey: true})
		case '[':
			stack = append(stack, frame{})
		case '}', ']':
			if len(stack) > 0 {
				stack = stack[:len(stack)-1]
			}
		case ',':
			if n := len(stack); n > 0 && stack[n-1].object {
				stack[n-1].wantKey = true
			}
		case '"':
			j, escaped := i+1, false
			for j < len(b) && b[j] != '"' {
				if b[j] == '\\' {
					escaped = true
					j++
				}
				j++
			}
			n := len(stack)
			if n > 0 && n <= 2 && stack[n-1].wantKey && j < len(b) {
				top := &stack[n-1]
				top.wantKey = false
				key := b[i+1 : j]
				if escaped {
					var k string
					if json.Unmarshal(b[i:j+1], &k) != nil {
						return true // not a key encoding/json reads: let mcp-go say so
					}
					key = []byte(k)
				}
				for _, k := range top.keys {
					if bytes.EqualFold(k, key) {
						return true
					}
				}
				top.keys = append(top.keys, key)
			} else if n > 0 && stack[n-1].object {
				stack[n-1].wantKey = false
			}
			i = j
		}
	}
	return false
}

// numbersFitFloat64 reports whether every number of the valid JSON b
// parses as a float64: mcp-go decodes ids, arguments and _meta values into
// float64s and refuses a message with a number out of range (1e400).
func numbersFitFloat64(b []byte) bool {
	for i := 0; i < len(b); i++ {
		switch c := b[i]; {
		case c == '"':
			for i++; i < len(b) && b[i] != '"'; i++ {
				if b[i] == '\\' {
					i++
				}
			}
		case c == '-' || (c >= '0' && c <= '9'):
			j, exp := i, false
			for j < len(b) && strings.IndexByte("+-.0123456789eE", b[j]) >= 0 {
				exp = exp || b[j] == 'e' || b[j] == 'E'
				j++
			}
			// Without an exponent, only a number of more than 300 digits
			// leaves the float64 range.
			if exp || j-i > 300 {
				if _, err := strconv.ParseFloat(string(b[i:j]), 64); err != nil {
					return false
				}
			}
			i = j - 1
		}
	}
	return true
}

// callRecovered runs the tool, turning a panic into an error as mcp-go's
// recovery middleware does.
func callRecovered(ctx context.Context, t *tool, req mcp.CallToolRequest) (res *mcp.CallToolResult, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("panic recovered in %s tool handler: %v", req.Params.Name, p)
		}
	}()
	return t.call(ctx, req)
}

// errReader returns err after the bytes that could be read.
type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }
