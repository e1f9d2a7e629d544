package skill

import (
	"archive/zip"
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/naftiko-go/naftiko/internal/spec"
)

// skillCapability follows the reference corpus's skill-capability.yaml,
// with the skill's location in the capability's folder.
const skillCapability = `naftiko: 1.0.0-alpha2
info: {label: Skill Test Capability, description: skills}
capability:
  exposes:
    - type: rest
      port: 9098
      namespace: orders-rest
      resources:
        - path: /orders
          operations:
            - {method: GET, name: list-orders, call: mock-orders.list}
    - type: mcp
      port: 9099
      namespace: orders-mcp
      tools:
        - {name: list-orders, description: List orders, call: mock-orders.list}
    - type: skill
      port: 9097
      namespace: orders-skills
      description: Order management skills catalog
      skills:
        - name: order-management
          description: Tools for managing orders
          license: MIT
          location: file://./skills/order-management
          allowed-tools: list-orders
          argument-hint: Use for order operations
          metadata: {team: orders}
          tools:
            - name: list-orders
              description: List all orders in the system
              from: {sourceNamespace: orders-rest, action: list-orders}
            - name: list-orders-mcp
              description: The same, as an MCP tool
              from: {sourceNamespace: orders-mcp, action: list-orders}
            - name: order-guide
              description: Guide for working with orders
              instruction: order-guide.md
        - name: onboarding-guide
          description: A purely descriptive skill with no tools
  consumes:
    - type: http
      namespace: mock-orders
      baseUri: http://localhost:9099/v1
      resources:
        - name: orders
          path: orders
          operations:
            - {method: GET, name: list}
`

// load writes skillCapability and its skill files and returns the adapters.
func load(t *testing.T) (*spec.Expose, []*spec.Expose, string) {
	t.Helper()
	dir := t.TempDir()
	for name, content := range map[string]string{
		"skills/order-management/SKILL.md":          "---\nname: order-management\n---\n# Orders\n",
		"skills/order-management/order-guide.md":    "Use list-orders.",
		"skills/order-management/notes/run.txt":     "echo hi",
		"skills/order-management/data/example.json": `{"a":1}`,
		"secret.txt": "outside",
	} {
		p := filepath.Join(dir, filepath.FromSlash(name))
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte(content), 0o600))
	}
	require.NoError(t, os.Symlink(filepath.Join(dir, "secret.txt"), filepath.Join(dir, "skills/order-management/leak.txt")))
	file := filepath.Join(dir, "capability.yaml")
	require.NoError(t, os.WriteFile(file, []byte(skillCapability), 0o600))
	doc, ds := spec.Load(file)
	require.False(t, ds.HasErrors(), "%v", ds)
	return doc.Capability.Exposes[2], doc.Capability.Exposes, dir
}

func TestCheck(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		mutate  func(x *spec.Expose)
		want    string
		warning bool
	}{
		{"neither from nor instruction", func(x *spec.Expose) { x.Skill.Skills[0].Tools[0].From = nil },
			"Skill tool 'list-orders' in skill 'order-management' must define either 'from' or 'instruction'.", false},
		{"both", func(x *spec.Expose) { x.Skill.Skills[0].Tools[0].Instruction = "x.md" },
			"Skill tool 'list-orders' in skill 'order-management' cannot define both 'from' and 'instruction'.", false},
		{"unknown namespace", func(x *spec.Expose) { x.Skill.Skills[0].Tools[0].From.SourceNamespace = "nope" },
			"Skill tool 'list-orders' in skill 'order-management' references unknown namespace 'nope'. Expected one of: [orders-rest, orders-mcp]", false},
		{"instruction without location", func(x *spec.Expose) { x.Skill.Skills[0].Location = "" },
			"Skill tool 'order-guide' in skill 'order-management' uses 'instruction' but the skill has no 'location' configured.", false},
		{"unknown action", func(x *spec.Expose) { x.Skill.Skills[0].Tools[1].From.Action = "nope" },
			"Skill tool 'list-orders-mcp' in skill 'order-management' references action 'nope', which adapter 'orders-mcp' does not declare", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			x, siblings, _ := load(t)
			require.Empty(t, Check(x, siblings))
			tt.mutate(x)
			got := Check(x, siblings)
			require.Len(t, got, 1)
			assert.Equal(t, tt.want, got[0].Message)
			assert.Equal(t, tt.warning, got[0].Warning)
			_, err := New(x, siblings, Options{})
			if tt.warning {
				assert.NoError(t, err)
			} else {
				assert.EqualError(t, err, tt.want)
			}
		})
	}
}

func serve(t *testing.T) *httptest.Server {
	t.Helper()
	x, siblings, _ := load(t)
	h, err := New(x, siblings, Options{})
	require.NoError(t, err)
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

func fetch(t *testing.T, u string) (int, string, http.Header) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, u, nil)
	require.NoError(t, err)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(b), resp.Header
}

func TestCatalogue(t *testing.T) {
	t.Parallel()
	srv := serve(t)
	tests := []struct {
		path   string
		status int
		json   string // expected JSON body, "" to skip
		ctype  string
		body   string // expected raw body, "" to skip
	}{
		{path: "/skills", status: 200, json: `{"count":2,"skills":[
			{"name":"order-management","description":"Tools for managing orders","license":"MIT","tools":["list-orders","list-orders-mcp","order-guide"]},
			{"name":"onboarding-guide","description":"A purely descriptive skill with no tools","tools":[]}]}`},
		{path: "/skills/order-management", status: 200, json: `{"name":"order-management","description":"Tools for managing orders",
			"license":"MIT","argument-hint":"Use for order operations","allowed-tools":"list-orders","metadata":{"team":"orders"},
			"tools":[
			{"name":"list-orders","description":"List all orders in the system","type":"derived","invocationRef":{"targetNamespace":"orders-rest","action":"list-orders","mode":"rest"}},
			{"name":"list-orders-mcp","description":"The same, as an MCP tool","type":"derived","invocationRef":{"targetNamespace":"orders-mcp","action":"list-orders","mode":"mcp"}},
			{"name":"order-guide","description":"Guide for working with orders","type":"instruction","instruction":"order-guide.md"}]}`},
		{path: "/skills/nope", status: 404},
		{path: "/skills/order-management/contents", status: 200, json: `{"name":"order-management","files":[
			{"path":"SKILL.md","size":40,"type":"text/markdown"},
			{"path":"data/example.json","size":7,"type":"application/json"},
			{"path":"notes/run.txt","size":7,"type":"text/plain"},
			{"path":"order-guide.md","size":16,"type":"text/markdown"}]}`},
		{path: "/skills/order-management/contents/order-guide.md", status: 200, ctype: "text/markdown", body: "Use list-orders."},
		{path: "/skills/order-management/contents/data/example.json", status: 200, ctype: "application/json", body: `{"a":1}`},
		{path: "/skills/order-management/contents/missing.md", status: 404},
		{path: "/skills/order-management/contents/..%2F..%2Fsecret.txt", status: 400},
		{path: "/skills/order-management/contents/leak.txt", status: 400},
		{path: "/skills/order-management/contents/a%20b", status: 400},
		{path: "/skills/onboarding-guide/contents", status: 404},
		{path: "/skills/onboarding-guide/download", status: 404},
		{path: "/other", status: 404},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			t.Parallel()
			code, body, hdr := fetch(t, srv.URL+tt.path)
			assert.Equal(t, tt.status, code, body)
			if tt.json != "" {
				assert.Equal(t, "application/json", hdr.Get("Content-Type"))
				assert.JSONEq(t, tt.json, body)
			}
			if tt.ctype != "" {
				assert.Equal(t, tt.ctype, hdr.Get("Content-Type"))
			}
			if tt.body != "" {
				assert.Equal(t, tt.body, body)
			}
		})
	}
}

func TestDownload(t *testing.T) {
	t.Parallel()
	srv := serve(t)
	code, body, hdr := fetch(t, srv.URL+"/skills/order-management/download")
	require.Equal(t, 200, code)
	assert.Equal(t, "application/zip", hdr.Get("Content-Type"))
	assert.Equal(t, `attachment; filename="order-management.zip"`, hdr.Get("Content-Disposition"))
	zr, err := zip.NewReader(bytes.NewReader([]byte(body)), int64(len(body)))
	require.NoError(t, err)
	got := map[string]string{}
	for _, f := range zr.File {
		rc, err := f.Open()
		require.NoError(t, err)
		b, err := io.ReadAll(rc)
		require.NoError(t, err)
		rc.Close()
		got[f.Name] = string(b)
	}
	assert.Equal(t, map[string]string{
		"SKILL.md":          "---\nname: order-management\n---\n# Orders\n",
		"order-guide.md":    "Use list-orders.",
		"notes/run.txt":     "echo hi",
		"data/example.json": `{"a":1}`,
	}, got, "the symbolic link out of the folder is not archived")
}
