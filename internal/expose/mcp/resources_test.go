package mcp

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/mcp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/naftiko-go/naftiko/internal/expose"
	"github.com/naftiko-go/naftiko/internal/expose/exposetest"
	"github.com/naftiko-go/naftiko/internal/spec"
)

// resourcesCapability declares dynamic, templated and static resources and
// inline and file prompts (shapes from the reference corpus's
// mcp-resources-prompts-capability.yaml).
const resourcesCapability = `naftiko: 1.0.0-alpha2
info: {label: R, description: resources and prompts}
capability:
  consumes:
    - type: http
      namespace: mock-api
      baseUri: http://localhost:8080/v1
      resources:
        - path: databases/{{datasource_id}}/query
          name: query
          operations:
            - {method: POST, name: query-db}
  exposes:
    - type: mcp
      namespace: rp
      port: 9096
      tools:
        - {name: query-database, description: Query, call: mock-api.query-db, with: {datasource_id: "x"}}
      resources:
        - name: database-schema
          label: Database Schema
          uri: data://databases/pre-release/schema
          description: Schema of the database
          call: mock-api.query-db
          with: {datasource_id: test-db-id-123}
        - name: user-profile
          label: User Profile
          uri: data://users/{userId}/profile
          description: User profile by ID
          mimeType: application/json
          call: mock-api.query-db
          with: {datasource_id: "{{userId}}"}
        - name: docs
          label: Docs
          uri: docs://guide
          description: The guide
          location: file://./docs
      prompts:
        - name: participant-outreach
          label: Participant Outreach
          description: Draft outreach message
          arguments:
            - {name: participant_name, description: Name of the participant, required: true}
            - {name: product_name, description: Name of the product, required: true}
          template:
            - role: user
              content: "Draft a personalized outreach email to {{participant_name}} about the upcoming {{product_name}} pre-release."
        - name: summary-prompt
          label: Summary Prompt
          description: Summarize data
          arguments:
            - {name: data, description: The raw data, required: true}
            - {name: format, description: Output format, required: false}
          template:
            - {role: user, content: "Summarize the following data in {{format}} format:\n\n{{ data }}"}
            - {role: assistant, content: "I'll summarize the data for you."}
        - name: from-file
          label: From file
          description: A prompt file
          arguments:
            - {name: topic, description: The topic}
          location: file://./prompts/review.md
`

// resourcesAdapter writes resourcesCapability and its files into a
// temporary folder and returns its MCP adapter.
func resourcesAdapter(t *testing.T) (*spec.Expose, string) {
	t.Helper()
	dir := t.TempDir()
	files := map[string]string{
		"docs/intro.md":          "# Intro\n",
		"docs/api/reference.txt": "reference",
		"prompts/review.md":      "Review {{topic}} carefully.",
		"secret.txt":             "outside the resource folder",
	}
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte(content), 0o600))
	}
	// A symbolic link out of the folder is neither listed nor served.
	require.NoError(t, os.Symlink(filepath.Join(dir, "secret.txt"), filepath.Join(dir, "docs", "leak.txt")))
	file := filepath.Join(dir, "capability.yaml")
	require.NoError(t, os.WriteFile(file, []byte(resourcesCapability), 0o600))
	doc, ds := spec.Load(file)
	require.False(t, ds.HasErrors(), "%v", ds)
	return doc.Capability.Exposes[0], dir
}

func readResource(t *testing.T, c *client.Client, uri string) (*mcp.ReadResourceResult, error) {
	t.Helper()
	req := mcp.ReadResourceRequest{}
	req.Params.URI = uri
	return c.ReadResource(t.Context(), req)
}

func TestResourcesList(t *testing.T) {
	t.Parallel()
	x, _ := resourcesAdapter(t)
	srv := serve(t, x, &exposetest.FakeInvoker{}, Options{})
	c, init := connect(t, srv, "")
	require.NotNil(t, init.Capabilities.Resources, "resources capability announced")
	require.NotNil(t, init.Capabilities.Prompts, "prompts capability announced")

	list, err := c.ListResources(t.Context(), mcp.ListResourcesRequest{})
	require.NoError(t, err)
	got := map[string]mcp.Resource{}
	for _, r := range list.Resources {
		got[r.URI] = r
	}
	assert.ElementsMatch(t, []string{"data://databases/pre-release/schema", "docs://guide/intro.md", "docs://guide/api/reference.txt"}, keys(got))
	schema := got["data://databases/pre-release/schema"]
	assert.Equal(t, "database-schema", schema.Name)
	assert.Equal(t, "Database Schema", schema.Title)
	assert.Equal(t, "application/json", schema.MIMEType, "default MIME type of a dynamic resource")
	assert.Equal(t, "text/markdown", got["docs://guide/intro.md"].MIMEType)

	tl, err := c.ListResourceTemplates(t.Context(), mcp.ListResourceTemplatesRequest{})
	require.NoError(t, err)
	require.Len(t, tl.ResourceTemplates, 1)
	assert.Equal(t, "data://users/{userId}/profile", tl.ResourceTemplates[0].URITemplate.Raw())
	assert.Equal(t, "user-profile", tl.ResourceTemplates[0].Name)
}

func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

func TestResourcesRead(t *testing.T) {
	t.Parallel()
	x, _ := resourcesAdapter(t)
	inv := &exposetest.FakeInvoker{Fn: func(ep *spec.Endpoint, in expose.Inputs) (*expose.Result, error) {
		if in.Values["userId"] == "gone" {
			return jsonResult(404, `{"error":"no such user"}`), nil
		}
		if in.Values["userId"] == "bad" {
			return nil, expose.InputErrorf("userId", "userId is invalid")
		}
		return jsonResult(200, `{"results":[1]}`), nil
	}}
	srv := serve(t, x, inv, Options{})
	c, _ := connect(t, srv, "")

	tests := []struct {
		name, uri, mime, text, err string
		values                     map[string]any
	}{
		{name: "dynamic", uri: "data://databases/pre-release/schema", mime: "application/json", text: `{"results":[1]}`, values: map[string]any{}},
		{name: "template captures userId", uri: "data://users/u-42/profile", mime: "application/json", text: `{"results":[1]}`, values: map[string]any{"userId": "u-42"}},
		{name: "upstream error", uri: "data://users/gone/profile", err: "upstream answered HTTP 404"},
		{name: "engine input error", uri: "data://users/bad/profile", err: "userId is invalid"},
		{name: "static file", uri: "docs://guide/intro.md", mime: "text/markdown", text: "# Intro\n"},
		{name: "static nested file", uri: "docs://guide/api/reference.txt", mime: "text/plain", text: "reference"},
		{name: "symlink out of the folder", uri: "docs://guide/leak.txt", err: "not found"},
		{name: "traversal", uri: "docs://guide/../secret.txt", err: "not found"},
		{name: "unknown", uri: "data://nothing", err: "not found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := len(inv.Recorded())
			res, err := readResource(t, c, tt.uri)
			if tt.err != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.err)
				return
			}
			require.NoError(t, err)
			require.Len(t, res.Contents, 1)
			tc, ok := res.Contents[0].(mcp.TextResourceContents)
			require.True(t, ok, "%T", res.Contents[0])
			assert.Equal(t, tt.uri, tc.URI)
			assert.Equal(t, tt.mime, tc.MIMEType)
			assert.Equal(t, tt.text, tc.Text)
			if tt.values != nil {
				calls := inv.Recorded()
				require.Len(t, calls, before+1)
				assert.Equal(t, tt.values, calls[before].Inputs.Values)
			}
		})
	}
}

func TestStaticResourceErrors(t *testing.T) {
	t.Parallel()
	x, dir := resourcesAdapter(t)
	x.MCP.Resources[2].Location = "file://./nope"
	_, err := New(x, &exposetest.FakeInvoker{}, Options{})
	require.Error(t, err)
	assert.Contains(t, err.Error(), filepath.Join(dir, "nope")+" is not a directory")

	x.MCP.Resources[2].Location = "https://example.com/docs"
	_, err = New(x, &exposetest.FakeInvoker{}, Options{})
	require.Error(t, err)
	assert.Contains(t, err.Error(), `location scheme "https" is not supported`)
}

func TestPrompts(t *testing.T) {
	t.Parallel()
	x, _ := resourcesAdapter(t)
	srv := serve(t, x, &exposetest.FakeInvoker{}, Options{})
	c, _ := connect(t, srv, "")

	list, err := c.ListPrompts(t.Context(), mcp.ListPromptsRequest{})
	require.NoError(t, err)
	byName := map[string]mcp.Prompt{}
	for _, p := range list.Prompts {
		byName[p.Name] = p
	}
	require.Len(t, byName, 3)
	outreach := byName["participant-outreach"]
	assert.Equal(t, "Participant Outreach", outreach.Title)
	require.Len(t, outreach.Arguments, 2)
	assert.Equal(t, "participant_name", outreach.Arguments[0].Name)
	assert.True(t, outreach.Arguments[0].Required)
	assert.False(t, byName["summary-prompt"].Arguments[1].Required)
	assert.True(t, byName["from-file"].Arguments[0].Required, "required defaults to true")

	type msg struct{ role, text string }
	tests := []struct {
		name string
		args map[string]string
		want []msg
		err  string
	}{
		{"participant-outreach", map[string]string{"participant_name": "Ada", "product_name": "Naftiko"},
			[]msg{{"user", "Draft a personalized outreach email to Ada about the upcoming Naftiko pre-release."}}, ""},
		{"participant-outreach", map[string]string{"participant_name": "Ada"}, nil, `missing required argument "product_name"`},
		{"summary-prompt", map[string]string{"data": "1,2,3"},
			[]msg{{"user", "Summarize the following data in  format:\n\n1,2,3"}, {"assistant", "I'll summarize the data for you."}}, ""},
		{"from-file", map[string]string{"topic": "the PR"}, []msg{{"user", "Review the PR carefully."}}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := mcp.GetPromptRequest{}
			req.Params.Name, req.Params.Arguments = tt.name, tt.args
			res, err := c.GetPrompt(t.Context(), req)
			if tt.err != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.err)
				return
			}
			require.NoError(t, err)
			var got []msg
			for _, m := range res.Messages {
				tc, ok := m.Content.(mcp.TextContent)
				require.True(t, ok, "%T", m.Content)
				got = append(got, msg{string(m.Role), tc.Text})
			}
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestPromptErrors(t *testing.T) {
	t.Parallel()
	x, _ := resourcesAdapter(t)
	x.MCP.Prompts[2].Location = "file://./prompts/missing.md"
	_, err := New(x, &exposetest.FakeInvoker{}, Options{})
	require.Error(t, err)
	assert.Contains(t, err.Error(), `prompt "from-file"`)

	x, _ = resourcesAdapter(t)
	x.MCP.Prompts[0].Template[0].Role = "system"
	_, err = New(x, &exposetest.FakeInvoker{}, Options{})
	require.Error(t, err)
	assert.Contains(t, err.Error(), `role "system" must be user or assistant`)
}
