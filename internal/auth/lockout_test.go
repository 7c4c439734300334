package auth_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bizy-auth/bizy/internal/auth"
	"github.com/bizy-auth/bizy/internal/clocktest"
	"github.com/bizy-auth/bizy/internal/fault"
)

// lockoutFixture is a Lockout over a real store, with a fake clock.
type lockoutFixture struct {
	t     *testing.T
	l     *auth.Lockout
	store auth.Store
	clock *clocktest.Clock
}

func newLockout(t *testing.T, st auth.Store, rule auth.LockoutRule) *lockoutFixture {
	t.Helper()
	clock := clocktest.New(time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC))
	l, err := auth.NewLockout(discard, st, clock.Now, rule)
	if err != nil {
		t.Fatal(err)
	}
	return &lockoutFixture{t: t, l: l, store: st, clock: clock}
}

// ivy is the account the lockout tests count against.
var ivy = auth.User{ID: "0190d0e4-0000-7000-8000-000000000001", Username: "ivy", Email: "ivy@example.com"}

func attempt(ip string) auth.Attempt {
	return auth.Attempt{Name: "ivy", UserID: ivy.ID, Client: auth.Client{IP: ip}}
}

// fail reserves an attempt from ip and reports it failed.
func (f *lockoutFixture) fail(ip string) {
	f.t.Helper()
	r, err := f.l.Reserve(context.Background(), attempt(ip))
	if err != nil {
		f.t.Fatalf("Reserve from %s: %v", ip, err)
	}
	if err := f.l.Fail(context.Background(), r); err != nil {
		f.t.Fatalf("Fail from %s: %v", ip, err)
	}
}

// succeed reserves an attempt from ip and reports it passed.
func (f *lockoutFixture) succeed(ip string) {
	f.t.Helper()
	r, err := f.l.Reserve(context.Background(), attempt(ip))
	if err != nil {
		f.t.Fatalf("Reserve from %s: %v", ip, err)
	}
	if err := f.l.Succeed(context.Background(), r); err != nil {
		f.t.Fatalf("Succeed from %s: %v", ip, err)
	}
}

// wantLocked checks that the next attempt from ip is refused with a 423
// for retryAfter seconds (0: any time).
func (f *lockoutFixture) wantLocked(ip string, retryAfter int) {
	f.t.Helper()
	_, err := f.l.Reserve(context.Background(), attempt(ip))
	var le *auth.LockedError
	if !errors.As(err, &le) || !errors.Is(err, auth.ErrLocked) {
		f.t.Fatalf("Reserve from %s = %v, want a *LockedError", ip, err)
	}
	if retryAfter != 0 && le.RetryAfterSeconds != retryAfter {
		f.t.Fatalf("Reserve from %s: retry after %d s, want %d", ip, le.RetryAfterSeconds, retryAfter)
	}
}

// wantOpen checks that an attempt from ip is let through, and gives its
// room back.
func (f *lockoutFixture) wantOpen(ip string) {
	f.t.Helper()
	r, err := f.l.Reserve(context.Background(), attempt(ip))
	if err != nil {
		f.t.Fatalf("Reserve from %s = %v, want it let through", ip, err)
	}
	if err := f.l.Release(context.Background(), r); err != nil {
		f.t.Fatal(err)
	}
}

var rule = auth.LockoutRule{Threshold: 5, AccountThreshold: 20, Duration: 15 * time.Minute}

// TestLockoutLocksOneIPOutOfOneAccount: five failures from one IP lock
// that IP out for the duration, and no one else.
func TestLockoutLocksOneIPOutOfOneAccount(t *testing.T) {
	for name, open := range storesUnderTest() {
		t.Run(name, func(t *testing.T) {
			f := newLockout(t, open(t), rule)
			for range 5 {
				f.fail("203.0.113.1")
			}
			f.wantLocked("203.0.113.1", 900)
			f.wantOpen("198.51.100.7") // the owner, elsewhere
			f.clock.Advance(15*time.Minute - time.Second)
			f.wantLocked("203.0.113.1", 1)
			f.clock.Advance(time.Second)
			f.wantOpen("203.0.113.1")
			// The lock took its count with it.
			for range 4 {
				f.fail("203.0.113.1")
			}
			f.wantOpen("203.0.113.1")
		})
	}
}

// TestLockoutForgetsCountsOlderThanTheWindow: failures spread wider than
// the window never add up to a lock; a success clears its IP's count.
func TestLockoutForgetsCountsOlderThanTheWindow(t *testing.T) {
	f := newLockout(t, storesUnderTest()["sqlite"](t), rule)
	for range 4 {
		f.fail("203.0.113.1")
	}
	f.clock.Advance(15 * time.Minute)
	for range 4 {
		f.fail("203.0.113.1")
	}
	f.wantOpen("203.0.113.1")
	f.succeed("203.0.113.1")
	for range 4 {
		f.fail("203.0.113.1")
	}
	f.wantOpen("203.0.113.1")
}

// TestLockoutLocksTheAccountForEveryone: twenty failures from twenty IPs
// lock the account for a twenty-first.
func TestLockoutLocksTheAccountForEveryone(t *testing.T) {
	for name, open := range storesUnderTest() {
		t.Run(name, func(t *testing.T) {
			f := newLockout(t, open(t), rule)
			for i := range 20 {
				f.wantOpen("198.51.100.200")
				f.fail(fmt.Sprintf("203.0.113.%d", i+1))
			}
			f.wantLocked("198.51.100.200", 900)
			if err := f.l.Clear(context.Background(), ivy); err != nil {
				t.Fatal(err)
			}
			f.wantOpen("198.51.100.200")
			f.wantOpen("203.0.113.1")
		})
	}
}

// burst sends n attempts at once, from ip(i), each failing when let
// through (after holding its reservation a moment, as a bcrypt check
// would), and returns how many were checked and what the others got.
func (f *lockoutFixture) burst(n int, ip func(int) string, pass bool) (checked int, refused map[string]int) {
	var (
		mu   sync.Mutex
		wg   sync.WaitGroup
		runs atomic.Int32
	)
	refused = map[string]int{}
	for i := range n {
		wg.Go(func() {
			r, err := f.l.Reserve(context.Background(), attempt(ip(i)))
			if err != nil {
				var fe *fault.Error
				kind := err.Error()
				switch {
				case errors.Is(err, auth.ErrLocked):
					kind = "423"
				case errors.As(err, &fe) && fe.Kind == fault.TooManyRequests:
					kind = "429"
				}
				mu.Lock()
				refused[kind]++
				mu.Unlock()
				return
			}
			runs.Add(1)
			time.Sleep(5 * time.Millisecond)
			report := f.l.Fail
			if pass {
				report = f.l.Succeed
			}
			if err := report(context.Background(), r); err != nil {
				f.t.Error(err)
			}
		})
	}
	wg.Wait()
	return int(runs.Load()), refused
}

// TestLockoutBoundsABurst: fifty wrong guesses at once get at most the
// threshold of checks, from one IP (per-IP count) and from fifty IPs
// (account-wide count); the rest are refused with 423 or 429, never let
// through.
func TestLockoutBoundsABurst(t *testing.T) {
	for name, open := range storesUnderTest() {
		t.Run(name+"/OneIP", func(t *testing.T) {
			f := newLockout(t, open(t), rule)
			checked, refused := f.burst(50, func(int) string { return "203.0.113.1" }, false)
			if checked > 5 || checked+refused["423"]+refused["429"] != 50 {
				t.Fatalf("%d checked, refused %v: want at most 5 checks and the rest 423 or 429", checked, refused)
			}
			f.wantLocked("203.0.113.1", 0)
			f.wantOpen("198.51.100.7")
		})
		t.Run(name+"/FiftyIPs", func(t *testing.T) {
			f := newLockout(t, open(t), rule)
			checked, refused := f.burst(50, func(i int) string { return fmt.Sprintf("203.0.113.%d", i+1) }, false)
			if checked > 20 || checked+refused["423"]+refused["429"] != 50 {
				t.Fatalf("%d checked, refused %v: want at most 20 checks and the rest 423 or 429", checked, refused)
			}
		})
	}
}

// TestLockoutNeverLocksARightPasswordBurst: twelve right passwords at
// once from one IP (a retrying client, a load test) are all let through:
// checks in flight are not failures, and those past the threshold wait.
func TestLockoutNeverLocksARightPasswordBurst(t *testing.T) {
	for name, open := range storesUnderTest() {
		t.Run(name, func(t *testing.T) {
			f := newLockout(t, open(t), rule)
			if checked, refused := f.burst(12, func(int) string { return "203.0.113.1" }, true); checked != 12 {
				t.Fatalf("%d of 12 let through, refused %v", checked, refused)
			}
		})
	}
}

// TestLockoutInATransaction: a Clear made inside a transaction commits or
// rolls back with it.
func TestLockoutInATransaction(t *testing.T) {
	for name, open := range storesUnderTest() {
		t.Run(name, func(t *testing.T) {
			f := newLockout(t, open(t), auth.LockoutRule{Threshold: 1, AccountThreshold: 1, Duration: time.Hour})
			f.fail("203.0.113.1")
			ctx := context.Background()
			rollback := errors.New("roll back")
			err := f.store.Tx(ctx, func(tx auth.Store) error {
				if err := f.l.In(tx).Clear(ctx, ivy); err != nil {
					return err
				}
				return rollback
			})
			if !errors.Is(err, rollback) {
				t.Fatalf("Tx = %v", err)
			}
			f.wantLocked("203.0.113.1", 0)
			if err := f.store.Tx(ctx, func(tx auth.Store) error { return f.l.In(tx).Clear(ctx, ivy) }); err != nil {
				t.Fatal(err)
			}
			f.wantOpen("203.0.113.1")
		})
	}
}

func TestNewLockoutRejectsABadRule(t *testing.T) {
	st := storesUnderTest()["sqlite"](t)
	for _, rule := range []auth.LockoutRule{
		{Threshold: 0, AccountThreshold: 1, Duration: time.Minute},
		{Threshold: 5, AccountThreshold: 4, Duration: time.Minute},
		{Threshold: 5, AccountThreshold: 5, Duration: 0},
	} {
		if _, err := auth.NewLockout(discard, st, time.Now, rule); err == nil {
			t.Errorf("NewLockout(%+v) succeeded", rule)
		}
	}
}
