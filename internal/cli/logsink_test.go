package cli

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// lockedBuffer is a bytes.Buffer safe for the sink's timer goroutine.
type lockedBuffer struct {
	mu       sync.Mutex
	b        bytes.Buffer
	writes   int
	failNext bool // the next write fails
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.failNext {
		l.failNext = false
		return 0, errors.New("disk full")
	}
	l.writes++
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func (l *lockedBuffer) Writes() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.writes
}

func TestLogSink(t *testing.T) {
	tests := []struct {
		name  string
		run   func(s *logSink)
		want  string // output right after run, before any delay passes
		after string // output once the delay has passed ("" = same as want)
	}{
		{
			name: "direct lines go out at once",
			run:  func(s *logSink) { _, _ = s.Write([]byte("a\n")) },
			want: "a\n",
		},
		{
			name:  "batched lines wait for the delay",
			run:   func(s *logSink) { _, _ = s.Batched().Write([]byte("access 1\n")) },
			want:  "",
			after: "access 1\n",
		},
		{
			name: "a direct line writes the batched lines before itself",
			run: func(s *logSink) {
				_, _ = s.Batched().Write([]byte("access 1\n"))
				_, _ = s.Batched().Write([]byte("access 2\n"))
				_, _ = s.Write([]byte("warn\n"))
			},
			want: "access 1\naccess 2\nwarn\n",
		},
		{
			name: "a full batch is written without waiting",
			run: func(s *logSink) {
				line := strings.Repeat("x", 1023) + "\n"
				for range accessBufferLimit / len(line) {
					_, _ = s.Batched().Write([]byte(line))
				}
			},
			want: strings.Repeat(strings.Repeat("x", 1023)+"\n", accessBufferLimit/1024),
		},
		{
			name: "a failed batch does not take the next line with it",
			run: func(s *logSink) {
				_, _ = s.Batched().Write([]byte("access 1\n"))
				s.w.(*lockedBuffer).failNext = true
				_, _ = s.Write([]byte("error\n"))
			},
			want: "error\n",
		},
		{
			name: "Flush writes the batch",
			run: func(s *logSink) {
				_, _ = s.Batched().Write([]byte("access 1\n"))
				require.NoError(t, s.Flush())
			},
			want: "access 1\n",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var out lockedBuffer
			s := newLogSink(&out)
			s.delay = time.Hour // nothing is written late during run
			tc.run(s)
			assert.Equal(t, tc.want, out.String())
			after := tc.after
			if after == "" {
				after = tc.want
			}
			// The timer was armed with an hour; re-arm it short to see the
			// late write happen.
			s.mu.Lock()
			if len(s.buf) > 0 {
				s.timer.Reset(5 * time.Millisecond)
			}
			s.mu.Unlock()
			require.Eventually(t, func() bool { return out.String() == after }, 2*time.Second, 2*time.Millisecond,
				"got %q", out.String())
		})
	}
}

// TestLogSinkDelay: a batched line shows up by itself after the delay, and a
// burst of lines within the delay costs one write.
func TestLogSinkDelay(t *testing.T) {
	var out lockedBuffer
	s := newLogSink(&out)
	s.delay = 200 * time.Millisecond
	start := time.Now()
	for i := range 50 {
		_, _ = fmt.Fprintf(s.Batched(), "line %d\n", i)
	}
	if time.Since(start) < s.delay {
		assert.Equal(t, 0, out.Writes(), "nothing is written before the delay")
	}
	require.Eventually(t, func() bool { return strings.Count(out.String(), "\n") == 50 }, 5*time.Second, time.Millisecond)
	// One write, or two if this goroutine was descheduled for longer than
	// the delay in the middle of the burst: far fewer than lines.
	assert.LessOrEqual(t, out.Writes(), 2)
}

// TestLogSinkConcurrent: lines from many goroutines, batched and direct,
// all arrive whole and in each goroutine's order.
func TestLogSinkConcurrent(t *testing.T) {
	var out lockedBuffer
	s := newLogSink(&out)
	s.delay = time.Millisecond
	const workers, lines = 8, 300
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := range lines {
				line := fmt.Sprintf("w%d %04d %s\n", w, i, strings.Repeat("y", 40))
				if i%10 == 0 {
					_, _ = s.Write([]byte(line))
				} else {
					_, _ = s.Batched().Write([]byte(line))
				}
			}
		})
	}
	wg.Wait()
	require.NoError(t, s.Flush())
	got := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	require.Len(t, got, workers*lines)
	next := make([]int, workers)
	for _, l := range got {
		var w, i int
		var rest string
		_, err := fmt.Sscanf(l, "w%d %d %s", &w, &i, &rest)
		require.NoError(t, err, l)
		require.Equal(t, next[w], i, "goroutine %d's lines out of order", w)
		require.Equal(t, strings.Repeat("y", 40), rest)
		next[w]++
	}
}
