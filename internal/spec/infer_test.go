package spec

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// shape is the part of an Input the inference tests compare.
type shape struct {
	Name, In, Type string
	Required       bool
	Declared       bool
}

func shapes(ins []Input) []shape {
	out := make([]shape, 0, len(ins))
	for _, in := range ins {
		out = append(out, shape{in.Name, in.In, in.Type, in.Required, in.Declared})
	}
	return out
}

func TestToolInputsSeed(t *testing.T) {
	t.Parallel()
	doc := loadSeed(t)
	adapter := doc.Capability.Exposes[1]
	require.NotNil(t, adapter.MCP)
	tools := map[string]*Tool{}
	for _, tl := range adapter.MCP.Tools {
		tools[tl.Name] = tl
	}
	id := shape{Name: "id", Type: "string", Required: true}
	body := shape{Name: "body", Type: "object", Required: true}
	tests := []struct {
		tool string
		want []shape
	}{
		{"get-organization-invitations", []shape{
			{Name: "organizationId", Type: "string"},
			{Name: "inviterId", Type: "string"},
			{Name: "invitee", Type: "string"},
		}},
		{"create-organization-invitation", []shape{body}},
		{"get-organization-invitation", []shape{id}},
		{"delete-organization-invitation", []shape{id}},
		// with references first, in `with` order, then placeholders.
		{"resend-invitation-message", []shape{body, id}},
		{"update-organization-invitation-status", []shape{body, id}},
	}
	require.Len(t, tools, len(tests))
	for _, tt := range tests {
		t.Run(tt.tool, func(t *testing.T) {
			t.Parallel()
			tool := tools[tt.tool]
			require.NotNil(t, tool)
			got := ToolInputs(adapter, tool)
			assert.Equal(t, tt.want, shapes(got))
			for _, in := range got {
				if in.Name == "body" {
					assert.Equal(t, "Request body (JSON).", in.Description)
				}
			}
		})
	}
}

func TestRestInputsSeed(t *testing.T) {
	t.Parallel()
	doc := loadSeed(t)
	adapter := doc.Capability.Exposes[0]
	require.NotNil(t, adapter.Rest)
	res := adapter.Rest.Resources
	require.Len(t, res, 4)
	tests := []struct {
		name string
		r    *RestResource
		op   *RestOperation
		want []shape
	}{
		{"list", res[0], res[0].Operations[0], []shape{
			{Name: "organizationId", In: "query", Type: "string"},
			{Name: "inviterId", In: "query", Type: "string"},
			{Name: "invitee", In: "query", Type: "string"},
		}},
		{"create", res[0], res[0].Operations[1], []shape{{Name: "body", In: "body", Type: "object", Required: true}}},
		{"get", res[1], res[1].Operations[0], []shape{{Name: "id", In: "path", Type: "string", Required: true}}},
		{"resend", res[2], res[2].Operations[0], []shape{
			{Name: "id", In: "path", Type: "string", Required: true},
			{Name: "body", In: "body", Type: "object", Required: true},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tt.want, shapes(RestInputs(adapter, tt.r, tt.op)))
		})
	}
}

func TestInputsDeclaredAndInferred(t *testing.T) {
	t.Parallel()
	src := `naftiko: 1.0.0-alpha2
info: {label: x, description: y}
binds:
  - namespace: env
    keys: {TENANT: TENANT_ID}
capability:
  consumes:
    - type: http
      namespace: api
      baseUri: https://api.example.com
      resources:
        - name: items
          path: /t/{{TENANT}}/items/{{itemId}}/{{env.TENANT}}/{fixed}
          inputParameters:
            - {name: fixed, in: path, value: "1"}
          operations:
            - name: get
              method: GET
              inputParameters:
                - {name: limit, in: query}
  exposes:
    - type: mcp
      namespace: api-mcp
      port: 9000
      tools:
        - name: declared
          description: Declared inputs win.
          call: api.get
          inputParameters:
            - {name: q, type: integer, description: Q., required: false}
        - name: inferred
          description: Renamed argument and a number constant.
          call: api.get
          with:
            itemId: api-mcp.item
            limit: 10
            other: "{{x}}"
    - type: rest
      namespace: api-rest
      port: 8080
      resources:
        - path: /items/{item}
          inputParameters:
            - {name: item, in: path, type: string, description: Item.}
            - {name: verbose, in: query, type: boolean, description: Verbose.}
          operations:
            - method: GET
              call: api.get
              with: {itemId: rest.item}
              inputParameters:
                - {name: verbose, in: header, type: string, description: Verbose header., required: true}
        - path: /other/{itemId}
          operations:
            - method: GET
              call: api.get
              with: {limit: api-rest.limit}
`
	doc, ds := Parse("mem.yaml", []byte(src))
	require.False(t, ds.HasErrors(), ds.Error())
	mcp, rest := doc.Capability.Exposes[0], doc.Capability.Exposes[1]

	assert.Equal(t, []shape{{Name: "q", Type: "integer", Declared: true}}, shapes(ToolInputs(mcp, mcp.MCP.Tools[0])))
	// itemId is fed by the `with` reference; TENANT by a bind; fixed by
	// its value: only the referenced argument remains.
	assert.Equal(t, []shape{{Name: "item", Type: "string"}}, shapes(ToolInputs(mcp, mcp.MCP.Tools[1])))

	r0, r1 := rest.Rest.Resources[0], rest.Rest.Resources[1]
	assert.Equal(t, []shape{
		{Name: "item", In: "path", Type: "string", Required: true, Declared: true},
		{Name: "verbose", In: "header", Type: "string", Required: true, Declared: true},
	}, shapes(RestInputs(rest, r0, r0.Operations[0])))
	assert.Equal(t, []shape{
		{Name: "itemId", In: "path", Type: "string", Required: true},
		{Name: "limit", In: "query", Type: "string"},
	}, shapes(RestInputs(rest, r1, r1.Operations[0])))
}
