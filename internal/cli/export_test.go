package cli_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/naftiko-go/naftiko/internal/cli"
)

func TestExportOpenAPI(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	tests := []struct {
		name   string
		args   []string
		code   int
		file   string // written file to validate, "" for stdout
		stderr string
	}{
		{name: "yaml to stdout", args: []string{"export", "openapi", seed}},
		{name: "json to stdout", args: []string{"export", "openapi", "--format", "json", seed}},
		{name: "adapter by name", args: []string{"export", "openapi", "--adapter", "logto-organization-invitations-rest", seed}},
		{name: "json file from the extension", args: []string{"export", "openapi", "-o", filepath.Join(dir, "api.json"), seed}, file: filepath.Join(dir, "api.json")},
		{name: "yaml file", args: []string{"export", "openapi", "-o", filepath.Join(dir, "api.yaml"), seed}, file: filepath.Join(dir, "api.yaml")},
		{name: "unknown adapter", args: []string{"export", "openapi", "--adapter", "nope", seed}, code: 1,
			stderr: `naftiko: no REST adapter "nope"; REST adapters: logto-organization-invitations-rest` + "\n"},
		{name: "bad format", args: []string{"export", "openapi", "--format", "xml", seed}, code: 2,
			stderr: `naftiko: --format "xml": use json or yaml` + "\n"},
		{name: "unknown export", args: []string{"export", "asyncapi", seed}, code: 2},
		{name: "no file", args: []string{"export", "openapi"}, code: 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			code, stdout, stderr := run(t, &cli.App{LookupEnv: env()}, tt.args...)
			require.Equal(t, tt.code, code, stderr)
			if tt.stderr != "" {
				assert.Equal(t, tt.stderr, stderr)
			}
			if tt.code != 0 {
				return
			}
			data := []byte(stdout)
			if tt.file != "" {
				var err error
				data, err = os.ReadFile(tt.file)
				require.NoError(t, err)
				assert.Empty(t, stdout)
			}
			loader := openapi3.NewLoader()
			d, err := loader.LoadFromData(data)
			require.NoError(t, err)
			require.NoError(t, d.Validate(loader.Context))
			assert.Equal(t, "3.1.0", d.OpenAPI)
		})
	}
}
