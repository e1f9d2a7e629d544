package engine_test

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/naftiko-go/naftiko/internal/engine"
)

const scriptCapability = `naftiko: 1.0.0-alpha2
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
  exposes:
    - type: mcp
      namespace: script-mcp
      port: 1
      tools:
        - name: summary
          description: A script over a step output, an input and its with
          inputParameters:
            - {name: imo, type: string, description: IMO number}
          steps:
            - {name: get-ship, type: call, call: registry.get-ship, with: {imo_number: "{{imo}}"}}
            - name: summarise
              type: script
              location: file:///./scripts
              file: summary.js
              dependencies: [lib/format.js]
              with: {unit: metres}
          mappings:
            - {targetName: line, value: $.summarise.line}
            - {targetName: crewCount, value: $.summarise.crewCount}
        - name: forever
          description: A script that never ends
          steps:
            - {name: spin, type: script, location: file:///./scripts, file: spin.js}
          mappings:
            - {targetName: x, value: $.spin}
        - name: throws
          description: A script that throws
          steps:
            - {name: fail, type: script, location: file:///./scripts, file: throw.js}
          mappings:
            - {targetName: x, value: $.fail}
        - name: recurses
          description: A script that recurses without end
          steps:
            - {name: deep, type: script, location: file:///./scripts, file: deep.js}
          mappings:
            - {targetName: x, value: $.deep}
        - name: big
          description: A script that builds a huge string
          steps:
            - {name: grow, type: script, location: file:///./scripts, file: big.js}
          mappings:
            - {targetName: x, value: $.grow}
`

var scriptFiles = map[string]string{
	"scripts/lib/format.js": `function describe(ship, unit) { return ship.vessel_name + " (" + ship.dimensions.length_overall + " " + unit + ")"; }`,
	"scripts/summary.js":    `var result = { line: describe(context["get-ship"], context.unit) + " for " + context.imo, crewCount: context["get-ship"].assignedCrew.length };`,
	"scripts/spin.js":       `while (true) {}`,
	"scripts/throw.js":      `throw new Error("no luck today");`,
	"scripts/deep.js":       `function f(n) { return f(n + 1) + 1; } result = f(0);`,
	"scripts/big.js":        `result = "x".repeat(1 << 30).length;`,
}

// TestScript checks JavaScript script steps: the context object, the result,
// dependencies, and the time, stack and string guards.
func TestScript(t *testing.T) {
	up := newFakeShipyard(t)
	urls := serveYAML(t, scriptCapability, scriptFiles, up.url, func(o *engine.Options) { o.ScriptTimeout = 300 * time.Millisecond })
	c := mcpClient(t, urls["script-mcp"])

	t.Run("result", func(t *testing.T) {
		res := callTool(t, c, "summary", map[string]any{"imo": "IMO-9321483"})
		require.False(t, res.IsError, resultText(t, res))
		assert.Equal(t, `{"line":"Northern Star (229 metres) for IMO-9321483","crewCount":2}`, resultText(t, res))
	})

	tests := []struct {
		name, tool string
		contains   []string
	}{
		{"timeout", "forever", []string{`step "spin"`, "did not finish within 300ms"}},
		{"exception", "throws", []string{`step "fail"`, "no luck today"}},
		{"stack", "recurses", []string{`step "deep"`, "deeper than"}},
		{"string size", "big", []string{`step "grow"`, "longer than"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			start := time.Now()
			res := callTool(t, c, tc.tool, nil)
			assert.True(t, res.IsError)
			for _, s := range tc.contains {
				assert.Contains(t, resultText(t, res), s)
			}
			assert.Less(t, time.Since(start), 5*time.Second)
		})
	}
}

// TestScriptBuildErrors checks what stops a script step at build time.
func TestScriptBuildErrors(t *testing.T) {
	step := func(s string) string {
		return `naftiko: 1.0.0-alpha2
capability:
  exposes:
    - type: mcp
      namespace: script-mcp
      port: 1
      tools:
        - name: t
          description: d
          steps:
            - ` + s + `
          mappings:
            - {targetName: x, value: $.s}
`
	}
	tests := []struct {
		name, step string
		want       string
	}{
		{"climbing file", `{name: s, type: script, location: file:///./scripts, file: ../secret.js}`, "must match"},
		{"missing file", `{name: s, type: script, location: file:///./scripts, file: nope.js}`, "nope.js"},
		{"no location", `{name: s, type: script, file: ok.js}`, "no location"},
		{"syntax error", `{name: s, type: script, location: file:///./scripts, file: bad.js}`, "bad.js"},
		{"python", `{name: s, type: script, language: python, location: file:///./scripts, file: ok.js}`, `not supported yet: script step "s" in python`},
		{"groovy", `{name: s, type: script, language: groovy, location: file:///./scripts, file: ok.js}`, `not supported yet: script step "s" in groovy`},
	}
	files := map[string]string{"scripts/ok.js": "result = 1;", "scripts/bad.js": "result = ;", "secret.js": "result = 2;"}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			doc := loadCapability(t, writeCapability(t, step(tc.step), files))
			_, diags := buildDoc(t, doc, "", nil)
			require.True(t, diags.HasErrors())
			assert.True(t, strings.Contains(diags.Error(), tc.want), "diagnostics:\n%s", diags.Error())
			assert.Contains(t, diags.Error(), `"s"`, "the diagnostic names the step")
		})
	}
}
