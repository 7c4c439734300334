// Package health holds what the services' /health endpoints share: a
// dependency check whose result is cached briefly and shared by concurrent
// callers, so a flood of unauthenticated health probes costs about what a 404
// costs and reaches each dependency at most once per TTL per copy.
package health

import (
	"context"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"
)

// DefaultTTL is how long a check's result is reused. A second is short next
// to any load balancer's probe interval (Kubernetes' default is 10 s), so a
// probe still sees a failure within about a second of it.
const DefaultTTL = time.Second

// Cached runs a check at most once per TTL and shares a running check with
// every caller that arrives while it runs. Its zero value is not usable;
// call NewCached. It is safe for concurrent use.
type Cached[T any] struct {
	check   func(context.Context) (T, error)
	ttl     time.Duration
	timeout time.Duration
	now     func() time.Time
	group   singleflight.Group

	mu   sync.Mutex
	have bool // a result is stored
	at   time.Time
	val  T
	err  error
}

// NewCached returns a Cached for check. Each run of check gets its own
// context bounded by timeout, detached from the caller that started it: one
// impatient caller must not fail the check for the others waiting on it.
// A nil now means time.Now.
func NewCached[T any](check func(context.Context) (T, error), ttl, timeout time.Duration, now func() time.Time) *Cached[T] {
	if now == nil {
		now = time.Now
	}
	return &Cached[T]{check: check, ttl: ttl, timeout: timeout, now: now}
}

// Do returns the stored result when it is younger than the TTL, else runs
// the check (or joins the run in flight) and stores what it returns. It
// returns ctx's error if ctx ends first; the run goes on for the others.
func (c *Cached[T]) Do(ctx context.Context) (T, error) {
	if val, ok, err := c.stored(); ok {
		return val, err
	}
	// WithoutCancel keeps the caller's values (the request id for logs)
	// but not its deadline or cancellation.
	base := context.WithoutCancel(ctx)
	ch := c.group.DoChan("", func() (any, error) {
		// A run may have stored its result and left the group between
		// this caller's look above and now: use it rather than run again.
		if val, ok, err := c.stored(); ok {
			return val, err
		}
		runCtx, cancel := context.WithTimeout(base, c.timeout)
		defer cancel()
		val, err := c.check(runCtx)
		c.mu.Lock()
		c.have, c.at, c.val, c.err = true, c.now(), val, err
		c.mu.Unlock()
		return val, err
	})
	select {
	case res := <-ch:
		return res.Val.(T), res.Err
	case <-ctx.Done():
		var zero T
		return zero, ctx.Err()
	}
}

// stored returns the stored result when it is younger than the TTL.
func (c *Cached[T]) stored() (val T, ok bool, err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.have && c.now().Sub(c.at) < c.ttl {
		return c.val, true, c.err
	}
	return val, false, nil
}
