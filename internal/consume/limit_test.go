package consume

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/naftiko-go/naftiko/internal/spec"
)

// limitUpstream answers once release is closed; entered receives one
// value per request that arrived.
func limitUpstream(t *testing.T, release <-chan struct{}) (string, <-chan struct{}) {
	t.Helper()
	entered := make(chan struct{}, 16)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		entered <- struct{}{}
		select {
		case <-release:
		case <-r.Context().Done():
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(srv.Close)
	return srv.URL, entered
}

func TestConcurrencyLimit(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	base, entered := limitUpstream(t, release)
	c := simpleConsumer(base, "/x", &spec.ConsumedOperation{})
	cl := newClient(t, c, Options{MaxConcurrency: 1, Timeout: 5 * time.Second,
		OperationTimeouts: map[string]time.Duration{"other": time.Second}})

	var wg sync.WaitGroup
	var first error
	wg.Go(func() {
		_, first = cl.Call(context.Background(), c.Resources[0].Operations[0], nil)
	})
	<-entered // the only slot is taken

	// A second call waits for the slot within its own deadline, then fails
	// as a timeout that names the limit.
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	_, err := cl.Call(ctx, c.Resources[0].Operations[0], nil)
	var te *TransportError
	require.ErrorAs(t, err, &te)
	assert.True(t, te.Timeout)
	assert.Contains(t, err.Error(), "1 calls to consumer \"test-api\" were already in flight")
	assert.True(t, errors.Is(err, context.DeadlineExceeded))

	// A waiting call proceeds as soon as the slot is free.
	second := make(chan error, 1)
	go func() {
		resp, err := cl.Call(t.Context(), c.Resources[0].Operations[0], nil)
		if err == nil && resp.Status != http.StatusNoContent {
			err = errors.New("unexpected status")
		}
		second <- err
	}()
	close(release)
	wg.Wait()
	require.NoError(t, first)
	require.NoError(t, <-second)
}

func TestOperationTimeouts(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	base, _ := limitUpstream(t, release)
	c := simpleConsumer(base, "/x", &spec.ConsumedOperation{Name: "slow"})
	cl := newClient(t, c, Options{Timeout: time.Minute, OperationTimeouts: map[string]time.Duration{"slow": 30 * time.Millisecond}})
	start := time.Now()
	_, err := call(t, cl, c, nil)
	var te *TransportError
	require.ErrorAs(t, err, &te)
	assert.True(t, te.Timeout)
	assert.Contains(t, err.Error(), "within 30ms")
	assert.Less(t, time.Since(start), 10*time.Second)
}

func TestInjectHeaders(t *testing.T) {
	t.Parallel()
	u := newUpstream(t, http.StatusOK, nil, `{}`)
	c := simpleConsumer(u.URL, "/x", &spec.ConsumedOperation{})
	type key struct{}
	cl := newClient(t, c, Options{InjectHeaders: func(ctx context.Context, h http.Header) {
		h.Set("Traceparent", ctx.Value(key{}).(string))
	}})
	_, err := cl.Call(context.WithValue(t.Context(), key{}, "00-abc"), c.Resources[0].Operations[0], nil)
	require.NoError(t, err)
	assert.Equal(t, "00-abc", u.next(t).Header.Get("Traceparent"))
}
