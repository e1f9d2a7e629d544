package expose

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestResolveLocation(t *testing.T) {
	t.Parallel()
	base := filepath.FromSlash("/caps/my.yaml")
	tests := []struct {
		loc, want, err string
	}{
		{loc: "file:///tmp/skills/a", want: "/tmp/skills/a"},
		{loc: "file://./skills/a", want: "/caps/skills/a"},
		{loc: "file:skills", want: "/caps/skills"},
		{loc: "skills/a/", want: "/caps/skills/a"},
		{loc: "/abs", want: "/abs"},
		{loc: "file:///./skills/a", want: "/caps/skills/a"},
		{loc: "https://example.com/x", err: `location scheme "https" is not supported`},
		{loc: "file://skills/a", want: "/caps/skills/a"},
		{loc: "file://", err: "empty"},
	}
	for _, tt := range tests {
		t.Run(tt.loc, func(t *testing.T) {
			t.Parallel()
			got, err := ResolveLocation(tt.loc, base)
			if tt.err != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, filepath.FromSlash(tt.want), got)
		})
	}
}

func TestSafeRelPath(t *testing.T) {
	t.Parallel()
	for _, ok := range []string{"a.md", "dir/b_c-1.txt", ".hidden"} {
		assert.NoError(t, SafeRelPath(ok), ok)
	}
	for _, bad := range []string{"", "..", "../x", "a/../../x", "a//b", "a b", `a\b`, "%2e%2e", "/etc/passwd", "a/./b"} {
		assert.Error(t, SafeRelPath(bad), bad)
	}
}
