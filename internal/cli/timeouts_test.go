package cli

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestTimeoutsFlag(t *testing.T) {
	t.Parallel()
	var f timeouts
	f.def = 30 * time.Second
	require.NoError(t, f.Set("10s"))
	require.NoError(t, f.Set("shop=5s"))
	require.NoError(t, f.Set("shop.get-item=250ms"))
	assert.Equal(t, 10*time.Second, f.def)
	assert.Equal(t, map[string]time.Duration{"shop": 5 * time.Second, "shop.get-item": 250 * time.Millisecond}, f.per)
	for _, bad := range []string{"soon", "0s", "-1s", "=5s", "shop=", "shop.get-item=1s"} {
		assert.Error(t, f.Set(bad), bad)
	}
}
