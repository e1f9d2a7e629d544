package engine_test

import (
	"net"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/naftiko-go/naftiko/internal/engine"
)

const orchestrationCapability = `naftiko: 1.0.0-alpha2
capability:
  consumes:
    - namespace: registry
      type: http
      baseUri: http://registry.invalid
      resources:
        - name: ships
          path: /ships
          operations:
            - name: list-ships
              method: GET
              outputParameters:
                - {name: imo-number, type: string, value: $.imo_number}
        - name: ship
          path: /ships/{{imo_number}}
          operations:
            - {name: get-ship, method: GET}
        - name: crew
          path: /crew
          operations:
            - {name: list-crew, method: GET}
        - name: voyage
          path: /voyages/{{voyageId}}
          operations:
            - name: get-voyage
              method: GET
              outputParameters:
                - {name: ship, type: string, value: $.shipImo}
                - {name: from, type: string, value: $.departurePort}
        - name: broken
          path: /broken
          operations:
            - {name: get-broken, method: GET}
    - namespace: dead
      type: http
      baseUri: http://dead.invalid
      resources:
        - name: thing
          path: /thing
          operations:
            - {name: get-thing, method: GET}
  exposes:
    - type: mcp
      namespace: fleet-mcp
      port: 1
      tools:
        - name: ship-with-crew
          description: A ship with its crew resolved by lookup
          inputParameters:
            - {name: imo, type: string, description: IMO number}
          steps:
            - {name: get-ship, type: call, call: registry.get-ship, with: {imo_number: "{{imo}}"}}
            - {name: list-crew, type: call, call: registry.list-crew}
            - name: resolve-crew
              type: lookup
              index: list-crew
              match: crewId
              lookupValue: $.get-ship.assignedCrew
              outputParameters: [fullName, role]
          mappings:
            - {targetName: imo, value: $.get-ship.imo_number}
            - {targetName: specs.length, value: $.get-ship.dimensions.length_overall}
            - {targetName: specs.built, value: $.get-ship.year_built}
            - {targetName: crew, value: $.resolve-crew}
            - {targetName: captain, value: "$.resolve-crew[0].fullName"}
            - {targetName: unknown, value: $.get-ship.no_such_field}
        - name: crew-member
          description: One crew member by a templated lookup value
          inputParameters:
            - {name: n, type: string, description: crew number}
          steps:
            - {name: list-crew, type: call, call: registry.list-crew}
            - name: member
              type: lookup
              index: list-crew
              match: crewId
              lookupValue: "CREW-00{{n}}"
              outputParameters: [fullName, nationality, missing]
          mappings:
            - {targetName: member, value: $.member}
        - name: voyage-ship
          description: A later step's path uses an earlier step's projected output
          inputParameters:
            - {name: voyageId, type: string, description: voyage id}
          steps:
            - {name: get-voyage, type: call, call: registry.get-voyage, with: {voyageId: "{{voyageId}}"}}
            - {name: get-ship, type: call, call: registry.get-ship, with: {imo_number: "{{get-voyage.ship}}"}}
            - {name: list-ships, type: call, call: registry.list-ships}
            - name: by-projection
              type: lookup
              index: list-ships
              match: imo-number
              lookupValue: $.get-voyage.ship
              outputParameters: [vessel_name]
          mappings:
            - {targetName: from, value: $.get-voyage.from}
            - {targetName: ship, value: $.get-ship.vessel_name}
            - {targetName: projected, value: $.by-projection.vessel_name}
        - name: last-call
          description: Without mappings the last call answers like a simple call
          steps:
            - {name: list-crew, type: call, call: registry.list-crew}
            - {name: get-ship, type: call, call: registry.get-ship, with: {imo_number: IMO-9405876}}
        - name: missing-ship
          description: The second step fails upstream
          steps:
            - {name: list-crew, type: call, call: registry.list-crew}
            - {name: get-ship, type: call, call: registry.get-ship, with: {imo_number: IMO-0000000}}
          mappings:
            - {targetName: crew, value: $.list-crew}
        - name: unreachable
          description: A step whose upstream cannot be reached
          steps:
            - {name: get-thing, type: call, call: dead.get-thing}
          mappings:
            - {targetName: thing, value: $.get-thing}
        - name: broken-index
          description: A lookup over a step that answered no JSON
          steps:
            - {name: get-broken, type: call, call: registry.get-broken}
            - {name: find, type: lookup, index: get-broken, match: id, lookupValue: x, outputParameters: [id]}
          mappings:
            - {targetName: found, value: $.find}
    - type: rest
      namespace: fleet-rest
      port: 2
      resources:
        - path: /ships/{imo}/crew
          operations:
            - method: GET
              steps:
                - {name: get-ship, type: call, call: registry.get-ship, with: {imo_number: "{{imo}}"}}
                - {name: list-crew, type: call, call: registry.list-crew}
                - {name: resolve-crew, type: lookup, index: list-crew, match: crewId, lookupValue: $.get-ship.assignedCrew, outputParameters: [fullName]}
              mappings:
                - {targetName: ship.name, value: $.get-ship.vessel_name}
                - {targetName: crew, value: $.resolve-crew}
`

func serveOrchestration(t *testing.T) (*fakeShipyard, map[string]string) {
	t.Helper()
	up := newFakeShipyard(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	dead := "http://" + ln.Addr().String()
	require.NoError(t, ln.Close())
	urls := serveYAML(t, orchestrationCapability, nil, up.url, func(o *engine.Options) { o.BaseURIs["dead"] = dead })
	return up, urls
}

// TestOrchestration checks steps, lookups and mappings (reference §1.8)
// through MCP and REST.
func TestOrchestration(t *testing.T) {
	up, urls := serveOrchestration(t)
	c := mcpClient(t, urls["fleet-mcp"])

	tests := []struct {
		name string
		tool string
		args map[string]any
		want string
	}{
		{"call, call, array lookup, dotted targets, array index", "ship-with-crew", map[string]any{"imo": "IMO-9321483"},
			`{"imo":"IMO-9321483","specs":{"length":229,"built":2015},"crew":[{"fullName":"Ingrid Solberg","role":"captain"},{"fullName":"Tomas Reyes","role":"chief engineer"}],"captain":"Ingrid Solberg"}`},
		{"templated lookup value, missing field is null", "crew-member", map[string]any{"n": "3"},
			`{"member":{"fullName":"Ana Ferreira","missing":null,"nationality":"PT"}}`},
		{"step output in a later template, projections", "voyage-ship", map[string]any{"voyageId": "VOY-2026-042"},
			`{"from":"Oslo","ship":"Northern Star","projected":"Northern Star"}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := callTool(t, c, tc.tool, tc.args)
			require.False(t, res.IsError, resultText(t, res))
			assert.Equal(t, tc.want, resultText(t, res))
		})
	}

	t.Run("the later step's path was built from the earlier step", func(t *testing.T) {
		callTool(t, c, "voyage-ship", map[string]any{"voyageId": "VOY-2026-042"})
		up.last(t, "/ships/IMO-9321483")
	})
	t.Run("without mappings the last call answers", func(t *testing.T) {
		got := toolJSON(t, c, "last-call", nil).(map[string]any)
		assert.Equal(t, "Fjord Runner", got["vessel_name"])
	})
	t.Run("REST", func(t *testing.T) {
		got := do(t, "GET", urls["fleet-rest"]+"/ships/IMO-9405876/crew", "")
		assert.Equal(t, 200, got.status)
		assert.Equal(t, "application/json", got.header.Get("Content-Type"))
		assert.Equal(t, `{"ship":{"name":"Fjord Runner"},"crew":[{"fullName":"Ana Ferreira"}]}`, got.body)
	})
}

// TestStepFailureNamesTheStep checks that a failing step stops the
// operation with an answer that names it (never a 200).
func TestStepFailureNamesTheStep(t *testing.T) {
	_, urls := serveOrchestration(t)
	c := mcpClient(t, urls["fleet-mcp"])

	tests := []struct {
		name     string
		tool     string
		contains []string
	}{
		{"upstream 404", "missing-ship", []string{"404", `step \"get-ship\"`, "registry.get-ship", "ship not found", "urn:naftiko:problem:step-failed"}},
		{"upstream unreachable", "unreachable", []string{`step "get-thing"`, "dead.get-thing"}},
		{"lookup over a body that is not JSON", "broken-index", []string{`step "find"`, `"get-broken"`, "not JSON"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := callTool(t, c, tc.tool, nil)
			assert.True(t, res.IsError)
			text := resultText(t, res)
			for _, s := range tc.contains {
				assert.Contains(t, text, s)
			}
		})
	}

	t.Run("REST keeps the upstream status and names the step", func(t *testing.T) {
		got := do(t, "GET", urls["fleet-rest"]+"/ships/IMO-0000000/crew", "")
		assert.Equal(t, 404, got.status)
		assert.Equal(t, "application/problem+json", got.header.Get("Content-Type"))
		body := decoded(t, got.body).(map[string]any)
		assert.Equal(t, "urn:naftiko:problem:step-failed", body["type"])
		assert.Equal(t, "get-ship", body["step"])
		assert.Equal(t, "registry.get-ship", body["upstream"])
		assert.Equal(t, float64(404), body["status"])
		assert.Equal(t, map[string]any{"error": "ship not found", "imo": "IMO-0000000"}, body["upstreamBody"])
	})
}
