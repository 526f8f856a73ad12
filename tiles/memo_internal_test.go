package tiles

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"
)

// TestMemoComputesOnce: concurrent callers of one key share one computation.
func TestMemoComputesOnce(t *testing.T) {
	var m memo
	release := make(chan struct{})
	var wg sync.WaitGroup
	results := make([]any, 32)
	for i := range results {
		wg.Add(1)
		go func() {
			defer wg.Done()
			v, err := m.get(context.Background(), "k", func(context.Context) (any, error) {
				<-release
				return 42, nil
			})
			if err != nil {
				t.Errorf("get %d: %v", i, err)
			}
			results[i] = v
		}()
	}
	// Let every caller join before the computation ends.
	waitForWaiters(&m, "k", len(results))
	close(release)
	wg.Wait()
	if n := m.computations.Load(); n != 1 {
		t.Errorf("computations = %d, want 1", n)
	}
	for i, v := range results {
		if v != 42 {
			t.Errorf("result %d = %v, want 42", i, v)
		}
	}
}

// TestMemoErrorsNotKept: a failed computation fails its callers, and the next call
// computes again.
func TestMemoErrorsNotKept(t *testing.T) {
	var m memo
	boom := errors.New("boom")
	if _, err := m.get(context.Background(), "k", func(context.Context) (any, error) { return nil, boom }); !errors.Is(err, boom) {
		t.Fatalf("get = %v, want boom", err)
	}
	v, err := m.get(context.Background(), "k", func(context.Context) (any, error) { return 1, nil })
	if err != nil || v != 1 || m.computations.Load() != 2 {
		t.Errorf("after an error: %v, %v, %d computations; want 1, nil, 2", v, err, m.computations.Load())
	}
	if _, err := m.get(context.Background(), "p", func(context.Context) (any, error) { panic("bad") }); err == nil {
		t.Error("a panicking computation returned no error")
	}
}

// TestMemoFirstCallerCancelled: the caller that started a computation going away fails
// neither the computation nor the callers still waiting for it.
func TestMemoFirstCallerCancelled(t *testing.T) {
	var m memo
	started, release := make(chan struct{}), make(chan struct{})
	var computeErr error
	compute := func(ctx context.Context) (any, error) {
		close(started)
		<-release
		computeErr = ctx.Err()
		return "v", nil
	}
	first, cancel := context.WithCancel(context.Background())
	firstDone := make(chan error)
	go func() {
		_, err := m.get(first, "k", compute)
		firstDone <- err
	}()
	<-started
	second := make(chan any)
	go func() {
		v, err := m.get(context.Background(), "k", func(context.Context) (any, error) { return "second", nil })
		if err != nil {
			t.Errorf("second caller: %v", err)
		}
		second <- v
	}()
	waitForWaiters(&m, "k", 2)
	cancel()
	if err := <-firstDone; !errors.Is(err, context.Canceled) {
		t.Errorf("first caller: %v, want context.Canceled", err)
	}
	close(release)
	if v := <-second; v != "v" {
		t.Errorf("second caller got %v, want the shared computation's v", v)
	}
	if computeErr != nil || m.computations.Load() != 1 {
		t.Errorf("computation's context: %v, %d computations; want nil, 1", computeErr, m.computations.Load())
	}
}

// waitForWaiters waits, at most 5 s, until n callers wait for the computation of key;
// the assertions after it fail if they never do.
func waitForWaiters(m *memo, key string, n int) {
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		m.mu.Lock()
		cl := m.inflight[key]
		joined := cl != nil && cl.waiters == n
		m.mu.Unlock()
		if joined {
			return
		}
	}
}
