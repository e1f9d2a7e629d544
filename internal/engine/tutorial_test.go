package engine_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/mcp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/naftiko-go/naftiko/internal/spec"
)

// The reference tutorial (reference §8.1), loaded from the shared corpus and
// served in-process against fakeShipyard. Each test reproduces what the
// reference engine's tests assert for that step, through MCP and, where the
// step has a REST adapter, through REST.

const tutorialDir = "../../../shared/corpus/reference-engine/tutorial"

// mcpServerToken is the value of mcp-server-token in the tutorial's
// shared/secrets.yaml: sent in case the adapter's bearer authentication is
// enforced.
const mcpServerToken = "sk-mcp-YYYYYYYYYYYY"

// tutorial is one tutorial step served in-process.
type tutorial struct {
	up   *fakeShipyard
	urls map[string]string
	mcp  *client.Client
}

func serveTutorial(t *testing.T, file string) *tutorial {
	t.Helper()
	path := filepath.Join(tutorialDir, file)
	if _, err := os.Stat(path); err != nil {
		t.Skipf("the reference tutorial is not available at %s: %v", path, err)
	}
	doc, diags := spec.Load(path)
	require.False(t, diags.HasErrors(), "load diagnostics:\n%s", diags.Error())
	up := newFakeShipyard(t)
	tu := &tutorial{up: up}

	eng, diags := buildDoc(t, doc, up.url, nil)
	require.False(t, diags.HasErrors(), "build diagnostics:\n%s", diags.Error())
	tu.urls = serveEngine(t, eng)
	if u, ok := tu.urls["shipyard-tools"]; ok {
		tu.mcp = mcpClientWith(t, u, map[string]string{"Authorization": "Bearer " + mcpServerToken})
	}
	return tu
}

// toolWire is a tool of tools/list as sent on the wire.
type toolWire struct {
	Name        string `json:"name"`
	Description string `json:"description"`
	InputSchema struct {
		Properties map[string]struct {
			Type string `json:"type"`
		} `json:"properties"`
		Required []string `json:"required"`
	} `json:"inputSchema"`
	Annotations map[string]any `json:"annotations"`
}

func (tu *tutorial) tools(t *testing.T) []toolWire {
	t.Helper()
	list, err := tu.mcp.ListTools(t.Context(), mcp.ListToolsRequest{})
	require.NoError(t, err)
	raw, err := json.Marshal(list.Tools)
	require.NoError(t, err)
	var out []toolWire
	require.NoError(t, json.Unmarshal(raw, &out))
	return out
}

func toolNames(ts []toolWire) []string {
	out := make([]string, len(ts))
	for i, tl := range ts {
		out[i] = tl.Name
	}
	return out
}

func findTool(t *testing.T, ts []toolWire, name string) toolWire {
	t.Helper()
	for _, tl := range ts {
		if tl.Name == name {
			return tl
		}
	}
	t.Fatalf("no tool %q in %v", name, toolNames(ts))
	return toolWire{}
}

// expectTools checks the tool names in order.
func (tu *tutorial) expectTools(t *testing.T, want ...string) []toolWire {
	t.Helper()
	ts := tu.tools(t)
	assert.Equal(t, want, toolNames(ts))
	return ts
}

// assertShipSummaries checks a list of ships as the tutorial shapes them.
func assertShipSummaries(t *testing.T, v any, status string) {
	t.Helper()
	list, ok := v.([]any)
	require.True(t, ok, "an array: %v", v)
	require.NotEmpty(t, list)
	for _, el := range list {
		obj, ok := el.(map[string]any)
		require.True(t, ok)
		for _, k := range []string{"imo", "name", "type", "flag", "status"} {
			assert.NotEmpty(t, obj[k], k)
		}
		if status != "" {
			assert.Equal(t, status, obj["status"])
		}
	}
}

// checkListAndGet is what the reference tests assert for steps 2–4.
func (tu *tutorial) checkListAndGet(t *testing.T) map[string]any {
	t.Helper()
	ts := tu.tools(t)
	list := findTool(t, ts, "list-ships")
	assert.Equal(t, "string", list.InputSchema.Properties["status"].Type)
	assert.NotContains(t, list.InputSchema.Required, "status")
	get := findTool(t, ts, "get-ship")
	assert.Equal(t, "string", get.InputSchema.Properties["imo"].Type)
	assert.Contains(t, get.InputSchema.Required, "imo")

	assertShipSummaries(t, toolJSON(t, tu.mcp, "list-ships", nil), "")
	assertShipSummaries(t, toolJSON(t, tu.mcp, "list-ships", map[string]any{"status": "active"}), "active")
	assert.Equal(t, "status=active", tu.up.last(t, "/ships").RawQuery)
	ship := toolJSON(t, tu.mcp, "get-ship", map[string]any{"imo": "IMO-9321483"}).(map[string]any)
	assert.Equal(t, "IMO-9321483", ship["imo"])
	return ship
}

// checkRegistryCredentials checks that the binds of shared/secrets.yaml,
// read relative to the capability file, reached the registry.
func (tu *tutorial) checkRegistryCredentials(t *testing.T, token string) {
	t.Helper()
	r := tu.up.last(t, "/ships/IMO-9321483")
	assert.Equal(t, "Bearer "+token, r.Header.Get("Authorization"))
	assert.Equal(t, "1.0.0-alpha2", r.Header.Get("Registry-Version"))
}

func (tu *tutorial) checkLegacy(t *testing.T) {
	t.Helper()
	list := toolJSON(t, tu.mcp, "list-legacy-vessels", nil).([]any)
	require.NotEmpty(t, list)
	first := list[0].(map[string]any)
	assert.Equal(t, map[string]any{"vesselCode": "LEGACY-4012", "name": "Old Faithful", "type": "trawler", "flag": "IS", "status": "active"}, first)
	assert.Equal(t, "dummy-dockyard-key", tu.up.last(t, "/vessels").Header.Get("X-Dock-Key"))
}

var voyageArgs = map[string]any{
	"shipImo": "IMO-9321483", "departurePort": "Oslo", "arrivalPort": "Singapore",
	"departureDate": "2026-04-10", "arrivalDate": "2026-05-02",
	"crewIds": []any{"CREW-001", "CREW-002"}, "cargoIds": []any{"CARGO-7001"},
}

// assertVoyage checks a created voyage as the tutorial shapes it.
func assertVoyage(t *testing.T, v map[string]any) {
	t.Helper()
	assert.Equal(t, "IMO-9321483", v["shipImo"])
	assert.Equal(t, map[string]any{"from": "Oslo", "to": "Singapore"}, v["route"])
	assert.Equal(t, map[string]any{"departure": "2026-04-10", "arrival": "2026-05-02"}, v["dates"])
	assert.Equal(t, []any{"CREW-001", "CREW-002"}, v["crewIds"])
	assert.Equal(t, []any{"CARGO-7001"}, v["cargoIds"])
	assert.NotEmpty(t, v["status"])
}

func (tu *tutorial) checkCreateVoyage(t *testing.T) {
	t.Helper()
	ts := tu.tools(t)
	cv := findTool(t, ts, "create-voyage")
	assert.Equal(t, "array", cv.InputSchema.Properties["crewIds"].Type)
	assert.Equal(t, "array", cv.InputSchema.Properties["cargoIds"].Type)
	assert.NotContains(t, cv.InputSchema.Required, "cargoIds")
	assertVoyage(t, toolJSON(t, tu.mcp, "create-voyage", voyageArgs).(map[string]any))
	assert.JSONEq(t, `{"shipImo":"IMO-9321483","departurePort":"Oslo","arrivalPort":"Singapore","departureDate":"2026-04-10","arrivalDate":"2026-05-02","crewIds":["CREW-001","CREW-002"],"cargoIds":["CARGO-7001"]}`,
		tu.up.last(t, "/voyages").Body, "the raw body template with arrays")
}

// assertShipWithCrew checks get-ship-with-crew as the step 7 test does,
// with the values of our fake.
func assertShipWithCrew(t *testing.T, v map[string]any) {
	t.Helper()
	assert.Equal(t, "IMO-9321483", v["imo"])
	assert.Equal(t, "Northern Star", v["name"])
	assert.Equal(t, "active", v["status"])
	assert.Equal(t, float64(229), v["length"])
	assert.Equal(t, []any{
		map[string]any{"fullName": "Ingrid Solberg", "role": "captain"},
		map[string]any{"fullName": "Tomas Reyes", "role": "chief engineer"},
	}, v["crew"])
}

func (tu *tutorial) checkShipWithCrew(t *testing.T) {
	t.Helper()
	assertShipWithCrew(t, toolJSON(t, tu.mcp, "get-ship-with-crew", map[string]any{"imo": "IMO-9321483"}).(map[string]any))
}

func (tu *tutorial) rest(t *testing.T, method, path, body string) (int, any) {
	t.Helper()
	u, ok := tu.urls["shipyard-api"]
	require.True(t, ok, "the REST adapter shipyard-api is served")
	got := do(t, method, u+path, body)
	if got.body == "" {
		return got.status, nil
	}
	return got.status, decoded(t, got.body)
}

func TestTutorialStep1Mock(t *testing.T) {
	tu := serveTutorial(t, "step-1-shipyard-mock.yml")
	ts := tu.expectTools(t, "get-ship")
	assert.Equal(t, "Retrieve a ship's details by IMO number", ts[0].Description)
	res := callTool(t, tu.mcp, "get-ship", map[string]any{"imo_number": "IMO-9321483"})
	assert.False(t, res.IsError)
	assert.JSONEq(t, `{"imo":"IMO-9321483","name":"Northern Star","type":"cargo","flag":"NO","status":"active"}`, resultText(t, res))
}

func TestTutorialStep2Wiring(t *testing.T) {
	tu := serveTutorial(t, "step-2-shipyard-wiring.yml")
	tu.expectTools(t, "list-ships", "get-ship")
	ship := tu.checkListAndGet(t)
	assert.Equal(t, map[string]any{"imo": "IMO-9321483", "name": "Northern Star", "type": "cargo", "flag": "NO", "status": "active"}, ship)
}

func TestTutorialStep3Auth(t *testing.T) {
	tu := serveTutorial(t, "step-3-shipyard-auth.yml")
	tu.expectTools(t, "list-ships", "get-ship")
	tu.checkListAndGet(t)
	tu.checkRegistryCredentials(t, "dummy-token")
}

func TestTutorialStep4OutputShaping(t *testing.T) {
	tu := serveTutorial(t, "step-4-shipyard-output-shaping.yml")
	ship := tu.checkListAndGet(t)
	assert.Equal(t, map[string]any{"yearBuilt": float64(2015), "tonnage": float64(42000), "length": float64(229)}, ship["specs"])
}

func TestTutorialStep5MultiSource(t *testing.T) {
	tu := serveTutorial(t, "step-5-shipyard-multi-source.yml")
	tu.expectTools(t, "list-ships", "get-ship", "list-legacy-vessels")
	ship := tu.checkListAndGet(t)
	assert.Equal(t, map[string]any{"yearBuilt": float64(2015), "tonnage": float64(42000), "length": float64(229)}, ship["specs"])
	tu.checkRegistryCredentials(t, "dummy-token")
	tu.checkLegacy(t)
}

func TestTutorialStep6WriteOperations(t *testing.T) {
	tu := serveTutorial(t, "step-6-shipyard-write-operations.yml")
	tu.expectTools(t, "list-ships", "get-ship", "list-legacy-vessels", "create-voyage")
	tu.checkCreateVoyage(t)
	tu.checkLegacy(t)
}

func TestTutorialStep7OrchestratedLookup(t *testing.T) {
	tu := serveTutorial(t, "step-7-shipyard-orchestrated-lookup.yml")
	tu.expectTools(t, "list-ships", "get-ship", "list-legacy-vessels", "create-voyage", "get-ship-with-crew")
	tu.checkShipWithCrew(t)
	tu.checkCreateVoyage(t)

	status, ship := tu.rest(t, "GET", "/ships/IMO-9321483", "")
	assert.Equal(t, 200, status)
	assert.Equal(t, "IMO-9321483", ship.(map[string]any)["imo"])
	status, created := tu.rest(t, "POST", "/voyages", mustJSON(t, voyageArgs))
	assert.Equal(t, 201, status)
	assertVoyage(t, created.(map[string]any))
}

func TestTutorialStep8SkillGroups(t *testing.T) {
	tu := serveTutorial(t, "step-8-shipyard-skill-groups.yml")
	tu.expectTools(t, "list-ships", "get-ship", "list-legacy-vessels", "create-voyage", "get-ship-with-crew")
	tu.checkCreateVoyage(t)
	tu.checkShipWithCrew(t)
}

func TestTutorialStep9Aggregates(t *testing.T) {
	tu := serveTutorial(t, "step-9-shipyard-aggregates.yml")
	ts := tu.expectTools(t, "list-ships", "get-ship", "list-legacy-vessels", "create-voyage", "get-ship-with-crew")
	tu.checkShipWithCrew(t)
	// The ref'd tool takes the function's inputs and its hints from the
	// function's semantics (safe, idempotent).
	sw := findTool(t, ts, "get-ship-with-crew")
	assert.Equal(t, "Get ship details with resolved crew names", sw.Description)
	assert.Equal(t, []string{"imo"}, sw.InputSchema.Required)
	assert.Equal(t, true, sw.Annotations["readOnlyHint"])
	assert.Equal(t, false, sw.Annotations["destructiveHint"])
	assert.Equal(t, true, sw.Annotations["idempotentHint"])
}

func TestTutorialStep10RestAdapter(t *testing.T) {
	tu := serveTutorial(t, "step-10-shipyard-rest-adapter.yml")
	tu.expectTools(t, "list-ships", "get-ship", "list-legacy-vessels", "create-voyage", "get-ship-with-crew")
	tu.checkShipWithCrew(t)

	status, ships := tu.rest(t, "GET", "/ships", "")
	assert.Equal(t, 200, status)
	assertShipSummaries(t, ships, "")
	status, created := tu.rest(t, "POST", "/voyages", mustJSON(t, voyageArgs))
	assert.Equal(t, 201, status)
	assertVoyage(t, created.(map[string]any))
	status, withCrew := tu.rest(t, "GET", "/ships/IMO-9321483/crew", "")
	assert.Equal(t, 200, status)
	assertShipWithCrew(t, withCrew.(map[string]any))
}

func TestTutorialStep11FleetManifest(t *testing.T) {
	tu := serveTutorial(t, "step-11-shipyard-fleet-manifest.yml")
	ts := tu.expectTools(t, "list-ships", "get-ship", "list-legacy-vessels", "create-voyage", "get-ship-with-crew", "get-voyage-manifest")
	m := findTool(t, ts, "get-voyage-manifest")
	assert.Equal(t, "string", m.InputSchema.Properties["voyageId"].Type)
	assert.Contains(t, m.InputSchema.Required, "voyageId")

	want := map[string]any{
		"voyageId": "VOY-2026-042", "status": "planned",
		"route": map[string]any{"from": "Oslo", "to": "Singapore"},
		"ship":  map[string]any{"name": "Northern Star", "type": "cargo", "flag": "NO"},
		"crew": []any{
			map[string]any{"fullName": "Ingrid Solberg", "role": "captain"},
			map[string]any{"fullName": "Tomas Reyes", "role": "chief engineer"},
		},
		"cargo": []any{
			map[string]any{"type": "container", "description": "Salmon, chilled", "weight": 18.5, "hazardous": false},
			map[string]any{"type": "bulk", "description": "Ammonium nitrate", "weight": float64(240), "hazardous": true},
		},
	}
	assert.Equal(t, want, toolJSON(t, tu.mcp, "get-voyage-manifest", map[string]any{"voyageId": "VOY-2026-042"}))
	// step11-registry-consumes.yml writes the token without braces: it is
	// sent as the literal text REGISTRY_TOKEN.
	assert.Equal(t, "Bearer REGISTRY_TOKEN", tu.up.last(t, "/voyages/VOY-2026-042").Header.Get("Authorization"))

	// The REST operation of the same manifest maps flat names.
	status, manifest := tu.rest(t, "GET", "/voyages/VOY-2026-042/manifest", "")
	assert.Equal(t, 200, status)
	flat := map[string]any{
		"voyageId": "VOY-2026-042", "status": "planned", "departurePort": "Oslo", "arrivalPort": "Singapore",
		"shipName": "Northern Star", "shipType": "cargo", "shipFlag": "NO", "crew": want["crew"], "cargo": want["cargo"],
	}
	assert.Equal(t, flat, manifest)
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return string(b)
}
