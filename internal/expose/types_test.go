package expose

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestTypeNameAndHasType(t *testing.T) {
	t.Parallel()
	tests := []struct {
		v        any
		wantName string
		accepts  []string
		refuses  []string
	}{
		{nil, "null", []string{""}, []string{"string", "object"}},
		{true, "boolean", []string{"boolean", ""}, []string{"string"}},
		{"x", "string", []string{"string"}, []string{"number", "boolean"}},
		{json.Number("3"), "integer", []string{"integer", "number"}, []string{"string"}},
		{json.Number("3.0"), "integer", []string{"integer", "number"}, nil},
		{json.Number("3.5"), "number", []string{"number"}, []string{"integer"}},
		{json.Number("1e400"), "integer", []string{"integer", "number"}, nil},
		{json.Number("1e-400"), "number", []string{"number"}, []string{"integer"}},
		{json.Number("-12.55e1"), "number", []string{"number"}, []string{"integer"}},
		{json.Number("-12.50e2"), "integer", []string{"integer"}, nil},
		{json.Number("1500e-2"), "integer", []string{"integer"}, nil},
		{json.Number("1501e-2"), "number", []string{"number"}, []string{"integer"}},
		{json.Number("0.000e-99999999999999999999"), "integer", []string{"integer"}, nil},
		{json.Number("5e99999999999999999999"), "integer", []string{"integer"}, nil},
		{json.Number("5e-99999999999999999999"), "number", []string{"number"}, []string{"integer"}},
		{float64(2), "integer", []string{"integer", "number"}, nil},
		{2.5, "number", []string{"number"}, []string{"integer"}},
		{7, "integer", []string{"integer", "number"}, nil},
		{[]any{}, "array", []string{"array"}, []string{"object"}},
		{map[string]any{}, "object", []string{"object"}, []string{"array"}},
	}
	for _, tt := range tests {
		t.Run(tt.wantName, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tt.wantName, TypeName(tt.v))
			for _, typ := range tt.accepts {
				assert.True(t, HasType(tt.v, typ), "%v should be a %q", tt.v, typ)
			}
			for _, typ := range tt.refuses {
				assert.False(t, HasType(tt.v, typ), "%v should not be a %q", tt.v, typ)
			}
		})
	}
}

func TestParseText(t *testing.T) {
	t.Parallel()
	tests := []struct {
		s, typ  string
		want    any
		wantErr string
	}{
		{"abc", "", "abc", ""},
		{"42", "string", "42", ""},
		{"42", "integer", json.Number("42"), ""},
		{"12345678901234567890", "integer", json.Number("12345678901234567890"), ""},
		{"1e3", "integer", json.Number("1e3"), ""},
		{"4.2", "integer", nil, `must be an integer, got "4.2"`},
		{"", "integer", nil, "must be an integer"},
		{"-0.5", "number", json.Number("-0.5"), ""},
		{"0x10", "number", nil, "must be a number"},
		{"NaN", "number", nil, "must be a number"},
		{"TRUE", "boolean", true, ""},
		{"false", "boolean", false, ""},
		{"1", "boolean", nil, "must be a boolean"},
		{`["a",1]`, "array", []any{"a", json.Number("1")}, ""},
		{`{"a":1}`, "array", nil, "must be a JSON array"},
		{`{"a":1}`, "object", map[string]any{"a": json.Number("1")}, ""},
		{"x", "date", nil, "unknown declared type"},
	}
	for _, tt := range tests {
		t.Run(tt.typ+"/"+tt.s, func(t *testing.T) {
			t.Parallel()
			got, err := ParseText(tt.s, tt.typ)
			if tt.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestDecodeJSON(t *testing.T) {
	t.Parallel()
	v, err := DecodeJSON([]byte(" {\"n\": 1.50} \n"))
	require.NoError(t, err)
	assert.Equal(t, map[string]any{"n": json.Number("1.50")}, v)

	for _, bad := range []string{``, `{`, `{} {}`, `{}}`, `1 2`, `nul`} {
		_, err := DecodeJSON([]byte(bad))
		assert.Error(t, err, "%q", bad)
	}
}
