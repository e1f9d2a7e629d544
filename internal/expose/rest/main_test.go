package rest

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package when a test leaves a goroutine behind: the
// server is stateless and must not keep per-request state alive.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
