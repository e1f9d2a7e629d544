package expr

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// decode parses a JSON document the way the engine does (UseNumber).
func decode(tb testing.TB, s string) any {
	tb.Helper()
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	var v any
	require.NoError(tb, dec.Decode(&v))
	return v
}

// decodeMap is decode for documents that are objects.
func decodeMap(tb testing.TB, s string) map[string]any {
	tb.Helper()
	m, ok := decode(tb, s).(map[string]any)
	require.True(tb, ok, "not a JSON object: %s", s)
	return m
}
