// Package mailtest provides what tests of the mail capability share: the
// contract suite every auth.Outbox must pass, an in-memory Outbox, a Sender
// that records, and a real SMTP server running inside the test process.
package mailtest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/bizy-auth/bizy/internal/auth"
)

// Base is the fake "now" of OutboxSuite: messages are created before it and
// claimed at or after it. Whole seconds, so every adapter stores it exactly.
var Base = time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)

// OpenOutbox returns a fresh, empty outbox and a function that enqueues a
// message in it the way a request would (due at m.CreatedAt, no attempts).
type OpenOutbox func(t *testing.T) (ob auth.Outbox, enqueue func(ctx context.Context, m auth.OutboxEmail) error)

// OutboxSuite checks that an outbox behaves as auth.Outbox documents. open
// is called once per subtest and must return an empty outbox.
func OutboxSuite(t *testing.T, open OpenOutbox) {
	const lease = time.Minute
	ctx := context.Background()

	t.Run("Claim/OldestFirstWithFields", func(t *testing.T) {
		ob, enqueue := open(t)
		// Enqueued out of age order, so the order must come from CreatedAt.
		mustEnqueue(t, enqueue, Message("m2", Base.Add(-2*time.Minute)))
		mustEnqueue(t, enqueue, Message("m3", Base.Add(-1*time.Minute)))
		mustEnqueue(t, enqueue, Message("m1", Base.Add(-3*time.Minute)))
		got := mustClaim(t, ob, "a", Base, lease, 2)
		wantIDs(t, got, "m1", "m2")
		want := Message("m1", Base.Add(-3*time.Minute))
		if g := got[0]; g.Email != want.Email || !g.CreatedAt.Equal(want.CreatedAt) || g.Attempts != 0 {
			t.Errorf("claimed %+v, want %+v", g, want)
		}
		// The leased ones are skipped, even for their own owner.
		wantIDs(t, mustClaim(t, ob, "a", Base, lease, 10), "m3")
		wantIDs(t, mustClaim(t, ob, "b", Base, lease, 10))
	})

	t.Run("Claim/NotDueYet", func(t *testing.T) {
		ob, enqueue := open(t)
		mustEnqueue(t, enqueue, Message("later", Base.Add(time.Minute)))
		wantIDs(t, mustClaim(t, ob, "a", Base, lease, 10))
		wantIDs(t, mustClaim(t, ob, "a", Base.Add(time.Minute), lease, 10), "later")
	})

	t.Run("Claim/LeaseBlocksOthersUntilExpiry", func(t *testing.T) {
		ob, enqueue := open(t)
		mustEnqueue(t, enqueue, Message("m", Base.Add(-time.Second)))
		wantIDs(t, mustClaim(t, ob, "a", Base, lease, 10), "m")
		wantIDs(t, mustClaim(t, ob, "b", Base.Add(lease-time.Second), lease, 10))
		// Owner a crashed: once its lease has run out, b takes over.
		wantIDs(t, mustClaim(t, ob, "b", Base.Add(lease), lease, 10), "m")
		if err := ob.MarkSent(ctx, "m", "a", Base.Add(lease)); !errors.Is(err, auth.ErrLeaseLost) {
			t.Errorf("MarkSent by the old owner = %v, want ErrLeaseLost", err)
		}
		mustOK(t, "MarkSent by the new owner", ob.MarkSent(ctx, "m", "b", Base.Add(lease)))
	})

	t.Run("Claim/ExpiredLeaseStillHeldIfNotTaken", func(t *testing.T) {
		ob, enqueue := open(t)
		mustEnqueue(t, enqueue, Message("m", Base.Add(-time.Second)))
		wantIDs(t, mustClaim(t, ob, "a", Base, lease, 10), "m")
		mustOK(t, "late MarkSent", ob.MarkSent(ctx, "m", "a", Base.Add(2*lease)))
	})

	t.Run("MarkSent/NeverClaimedAgain", func(t *testing.T) {
		ob, enqueue := open(t)
		mustEnqueue(t, enqueue, Message("m", Base.Add(-time.Second)))
		mustClaim(t, ob, "a", Base, lease, 10)
		mustOK(t, "MarkSent", ob.MarkSent(ctx, "m", "a", Base))
		wantIDs(t, mustClaim(t, ob, "b", Base.Add(24*time.Hour), lease, 10))
		wantStats(t, ob, auth.OutboxStats{})
		if err := ob.MarkSent(ctx, "m", "a", Base); !errors.Is(err, auth.ErrLeaseLost) {
			t.Errorf("second MarkSent = %v, want ErrLeaseLost", err)
		}
	})

	t.Run("Retry/WaitsForNextAndCountsAttempts", func(t *testing.T) {
		ob, enqueue := open(t)
		mustEnqueue(t, enqueue, Message("m", Base.Add(-time.Second)))
		mustClaim(t, ob, "a", Base, lease, 10)
		next := Base.Add(10 * time.Minute)
		mustOK(t, "Retry", ob.Retry(ctx, "m", "a", next, "451 try later"))
		// The lease is released, yet the message waits for next.
		wantIDs(t, mustClaim(t, ob, "a", next.Add(-time.Second), lease, 10))
		wantStats(t, ob, auth.OutboxStats{Pending: 1})
		got := mustClaim(t, ob, "b", next, lease, 10)
		wantIDs(t, got, "m")
		if got[0].Attempts != 1 {
			t.Errorf("Attempts after one retry = %d, want 1", got[0].Attempts)
		}
		if err := ob.Retry(ctx, "m", "a", next, "x"); !errors.Is(err, auth.ErrLeaseLost) {
			t.Errorf("Retry by a released owner = %v, want ErrLeaseLost", err)
		}
		mustOK(t, "second Retry", ob.Retry(ctx, "m", "b", next.Add(time.Hour), "451 again"))
		got = mustClaim(t, ob, "c", next.Add(time.Hour), lease, 10)
		wantIDs(t, got, "m")
		if got[0].Attempts != 2 {
			t.Errorf("Attempts after two retries = %d, want 2", got[0].Attempts)
		}
	})

	t.Run("Park/NeverClaimedAndCounted", func(t *testing.T) {
		ob, enqueue := open(t)
		mustEnqueue(t, enqueue, Message("p", Base.Add(-2*time.Second)))
		mustEnqueue(t, enqueue, Message("q", Base.Add(-time.Second)))
		wantIDs(t, mustClaim(t, ob, "a", Base, lease, 1), "p")
		mustOK(t, "Park", ob.Park(ctx, "p", "a", Base, "550 no such user"))
		wantIDs(t, mustClaim(t, ob, "b", Base.Add(24*time.Hour), lease, 10), "q")
		wantStats(t, ob, auth.OutboxStats{Pending: 1, Parked: 1})
	})

	t.Run("WrongOwner/LeaseLost", func(t *testing.T) {
		ob, enqueue := open(t)
		mustEnqueue(t, enqueue, Message("m", Base.Add(-time.Second)))
		mustClaim(t, ob, "a", Base, lease, 10)
		for name, err := range map[string]error{
			"MarkSent":   ob.MarkSent(ctx, "m", "b", Base),
			"Retry":      ob.Retry(ctx, "m", "b", Base.Add(time.Hour), "x"),
			"Park":       ob.Park(ctx, "m", "b", Base, "x"),
			"MarkSent/0": ob.MarkSent(ctx, "no-such-id", "a", Base),
			"Retry/0":    ob.Retry(ctx, "no-such-id", "a", Base, "x"),
			"Park/0":     ob.Park(ctx, "no-such-id", "a", Base, "x"),
		} {
			if !errors.Is(err, auth.ErrLeaseLost) {
				t.Errorf("%s by a non-owner = %v, want ErrLeaseLost", name, err)
			}
		}
		// The refused calls changed nothing: a still holds the message.
		wantStats(t, ob, auth.OutboxStats{Pending: 1})
		mustOK(t, "MarkSent by the owner", ob.MarkSent(ctx, "m", "a", Base))
	})

	t.Run("Claim/TwoOwnersConcurrently", func(t *testing.T) {
		ob, enqueue := open(t)
		const total = 50
		for i := range total {
			mustEnqueue(t, enqueue, Message(fmt.Sprintf("c%02d", i), Base.Add(-time.Duration(total-i)*time.Second)))
		}
		var (
			mu     sync.Mutex
			seen   = map[string]string{}
			errs   []error
			wg     sync.WaitGroup
			owners = []string{"a", "b"}
		)
		for _, owner := range owners {
			wg.Go(func() {
				for {
					got, err := ob.Claim(ctx, owner, Base, lease, 3)
					mu.Lock()
					if err != nil {
						errs = append(errs, err)
					}
					for _, m := range got {
						if prev, ok := seen[m.ID]; ok {
							errs = append(errs, fmt.Errorf("%s claimed by %s and %s", m.ID, prev, owner))
						}
						seen[m.ID] = owner
					}
					// Stop at the first error too, so that a broken outbox
					// fails the test instead of spinning.
					done := len(seen) >= total || len(errs) > 0
					mu.Unlock()
					if done || len(got) == 0 {
						return
					}
				}
			})
		}
		wg.Wait()
		for _, err := range errs {
			t.Error(err)
		}
		if len(seen) != total {
			t.Errorf("claimed %d messages, want %d", len(seen), total)
		}
		wantIDs(t, mustClaim(t, ob, "c", Base, lease, total))
	})
}

// Message returns an OutboxEmail with the given id and creation time, for
// tests to enqueue.
func Message(id string, createdAt time.Time) auth.OutboxEmail {
	return auth.OutboxEmail{
		ID:        id,
		CreatedAt: createdAt,
		Email: auth.Email{
			To:      id + "@example.com",
			Subject: "Subject " + id,
			Text:    "Text " + id,
			HTML:    "<p>HTML " + id + "</p>",
		},
	}
}

func mustEnqueue(t *testing.T, enqueue func(context.Context, auth.OutboxEmail) error, m auth.OutboxEmail) {
	t.Helper()
	if err := enqueue(context.Background(), m); err != nil {
		t.Fatalf("enqueue %s: %v", m.ID, err)
	}
}

func mustClaim(t *testing.T, ob auth.Outbox, owner string, now time.Time, lease time.Duration, n int) []auth.OutboxEmail {
	t.Helper()
	got, err := ob.Claim(context.Background(), owner, now, lease, n)
	if err != nil {
		t.Fatalf("Claim(%s, %s): %v", owner, now.Format(time.RFC3339), err)
	}
	return got
}

func mustOK(t *testing.T, what string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

func wantIDs(t *testing.T, got []auth.OutboxEmail, want ...string) {
	t.Helper()
	ids := make([]string, len(got))
	for i, m := range got {
		ids[i] = m.ID
	}
	if fmt.Sprint(ids) != fmt.Sprint(want) {
		t.Errorf("claimed %v, want %v", ids, want)
	}
}

func wantStats(t *testing.T, ob auth.Outbox, want auth.OutboxStats) {
	t.Helper()
	got, err := ob.Stats(context.Background())
	if err != nil {
		t.Fatalf("Stats: %v", err)
	}
	if got != want {
		t.Errorf("Stats = %+v, want %+v", got, want)
	}
}
