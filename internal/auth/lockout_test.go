package auth_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/bizy-auth/bizy/internal/auth"
	"github.com/bizy-auth/bizy/internal/clocktest"
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
	l, err := auth.NewLockout(discard, st, st, clock.Now, rule)
	if err != nil {
		t.Fatal(err)
	}
	return &lockoutFixture{t: t, l: l, store: st, clock: clock}
}

// fail reserves an attempt for name and reports it failed.
func (f *lockoutFixture) fail(name string) {
	f.t.Helper()
	r, err := f.l.Reserve(context.Background(), auth.Attempt{Name: name, Client: auth.Client{IP: "192.0.2.1"}})
	if err != nil {
		f.t.Fatalf("Reserve(%s): %v", name, err)
	}
	if err := f.l.Fail(context.Background(), r); err != nil {
		f.t.Fatalf("Fail(%s): %v", name, err)
	}
}

// succeed reserves an attempt for name and reports it passed.
func (f *lockoutFixture) succeed(name string) {
	f.t.Helper()
	r, err := f.l.Reserve(context.Background(), auth.Attempt{Name: name})
	if err != nil {
		f.t.Fatalf("Reserve(%s): %v", name, err)
	}
	if err := f.l.Succeed(context.Background(), r); err != nil {
		f.t.Fatalf("Succeed(%s): %v", name, err)
	}
}

// wantLocked checks that the next attempt for name is refused for
// retryAfter seconds (0: any time).
func (f *lockoutFixture) wantLocked(name string, retryAfter int) {
	f.t.Helper()
	_, err := f.l.Reserve(context.Background(), auth.Attempt{Name: name})
	var le *auth.LockedError
	if !errors.As(err, &le) || !errors.Is(err, auth.ErrLocked) {
		f.t.Fatalf("Reserve(%s) = %v, want a *LockedError", name, err)
	}
	if retryAfter != 0 && le.RetryAfterSeconds != retryAfter {
		f.t.Fatalf("Reserve(%s): retry after %d s, want %d", name, le.RetryAfterSeconds, retryAfter)
	}
}

// wantOpen checks that name is not locked, without counting an attempt.
func (f *lockoutFixture) wantOpen(name string) {
	f.t.Helper()
	until, err := f.store.LoginLockedUntil(context.Background(), name)
	if err != nil {
		f.t.Fatal(err)
	}
	if f.clock.Now().Before(until) {
		f.t.Fatalf("%s is locked until %v, want it open", name, until)
	}
}

func TestLockoutLocksAtTheThresholdUntilTheDurationEnds(t *testing.T) {
	for name, open := range storesUnderTest() {
		t.Run(name, func(t *testing.T) {
			f := newLockout(t, open(t), auth.LockoutRule{Threshold: 3, Duration: 15 * time.Minute})
			f.fail("ivy")
			f.fail("ivy")
			f.wantOpen("ivy")
			f.fail("ivy") // the third failure is still only a failure: the lock applies from the next try
			f.wantLocked("ivy", 900)
			f.clock.Advance(10*time.Minute + 500*time.Millisecond)
			f.wantLocked("ivy", 300) // rounded up
			f.wantOpen("nobody")     // the lock is per name
			f.clock.Advance(5 * time.Minute)
			// The lock has ended and the count starts again from one.
			f.fail("ivy")
			f.fail("ivy")
			f.wantOpen("ivy")

			if evs := events(t, f.store, auth.EventLoginFailure); len(evs) != 5 || evs[0].LoginName != "ivy" || evs[0].IP != "192.0.2.1" {
				t.Fatalf("login_failure events = %+v, want 5 for ivy from 192.0.2.1", evs)
			}
			if evs := events(t, f.store, auth.EventLock); len(evs) != 1 || evs[0].Detail != "locked after 3 failed logins" {
				t.Fatalf("lock events = %+v, want one after 3 failures", evs)
			}
			if evs := events(t, f.store, auth.EventLoginLocked); len(evs) != 2 {
				t.Fatalf("login_locked events = %+v, want the 2 refused attempts", evs)
			}
		})
	}
}

func TestLockoutCountsConsecutiveFailuresOnly(t *testing.T) {
	f := newLockout(t, storesUnderTest()["sqlite"](t), auth.LockoutRule{Threshold: 2, Duration: time.Minute})
	f.fail("ivy")
	f.succeed("ivy")
	f.fail("ivy")
	f.wantOpen("ivy")
	f.fail("ivy")
	f.wantLocked("ivy", 60)
}

// TestLockoutSuccessOutlivesTheClient: a right password whose client hung
// up before the success was recorded must not stay counted as a failure.
func TestLockoutSuccessOutlivesTheClient(t *testing.T) {
	f := newLockout(t, storesUnderTest()["sqlite"](t), auth.LockoutRule{Threshold: 2, Duration: time.Minute})
	gone, cancel := context.WithCancel(context.Background())
	cancel()
	for i := range 3 {
		r, err := f.l.Reserve(context.Background(), auth.Attempt{Name: "ivy"})
		if err != nil {
			t.Fatalf("attempt %d: Reserve: %v", i, err)
		}
		if err := f.l.Succeed(gone, r); err != nil {
			t.Fatalf("attempt %d: Succeed with the client gone: %v", i, err)
		}
	}
	f.wantOpen("ivy")
}

// TestLockoutRefusesABurstPastTheThreshold: attempts reserved together,
// before any reports its outcome, get at most Threshold password checks;
// the next is refused and locks the name for the whole duration.
func TestLockoutRefusesABurstPastTheThreshold(t *testing.T) {
	for name, open := range storesUnderTest() {
		t.Run(name, func(t *testing.T) {
			f := newLockout(t, open(t), auth.LockoutRule{Threshold: 3, Duration: 15 * time.Minute})
			ctx := context.Background()
			var held []auth.Reservation
			for range 3 {
				r, err := f.l.Reserve(ctx, auth.Attempt{Name: "ivy"})
				if err != nil {
					t.Fatalf("reservation %d: %v", len(held)+1, err)
				}
				held = append(held, r)
			}
			f.wantLocked("ivy", 900)
			f.clock.Advance(time.Minute)
			f.wantLocked("ivy", 840)
			evs := events(t, f.store, auth.EventLoginLocked)
			if len(evs) != 2 || evs[1].Detail != "more concurrent attempts than the lockout threshold" || evs[0].Detail != "" {
				t.Fatalf("login_locked events = %+v, want the burst's refusal and then the lock's", evs)
			}
			// A check let through before the lock that turns out right
			// proves the owner: it lifts the lock its burst earned.
			if err := f.l.Succeed(ctx, held[0]); err != nil {
				t.Fatal(err)
			}
			f.wantOpen("ivy")
		})
	}
}

// TestLockoutClearForgetsEveryNameOfTheAccount: Clear lifts the locks of
// the account's username (whatever its case) and email, and no other.
func TestLockoutClearForgetsEveryNameOfTheAccount(t *testing.T) {
	f := newLockout(t, storesUnderTest()["sqlite"](t), auth.LockoutRule{Threshold: 1, Duration: time.Hour})
	for _, name := range []string{"ivy", "ivy@example.com", "other"} {
		f.fail(name)
		f.wantLocked(name, 0)
	}
	if err := f.l.Clear(context.Background(), auth.User{Username: "Ivy", Email: "ivy@example.com"}); err != nil {
		t.Fatal(err)
	}
	f.wantOpen("ivy")
	f.wantOpen("ivy@example.com")
	f.wantLocked("other", 0)
	// The counts went too: one more failure locks again, as a first one does.
	f.fail("ivy")
	f.wantLocked("ivy", 3600)
}

// TestLockoutInATransaction: a Clear made inside a transaction commits or
// rolls back with it.
func TestLockoutInATransaction(t *testing.T) {
	for name, open := range storesUnderTest() {
		t.Run(name, func(t *testing.T) {
			f := newLockout(t, open(t), auth.LockoutRule{Threshold: 1, Duration: time.Hour})
			f.fail("ivy")
			ivy := auth.User{Username: "ivy", Email: "ivy@example.com"}
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
			f.wantLocked("ivy", 0)
			if err := f.store.Tx(ctx, func(tx auth.Store) error { return f.l.In(tx).Clear(ctx, ivy) }); err != nil {
				t.Fatal(err)
			}
			f.wantOpen("ivy")
		})
	}
}

func TestNewLockoutRejectsABadRule(t *testing.T) {
	st := storesUnderTest()["sqlite"](t)
	for _, rule := range []auth.LockoutRule{{Threshold: 0, Duration: time.Minute}, {Threshold: 5, Duration: 0}} {
		if _, err := auth.NewLockout(discard, st, st, time.Now, rule); err == nil {
			t.Errorf("NewLockout(%+v) succeeded", rule)
		}
	}
}
