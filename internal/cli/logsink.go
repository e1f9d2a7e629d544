package cli

import (
	"io"
	"sync"
	"time"
)

// Access lines are batched: one write(2) per line costs about as much CPU as
// the rest of a proxied request's logging, and a busy server writes
// thousands per second. Every other line is written at once.
const (
	// accessFlushDelay is how late a batched access line can be.
	accessFlushDelay = 100 * time.Millisecond
	// accessBufferLimit is the batch size that is written without waiting.
	accessBufferLimit = 32 << 10
)

// logSink serializes the process's log output to w. Writes through the sink
// itself go out at once, after any batched lines, so that lines keep their
// order; writes through Batched() are kept in a buffer written when it
// reaches accessBufferLimit, accessFlushDelay after its first line, or on
// Flush, whichever comes first.
type logSink struct {
	mu    sync.Mutex
	w     io.Writer
	buf   []byte
	timer *time.Timer // armed while buf holds lines
	delay time.Duration
}

func newLogSink(w io.Writer) *logSink {
	s := &logSink{w: w, delay: accessFlushDelay}
	s.timer = time.AfterFunc(time.Hour, func() { _ = s.Flush() })
	s.timer.Stop()
	return s
}

// Write writes p now, after the batched lines (even when writing those
// failed: the batch is lost, not this line too).
func (s *logSink) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	_ = s.flushLocked()
	return s.w.Write(p)
}

// Batched is the writer for access lines.
func (s *logSink) Batched() io.Writer { return batchedWriter{s} }

type batchedWriter struct{ s *logSink }

func (b batchedWriter) Write(p []byte) (int, error) {
	s := b.s
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.buf) == 0 {
		s.timer.Reset(s.delay)
	}
	s.buf = append(s.buf, p...)
	if len(s.buf) >= accessBufferLimit {
		if err := s.flushLocked(); err != nil {
			return 0, err
		}
	}
	return len(p), nil
}

// Flush writes the batched lines now.
func (s *logSink) Flush() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.flushLocked()
}

func (s *logSink) flushLocked() error {
	if len(s.buf) == 0 {
		return nil
	}
	s.timer.Stop()
	_, err := s.w.Write(s.buf)
	if cap(s.buf) > 4*accessBufferLimit {
		s.buf = nil // a burst of huge lines: do not keep its memory
	} else {
		s.buf = s.buf[:0]
	}
	return err
}
