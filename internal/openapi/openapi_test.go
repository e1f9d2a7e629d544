package openapi

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/naftiko-go/naftiko/internal/spec"
)

const seedFile = "../../capabilities/logto-organization-invitations.yaml"

// restAdapters loads file and returns its document and REST adapters.
func restAdapters(t *testing.T, file string) (*spec.Document, []*spec.Expose) {
	t.Helper()
	doc, ds := spec.Load(file)
	require.False(t, ds.HasErrors(), "%s: %v", file, ds)
	var out []*spec.Expose
	for _, x := range doc.Capability.Exposes {
		if x.Rest != nil {
			out = append(out, x)
		}
	}
	return doc, out
}

// validate loads data with kin-openapi and validates it.
func validate(t *testing.T, data []byte) *openapi3.T {
	t.Helper()
	loader := openapi3.NewLoader()
	d, err := loader.LoadFromData(data)
	require.NoError(t, err)
	require.NoError(t, d.Validate(loader.Context))
	return d
}

// TestShippedCapabilitiesValidate is issue 5 acceptance 3: the OpenAPI
// document of every REST adapter of every shipped capability is valid
// OpenAPI 3.1, in JSON and in YAML.
func TestShippedCapabilitiesValidate(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob("../../capabilities/*.yaml")
	require.NoError(t, err)
	require.NotEmpty(t, files)
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			t.Parallel()
			doc, adapters := restAdapters(t, f)
			for _, x := range adapters {
				d, err := Generate(doc, x, Options{})
				require.NoError(t, err)
				j, err := d.JSON()
				require.NoError(t, err)
				validate(t, j)
				y, err := d.YAML()
				require.NoError(t, err)
				validate(t, y)
			}
		})
	}
}

// TestCorpusValidate runs the generator over the reference corpus files
// with REST adapters (read in place, never copied).
func TestCorpusValidate(t *testing.T) {
	t.Parallel()
	const corpus = "../../../shared/corpus/reference-engine"
	if _, err := os.Stat(corpus); err != nil {
		t.Skipf("reference corpus not available at %s: %v", corpus, err)
	}
	for _, f := range []string{
		corpus + "/tutorial/step-10-shipyard-rest-adapter.yml",
		corpus + "/tutorial/step-11-shipyard-fleet-manifest.yml",
		corpus + "/test-resources/skill-capability.yaml",
	} {
		t.Run(filepath.Base(f), func(t *testing.T) {
			t.Parallel()
			doc, ds := spec.Load(f)
			require.False(t, ds.HasErrors(), "load diagnostics:\n%s", ds.Error())
			for _, x := range doc.Capability.Exposes {
				if x.Rest == nil {
					continue
				}
				d, err := Generate(doc, x, Options{})
				require.NoError(t, err)
				j, err := d.JSON()
				require.NoError(t, err)
				validate(t, j)
			}
		})
	}
}

func TestSeedDocument(t *testing.T) {
	t.Parallel()
	doc, adapters := restAdapters(t, seedFile)
	require.Len(t, adapters, 1)
	d, err := Generate(doc, adapters[0], Options{})
	require.NoError(t, err)
	j, err := d.JSON()
	require.NoError(t, err)
	api := validate(t, j)

	assert.Equal(t, "3.1.0", api.OpenAPI)
	assert.Equal(t, doc.Info.Label, api.Info.Title)
	require.Len(t, api.Servers, 1)

	tests := []struct {
		path, method string
		params       []string // in:name
		body         string   // request body schema type, "" for none
		codes        []string
	}{
		{"/v1/api/organization-invitations", "GET", []string{"query:organizationId", "query:inviterId", "query:invitee"}, "", []string{"200", "default"}},
		{"/v1/api/organization-invitations", "POST", nil, "object", []string{"200", "201", "default"}},
		{"/v1/api/organization-invitations/{id}", "GET", []string{"path:id"}, "", []string{"200", "default"}},
		{"/v1/api/organization-invitations/{id}", "DELETE", []string{"path:id"}, "", []string{"200", "204", "default"}},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			item := api.Paths.Find(tt.path)
			require.NotNil(t, item, "paths: %v", api.Paths.InMatchingOrder())
			op := item.GetOperation(tt.method)
			require.NotNil(t, op)
			assert.NotEmpty(t, op.OperationID)
			var got []string
			for _, p := range op.Parameters {
				got = append(got, p.Value.In+":"+p.Value.Name)
			}
			assert.ElementsMatch(t, tt.params, got)
			if tt.body == "" {
				assert.Nil(t, op.RequestBody)
			} else {
				require.NotNil(t, op.RequestBody)
				mt := op.RequestBody.Value.Content.Get("application/json")
				require.NotNil(t, mt)
				assert.True(t, mt.Schema.Value.Type.Is(tt.body), "body schema %v", mt.Schema.Value.Type)
			}
			var codes []string
			for code := range op.Responses.Map() {
				codes = append(codes, code)
			}
			assert.ElementsMatch(t, tt.codes, codes)
			def := op.Responses.Default()
			require.NotNil(t, def)
			assert.NotNil(t, def.Value.Content.Get("application/problem+json"))
		})
	}
}

func TestGenerate(t *testing.T) {
	t.Parallel()
	const file = `naftiko: 1.0.0-alpha2
info:
  label: Pets
  description: d
  stakeholders:
    - {role: owner, fullName: Ada}
    - {role: maintainer, fullName: Grace, email: grace@example.com}
capability:
  consumes:
    - type: http
      namespace: pets
      baseUri: https://pets.example.com
      resources:
        - name: pet
          path: /pets/{id}
          operations:
            - {name: get-pet, method: GET}
            - name: put-pet
              method: PUT
              inputParameters:
                - {name: name, in: body, type: string, required: true}
                - {name: age, in: body, type: integer}
  exposes:
    - type: rest
      namespace: pets-rest
      address: 0.0.0.0
      port: 8080
      authentication: {type: apikey, key: X-Key, value: k, placement: header}
      resources:
        - path: /pets/{{id}}
          name: pet
          operations:
            - method: GET
              call: pets.get-pet
              outputParameters:
                - type: object
                  properties:
                    name: {type: string, mapping: $.name}
                    tags: {type: array, mapping: $.tags, items: {type: string}}
            - method: PUT
              name: put-pet
              call: pets.put-pet
              with: {name: rest.name, age: rest.age}
        - path: /things/{id:[0-9]+}
          operations:
            - method: GET
              call: pets.get-pet
              with: {id: rest.id}
              inputParameters:
                - {name: ids, in: query, type: array}
`
	dir := t.TempDir()
	f := filepath.Join(dir, "pets.yaml")
	require.NoError(t, os.WriteFile(f, []byte(file), 0o600))
	doc, adapters := restAdapters(t, f)
	d, err := Generate(doc, adapters[0], Options{})
	require.NoError(t, err)
	j, err := d.JSON()
	require.NoError(t, err)
	api := validate(t, j)

	assert.Equal(t, "http://localhost:8080", api.Servers[0].URL)
	require.NotNil(t, api.Components.SecuritySchemes["apiKeyAuth"])
	assert.Equal(t, "X-Key", api.Components.SecuritySchemes["apiKeyAuth"].Value.Name)

	get := api.Paths.Find("/pets/{id}").Get
	require.NotNil(t, get)
	assert.Equal(t, "get-pets-id", get.OperationID, "generated from method and path")
	s := get.Responses.Status(200).Value.Content.Get("application/json").Schema.Value
	assert.True(t, s.Type.Is("object"))
	assert.True(t, s.Properties["tags"].Value.Type.Is("array"))
	assert.True(t, s.Properties["tags"].Value.Items.Value.Type.Is("string"))

	put := api.Paths.Find("/pets/{id}").Put
	require.NotNil(t, put)
	assert.Equal(t, "put-pet", put.OperationID)
	body := put.RequestBody.Value.Content.Get("application/json").Schema.Value
	assert.True(t, body.Type.Is("object"))
	assert.Equal(t, []string{"name"}, body.Required)
	assert.True(t, body.Properties["age"].Value.Type.Is("integer"))
	assert.True(t, put.RequestBody.Value.Required)

	things := api.Paths.Find("/things/{id}").Get
	require.NotNil(t, things)
	require.Len(t, things.Parameters, 2)
	id := things.Parameters.GetByInAndName("path", "id")
	require.NotNil(t, id)
	assert.Equal(t, "^(?:[0-9]+)$", id.Schema.Value.Pattern)
	ids := things.Parameters.GetByInAndName("query", "ids")
	require.NotNil(t, ids)
	assert.True(t, ids.Schema.Value.Type.Is("array"))
	require.NotNil(t, ids.Schema.Value.Items, "an untyped array still says items (Spectral's array-items)")
	assert.Nil(t, ids.Schema.Value.Items.Value.Type, "items of any type")

	// Spectral's spectral:oas ruleset: a contact, every operation tag
	// declared once, an operation description from the called operation.
	require.NotNil(t, api.Info.Contact)
	assert.Equal(t, "Grace", api.Info.Contact.Name, "the first stakeholder with an e-mail address")
	assert.Equal(t, "grace@example.com", api.Info.Contact.Email)
	require.Len(t, api.Tags, 1, "only the named resource tags its operations")
	assert.Equal(t, "pet", api.Tags[0].Name)
	assert.Equal(t, []string{"pet"}, get.Tags)
	assert.Equal(t, []string{"pet"}, put.Tags)
	assert.Empty(t, things.Tags)
}

func TestGenerateWithoutStakeholdersOrOperations(t *testing.T) {
	t.Parallel()
	const file = `naftiko: 1.0.0-alpha2
info: {label: Empty, description: d}
capability:
  consumes:
    - type: http
      namespace: pets
      baseUri: https://pets.example.com
      resources:
        - {name: pet, path: /pets, operations: [{name: list, method: GET, description: List the pets}]}
  exposes:
    - type: rest
      namespace: empty-rest
      port: 8080
      resources: []
    - type: rest
      namespace: described-rest
      port: 8081
      resources:
        - path: /pets
          operations:
            - {method: GET, call: pets.list}
`
	f := filepath.Join(t.TempDir(), "empty.yaml")
	require.NoError(t, os.WriteFile(f, []byte(file), 0o600))
	doc, adapters := restAdapters(t, f)
	require.Len(t, adapters, 2)

	d, err := Generate(doc, adapters[0], Options{})
	require.NoError(t, err)
	assert.Nil(t, d.Info.Contact, "no stakeholder, no invented contact")
	assert.Nil(t, d.Components, "no operation refers to the problem schema")
	j, err := d.JSON()
	require.NoError(t, err)
	validate(t, j)

	d, err = Generate(doc, adapters[1], Options{})
	require.NoError(t, err)
	op := d.Paths["/pets"].Get
	require.NotNil(t, op)
	assert.Equal(t, "List the pets", op.Description, "the called operation's description")
	require.NotNil(t, d.Components)
	assert.Contains(t, d.Components.Schemas, problemSchema)
}

func TestMount(t *testing.T) {
	t.Parallel()
	doc, adapters := restAdapters(t, seedFile)
	next := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusTeapot) })
	h, err := Mount(next, doc, adapters[0])
	require.NoError(t, err)
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)

	resp, err := http.Get(srv.URL + LivePath)
	require.NoError(t, err)
	defer resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, "application/json", resp.Header.Get("Content-Type"))
	loader := openapi3.NewLoader()
	api, err := loader.LoadFromIoReader(resp.Body)
	require.NoError(t, err)
	require.NoError(t, api.Validate(loader.Context))
	assert.Equal(t, srv.URL, api.Servers[0].URL, "the live document names the URL the caller reached")

	for _, tt := range []struct{ method, path string }{{"POST", LivePath}, {"GET", "/other"}} {
		req, err := http.NewRequestWithContext(t.Context(), tt.method, srv.URL+tt.path, nil)
		require.NoError(t, err)
		r, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		r.Body.Close()
		assert.Equal(t, http.StatusTeapot, r.StatusCode, "%s %s goes to the adapter", tt.method, tt.path)
	}
}

func TestMountDeclaredRouteWins(t *testing.T) {
	t.Parallel()
	x := &spec.Expose{Type: "rest", Namespace: "r", Rest: &spec.RestAdapter{Resources: []*spec.RestResource{{Path: "/openapi.json"}}}}
	assert.True(t, Declares(x))
	next := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusTeapot) })
	h, err := Mount(next, nil, x)
	require.NoError(t, err)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, LivePath, nil))
	assert.Equal(t, http.StatusTeapot, rec.Code)
}
