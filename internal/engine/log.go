package engine

import (
	"log/slog"
	"sort"
	"strings"
	"time"

	"github.com/naftiko-go/naftiko/internal/expose"
)

// Log attribute keys, shared so that logs stay queryable.
const (
	keyEndpoint = "endpoint"
	keyKind     = "kind"
	keyDetail   = "detail"
	keyStatus   = "status"
	keyDuration = "duration_ms"
	keyAdapter  = "adapter"
	keyType     = "type"
	keyAddr     = "addr"
)

const debugLevel = slog.LevelDebug

func attrEndpoint(s string) slog.Attr { return slog.String(keyEndpoint, s) }
func attrDetail(s string) slog.Attr   { return slog.String(keyDetail, s) }
func attrStatus(n int) slog.Attr      { return slog.Int(keyStatus, n) }
func attrDuration(d time.Duration) slog.Attr {
	return slog.Float64(keyDuration, float64(d.Microseconds())/1000)
}

func attrKind(k expose.Kind) slog.Attr { return slog.String(keyKind, k.String()) }

// levelFor logs caller mistakes at debug and engine or upstream failures at
// warn, so that operators see what they can act on.
func levelFor(e *expose.Error) slog.Level {
	if e.Kind == expose.KindInput {
		return slog.LevelDebug
	}
	return slog.LevelWarn
}

func joinKeys(m map[string]bool) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	if len(keys) == 0 {
		return "(none)"
	}
	return strings.Join(keys, ", ")
}
