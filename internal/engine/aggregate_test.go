package engine_test

import (
	"encoding/json"
	"testing"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const aggregateCapability = `naftiko: 1.0.0-alpha2
capability:
  consumes:
    - namespace: registry
      type: http
      baseUri: http://registry.invalid
      resources:
        - name: ship
          path: /ships/{{imo_number}}
          operations:
            - {name: get-ship, method: GET}
        - name: crew
          path: /crew
          operations:
            - {name: list-crew, method: GET}
  aggregates:
    - label: Greetings
      namespace: greeter
      functions:
        - name: hello
          description: Say hello
          semantics: {safe: true, idempotent: true}
          inputParameters:
            - {name: name, type: string, description: who}
          outputParameters:
            - {name: message, type: string, value: "Hello, {{name}}!"}
            - {name: source, type: string, value: aggregate-mock}
    - label: Fleet
      namespace: fleet
      functions:
        - name: ship
          description: A ship by IMO number
          semantics: {safe: true, idempotent: true}
          inputParameters:
            - {name: imo, type: string, required: false, description: IMO number}
          call: registry.get-ship
          with: {imo_number: fleet.imo}
        - name: ship-name
          description: A ship's name, shaped by the function
          call: registry.get-ship
          with: {imo_number: "{{imo}}"}
          outputParameters:
            - {type: string, mapping: $.vessel_name}
        - name: crew-of
          description: A ship's crew by lookup
          semantics: {safe: false}
          inputParameters:
            - {name: imo, type: string, description: IMO number}
          steps:
            - {name: get-ship, type: call, call: registry.get-ship, with: {imo_number: fleet.imo}}
            - {name: list-crew, type: call, call: registry.list-crew}
            - {name: names, type: lookup, index: list-crew, match: crewId, lookupValue: $.get-ship.assignedCrew, outputParameters: [fullName]}
          mappings:
            - {targetName: ship, value: $.get-ship.vessel_name}
            - {targetName: crew, value: $.names}
  exposes:
    - type: mcp
      namespace: agg-mcp
      port: 1
      tools:
        - ref: greeter.hello
        - name: flagship
          description: The flagship, shaped by the tool
          ref: fleet.ship
          with: {imo: IMO-9321483}
          outputParameters:
            - type: object
              properties:
                name: {type: string, mapping: $.vessel_name}
                tons: {type: number, mapping: $.gross_tonnage}
        - name: ship-name
          description: A ship's name
          ref: fleet.ship-name
          inputParameters:
            - {name: imo, type: string, description: IMO number}
          outputParameters:
            - {type: string, mapping: $.flag_code}
        - name: crew
          ref: fleet.crew-of
          hints: {destructive: false, openWorld: false}
    - type: rest
      namespace: agg-rest
      port: 2
      resources:
        - path: /hello
          operations:
            - method: GET
              ref: greeter.hello
              inputParameters:
                - {name: name, in: query, type: string, description: who}
        - path: /ships/{imo}/crew
          operations:
            - method: GET
              ref: fleet.crew-of
`

// TestAggregateRef checks tools and operations that run an aggregate
// function (reference §1.9), through MCP and REST.
func TestAggregateRef(t *testing.T) {
	up := newFakeShipyard(t)
	urls := serveYAML(t, aggregateCapability, nil, up.url, nil)
	c := mcpClient(t, urls["agg-mcp"])

	t.Run("MCP", func(t *testing.T) {
		tests := []struct {
			name, tool string
			args       map[string]any
			want       string
		}{
			{"mock function, inherited name", "hello", map[string]any{"name": "Nina"}, `{"message":"Hello, Nina!","source":"aggregate-mock"}`},
			{"tool with first, function with in the aggregate namespace, tool outputs as fallback", "flagship", nil, `{"name":"Northern Star","tons":42000}`},
			{"the function's own outputs win", "ship-name", map[string]any{"imo": "IMO-9405876"}, `"Fjord Runner"`},
			{"function with steps", "crew", map[string]any{"imo": "IMO-9321483"}, `{"ship":"Northern Star","crew":[{"fullName":"Ingrid Solberg"},{"fullName":"Tomas Reyes"}]}`},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				res := callTool(t, c, tc.tool, tc.args)
				require.False(t, res.IsError, resultText(t, res))
				assert.Equal(t, tc.want, resultText(t, res))
			})
		}
	})

	t.Run("REST", func(t *testing.T) {
		tests := []struct {
			name, path string
			want       string
		}{
			{"mock function", "/hello?name=Nina", `{"message":"Hello, Nina!","source":"aggregate-mock"}`},
			{"function with steps", "/ships/IMO-9405876/crew", `{"ship":"Fjord Runner","crew":[{"fullName":"Ana Ferreira"}]}`},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				got := do(t, "GET", urls["agg-rest"]+tc.path, "")
				assert.Equal(t, 200, got.status)
				assert.Equal(t, tc.want, got.body)
			})
		}
	})

	t.Run("MCP tools inherit inputs and derive hints from semantics", func(t *testing.T) {
		list, err := c.ListTools(t.Context(), mcp.ListToolsRequest{})
		require.NoError(t, err)
		type want struct {
			desc, input                 string
			ro, destructive, idempotent bool
			openWorld                   bool
		}
		wants := map[string]want{
			// safe → readOnly and not destructive; idempotent copied.
			"hello": {"Say hello", "name", true, false, true, false},
			// safe: false → not read-only; idempotent derived from the GET
			// calls; explicit hints override.
			"crew": {"A ship's crew by lookup", "imo", false, false, true, false},
		}
		for _, tool := range list.Tools {
			w, ok := wants[tool.Name]
			if !ok {
				continue
			}
			raw, err := json.Marshal(tool)
			require.NoError(t, err)
			var wire struct {
				Description string `json:"description"`
				InputSchema struct {
					Properties map[string]any `json:"properties"`
				} `json:"inputSchema"`
				Annotations map[string]any `json:"annotations"`
			}
			require.NoError(t, json.Unmarshal(raw, &wire))
			assert.Equal(t, w.desc, wire.Description, tool.Name)
			assert.Contains(t, wire.InputSchema.Properties, w.input, tool.Name)
			assert.Equal(t, w.ro, wire.Annotations["readOnlyHint"], tool.Name+" readOnlyHint")
			assert.Equal(t, w.destructive, wire.Annotations["destructiveHint"], tool.Name+" destructiveHint")
			assert.Equal(t, w.idempotent, wire.Annotations["idempotentHint"], tool.Name+" idempotentHint")
			assert.Equal(t, w.openWorld, wire.Annotations["openWorldHint"], tool.Name+" openWorldHint")
			delete(wants, tool.Name)
		}
		assert.Empty(t, wants, "tools missing from tools/list")
	})
}
