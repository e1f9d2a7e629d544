package consume

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/naftiko-go/naftiko/internal/spec"
)

func TestParameters(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		consumer  []*spec.ConsumedParam
		resource  []*spec.ConsumedParam
		operation []*spec.ConsumedParam
		path      string
		format    string
		auth      *spec.Auth
		vars      map[string]any
		env       map[string]string
		params    map[string]any
		wantPath  string
		wantQuery string
		wantHdr   map[string]string
		wantNoHdr []string
	}{
		{
			name:      "query encoding",
			operation: []*spec.ConsumedParam{{Name: "q", In: "query"}, {Name: "tag", In: "query"}, {Name: "n", In: "query"}, {Name: "ok", In: "query"}, {Name: "f", In: "query"}, {Name: "absent", In: "query"}},
			params:    map[string]any{"q": "a b&c=d/é?", "tag": []any{"x", "y z"}, "n": json.Number("1.50"), "ok": true, "f": 2.5},
			wantQuery: "q=a+b%26c%3Dd%2F%C3%A9%3F&tag=x&tag=y+z&n=1.50&ok=true&f=2.5",
		},
		{
			name:      "value templates and levels in order",
			consumer:  []*spec.ConsumedParam{{Name: "api-version", In: "query", Value: "2024-01", HasValue: true}},
			resource:  []*spec.ConsumedParam{{Name: "region", In: "query", Value: "{{REGION}}-1", HasValue: true}},
			operation: []*spec.ConsumedParam{{Name: "who", In: "query", Value: "{{first}} {{last}}", HasValue: true}, {Name: "skipped", In: "query", Value: "{{nothing}}", HasValue: true}},
			vars:      map[string]any{"REGION": "eu"},
			params:    map[string]any{"first": "Ada", "last": "Lovelace"},
			wantQuery: "api-version=2024-01&region=eu-1&who=Ada+Lovelace",
		},
		{
			name:      "headers, standard header override, cookies",
			operation: []*spec.ConsumedParam{{Name: "X-Request-Id", In: "header"}, {Name: "Accept", In: "header", Value: "application/xml", HasValue: true}, {Name: "session", In: "cookie"}, {Name: "X-Multi", In: "header"}},
			params:    map[string]any{"X-Request-Id": "r-1", "session": "abc123", "X-Multi": []any{"a", "b"}},
			wantHdr:   map[string]string{"X-Request-Id": "r-1", "Accept": "application/xml", "Cookie": "session=abc123", "X-Multi": "a"},
		},
		{
			name:      "no Accept for a non-JSON format",
			format:    "xml",
			wantNoHdr: []string{"Accept", "Content-Type", "Authorization"},
		},
		{
			name:      "environment parameter feeds authentication",
			consumer:  []*spec.ConsumedParam{{Name: "API_TOKEN", In: "environment"}},
			auth:      &spec.Auth{Type: "bearer", Token: "{{API_TOKEN}}"},
			env:       map[string]string{"API_TOKEN": "env-token-value"},
			params:    map[string]any{"API_TOKEN": "caller-value"},
			wantHdr:   map[string]string{"Authorization": "Bearer env-token-value"},
			wantNoHdr: []string{"API_TOKEN"},
		},
		{
			name:      "path parameter with a value template",
			path:      "/users/{id}/items/{{item}}",
			operation: []*spec.ConsumedParam{{Name: "id", In: "path", Value: "{{userId}}", HasValue: true}},
			params:    map[string]any{"userId": "u/1", "item": 7},
			wantPath:  "/users/u%2F1/items/7",
		},
		{
			name:     "dotted placeholder name",
			path:     "/ships/{{tools.imo}}",
			params:   map[string]any{"tools": map[string]any{"imo": "IMO 9"}},
			wantPath: "/ships/IMO%209",
		},
		{
			name:      "resolved values are visible to later templates",
			operation: []*spec.ConsumedParam{{Name: "account", In: "query", Value: "acc-{{n}}", HasValue: true}, {Name: "X-Account", In: "header", Value: "{{account}}", HasValue: true}},
			params:    map[string]any{"n": 5},
			wantQuery: "account=acc-5",
			wantHdr:   map[string]string{"X-Account": "acc-5"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			up := newUpstream(t, 200, nil, "")
			path := tt.path
			if path == "" {
				path = "/p"
			}
			c := simpleConsumer(up.URL, path, &spec.ConsumedOperation{InputParameters: tt.operation, OutputRawFormat: tt.format})
			c.InputParameters = tt.consumer
			c.Resources[0].InputParameters = tt.resource
			c.Authentication = tt.auth
			cl := newClient(t, c, Options{Vars: tt.vars, LookupEnv: env(tt.env)})
			_, err := call(t, cl, c, tt.params)
			require.NoError(t, err)
			got := up.next(t)
			if tt.wantPath != "" {
				assert.Equal(t, tt.wantPath, got.RawPath)
			}
			assert.Equal(t, tt.wantQuery, got.RawQuery)
			for k, v := range tt.wantHdr {
				assert.Equal(t, v, got.Header.Get(k), k)
			}
			if tt.name == "headers, standard header override, cookies" {
				assert.Equal(t, []string{"a", "b"}, got.Header.Values("X-Multi"))
				assert.Len(t, got.Header.Values("Accept"), 1)
			}
			for _, k := range tt.wantNoHdr {
				assert.Empty(t, got.Header.Values(k), k)
			}
		})
	}
}

func TestParameterInputErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		params []*spec.ConsumedParam
		path   string
		input  map[string]any
		param  string
	}{
		{"required query missing", []*spec.ConsumedParam{{Name: "q", In: "query", Required: true}}, "/p", nil, "q"},
		{"required header missing", []*spec.ConsumedParam{{Name: "X-Key", In: "header", Required: true}}, "/p", map[string]any{"X-Key": nil}, "X-Key"},
		{"header value with CRLF", []*spec.ConsumedParam{{Name: "X-Key", In: "header"}}, "/p", map[string]any{"X-Key": "a\r\nInjected: 1"}, "X-Key"},
		{"path placeholder missing", nil, "/users/{{user}}/x", map[string]any{"other": 1}, "user"},
		{"required body missing", []*spec.ConsumedParam{{Name: "name", In: "body", Required: true}, {Name: "age", In: "body"}}, "/p", map[string]any{"age": 3}, "name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			up := newUpstream(t, 200, nil, "")
			c := simpleConsumer(up.URL, tt.path, &spec.ConsumedOperation{Method: http.MethodPost, InputParameters: tt.params})
			cl := newClient(t, c, Options{})
			_, err := call(t, cl, c, tt.input)
			var ie *InputError
			require.ErrorAs(t, err, &ie)
			assert.Equal(t, tt.param, ie.Param)
			assert.NotContains(t, err.Error(), "Injected")
			up.none(t)
		})
	}
}

func TestNewConfigErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		c    *spec.Consumer
		want string
	}{
		{"body block and body parameter", simpleConsumer("http://x", "/p", &spec.ConsumedOperation{
			Name: "both", InputParameters: []*spec.ConsumedParam{{Name: "b", In: "body"}}, Body: &spec.RequestBody{IsRaw: true, Raw: "{}"},
		}), `consumer "test-api" operation "both": both a body block and`},
		{"unknown location", simpleConsumer("http://x", "/p", &spec.ConsumedOperation{
			Name: "loc", InputParameters: []*spec.ConsumedParam{{Name: "b", In: "matrix"}},
		}), `parameter "b": unknown location "matrix"`},
		{"bad header name", simpleConsumer("http://x", "/p", &spec.ConsumedOperation{
			InputParameters: []*spec.ConsumedParam{{Name: "Bad Header", In: "header"}},
		}), `parameter "Bad Header": not a valid header name`},
		{"unknown body type", simpleConsumer("http://x", "/p", &spec.ConsumedOperation{
			Body: &spec.RequestBody{Type: "avro", Data: "x"},
		}), `not supported yet: request body type "avro"`},
		{"text body with a map", simpleConsumer("http://x", "/p", &spec.ConsumedOperation{
			Body: &spec.RequestBody{Type: "text", Data: map[string]any{}},
		}), `body of type text: data must be a string`},
		{"not an http consumer", &spec.Consumer{Type: "grpc", Namespace: "g", BaseURI: "http://x"}, `not supported yet: consumer type "grpc"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := New(tt.c, Options{LookupEnv: env(nil)})
			var ce *ConfigError
			require.ErrorAs(t, err, &ce)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
}
