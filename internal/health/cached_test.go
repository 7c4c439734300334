package health

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bizy-auth/bizy/internal/clocktest"
)

// TestCachedRunsOncePerTTL shows the promise of the package: within the TTL
// every call reuses one run, failures included; after it, the next call
// runs the check again.
func TestCachedRunsOncePerTTL(t *testing.T) {
	clock := clocktest.New(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	var runs atomic.Int32
	fail := errors.New("database unreachable")
	c := NewCached(func(context.Context) (int, error) {
		n := runs.Add(1)
		if n == 2 {
			return 0, fail
		}
		return int(n), nil
	}, time.Second, time.Second, clock.Now)
	ctx := context.Background()

	for range 5 {
		if v, err := c.Do(ctx); v != 1 || err != nil {
			t.Fatalf("Do = %d, %v; want the first run's 1, nil", v, err)
		}
	}
	clock.Advance(999 * time.Millisecond)
	if _, _ = c.Do(ctx); runs.Load() != 1 {
		t.Fatalf("runs = %d just inside the TTL, want 1", runs.Load())
	}
	clock.Advance(time.Millisecond)
	if _, err := c.Do(ctx); !errors.Is(err, fail) {
		t.Fatalf("Do after the TTL = %v, want the second run's failure", err)
	}
	if _, err := c.Do(ctx); !errors.Is(err, fail) || runs.Load() != 2 {
		t.Fatalf("Do = %v with %d runs; want the cached failure and 2 runs", err, runs.Load())
	}
}

// TestCachedSharesARunningCheck: callers arriving while a check runs wait
// for that run instead of starting their own.
func TestCachedSharesARunningCheck(t *testing.T) {
	// The clock stands still, so a caller arriving after the run finds the
	// stored result however slow the machine is.
	clock := clocktest.New(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	var runs atomic.Int32
	release := make(chan struct{})
	started := make(chan struct{})
	c := NewCached(func(context.Context) (string, error) {
		if runs.Add(1) == 1 {
			close(started)
		}
		<-release
		return "ok", nil
	}, time.Second, time.Minute, clock.Now)

	const callers = 50
	var wg sync.WaitGroup
	results := make(chan string, callers)
	wg.Go(func() { v, _ := c.Do(context.Background()); results <- v })
	<-started
	for range callers - 1 {
		wg.Go(func() { v, _ := c.Do(context.Background()); results <- v })
	}
	// The late callers may not all have joined yet; those that arrive after
	// the release find the stored result, so the count holds either way.
	close(release)
	wg.Wait()
	close(results)
	for v := range results {
		if v != "ok" {
			t.Errorf("a caller got %q, want ok", v)
		}
	}
	if n := runs.Load(); n != 1 {
		t.Fatalf("%d callers made %d runs, want 1", callers, n)
	}
}

// TestCachedCallerCancelDoesNotFailOthers: the caller that started a run
// gives up; the run goes on and the others get its result.
func TestCachedCallerCancelDoesNotFailOthers(t *testing.T) {
	release := make(chan struct{})
	started := make(chan struct{})
	c := NewCached(func(ctx context.Context) (string, error) {
		close(started)
		select {
		case <-release:
			return "ok", nil
		case <-ctx.Done():
			return "", ctx.Err()
		}
	}, time.Second, time.Minute, nil)

	first, cancel := context.WithCancel(context.Background())
	firstErr := make(chan error, 1)
	go func() { _, err := c.Do(first); firstErr <- err }()
	<-started
	second := make(chan string, 1)
	go func() { v, _ := c.Do(context.Background()); second <- v }()
	cancel()
	if err := <-firstErr; !errors.Is(err, context.Canceled) {
		t.Fatalf("the cancelled caller got %v, want context.Canceled", err)
	}
	close(release)
	if v := <-second; v != "ok" {
		t.Fatalf("the patient caller got %q, want ok: the run must survive the first caller", v)
	}
}

// TestCachedTimeoutBoundsARun: a hung dependency gives an error after the
// timeout rather than holding every caller.
func TestCachedTimeoutBoundsARun(t *testing.T) {
	c := NewCached(func(ctx context.Context) (int, error) {
		<-ctx.Done()
		return 0, ctx.Err()
	}, time.Second, 10*time.Millisecond, nil)
	if _, err := c.Do(context.Background()); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Do = %v, want context.DeadlineExceeded", err)
	}
}
