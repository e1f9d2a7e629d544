package engine_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const mockCapability = `naftiko: 1.0.0-alpha2
capability:
  exposes:
    - type: mcp
      namespace: harbour-mcp
      port: 1
      tools:
        - name: berth
          description: A berth by number, from constants
          inputParameters:
            - {name: number, type: string, description: berth number}
          outputParameters:
            - {name: berth, type: string, value: "B-{{number}}"}
            - {name: depth, type: number, value: "14.5"}
            - {name: free, type: boolean, value: "true"}
            - {name: pilots, type: integer, value: "{{number}}"}
        - name: nothing
          description: A mock whose outputs carry no value
          outputParameters:
            - {name: gone, type: object}
    - type: rest
      namespace: harbour-rest
      port: 2
      resources:
        - path: /berths/{number}
          operations:
            - method: GET
              outputParameters:
                - {name: berth, type: string, value: "B-{{number}}"}
                - name: crane
                  type: object
                  properties:
                    id: {type: string, value: "C-{{number}}"}
                    empty: {type: object}
                - name: tugs
                  type: array
                  items: {type: string, value: "tug-{{number}}"}
        - path: /empty
          operations:
            - method: GET
              outputParameters:
                - {name: gone, type: object}
`

// TestMock checks mock mode (reference §1.7.7): values are templates over
// the caller's inputs, coerced to the declared type (SPEC §8); REST answers
// 200 JSON, 204 when nothing has a value; MCP a text and structuredContent.
func TestMock(t *testing.T) {
	urls := serveYAML(t, mockCapability, nil, "", nil)

	t.Run("REST", func(t *testing.T) {
		tests := []struct {
			name, path string
			status     int
			body       string
		}{
			{"values, nested object and one-item array", "/berths/7", 200,
				`{"berth":"B-7","crane":{"id":"C-7"},"tugs":["tug-7"]}`},
			{"nothing to answer", "/empty", 204, ""},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				got := do(t, "GET", urls["harbour-rest"]+tc.path, "")
				assert.Equal(t, tc.status, got.status)
				if tc.body == "" {
					assert.Empty(t, got.body)
					return
				}
				assert.Equal(t, "application/json", got.header.Get("Content-Type"))
				assert.Equal(t, tc.body, got.body, "members in declaration order")
			})
		}
	})

	t.Run("MCP", func(t *testing.T) {
		c := mcpClient(t, urls["harbour-mcp"])
		tests := []struct {
			name string
			tool string
			args map[string]any
			want string
		}{
			{"coerced to the declared types", "berth", map[string]any{"number": "12"},
				`{"berth":"B-12","depth":14.5,"free":true,"pilots":12}`},
			{"nothing to answer is an empty object", "nothing", nil, `{}`},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				res := callTool(t, c, tc.tool, tc.args)
				require.False(t, res.IsError)
				assert.Equal(t, tc.want, resultText(t, res))
				assert.NotNil(t, res.StructuredContent)
			})
		}
	})
}
