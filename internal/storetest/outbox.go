package storetest

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/bizy-auth/bizy/internal/auth"
)

// outboxCases check the seam between auth.Store's EnqueueEmail and the
// auth.Outbox that reads its table: messages commit and roll back with the
// transaction they were enqueued in, and come out oldest first, ties
// broken by id, with times kept to the microsecond. The rest of
// auth.Outbox (leases, retries, parking, concurrent owners) is
// mailtest.OutboxSuite's to check.
var outboxCases = []engineCase{
	{"Enqueue/CommitsWithTx", withOutbox(testEnqueueCommits)},
	{"Enqueue/RollsBackWithTx", withOutbox(testEnqueueRollsBack)},
	{"Enqueue/DuplicateID", withOutbox(testEnqueueDuplicate)},
	{"Claim/OldestFirstTiesByID", withOutbox(testClaimOldestFirst)},
}

// lease is how long the outbox tests lease messages for.
const lease = 5 * time.Minute

// newEmail returns a message with a fresh id created at created.
func newEmail(created time.Time) auth.OutboxEmail {
	id := uuid.NewString()
	return auth.OutboxEmail{
		ID: id,
		Email: auth.Email{
			To:      "user." + id[:8] + "@example.com",
			Subject: "Verify your email " + id[:8],
			Text:    "Open https://bizy.example/verify?token=" + id,
			HTML:    `<p><a href="https://bizy.example/verify?token=` + id + `">Verify</a></p>`,
		},
		CreatedAt: created,
	}
}

// mustEnqueue stores one message per creation time, in that order.
func mustEnqueue(t *testing.T, s auth.Store, created ...time.Time) []auth.OutboxEmail {
	t.Helper()
	var ms []auth.OutboxEmail
	for _, c := range created {
		m := newEmail(c)
		if err := s.EnqueueEmail(t.Context(), m); err != nil {
			t.Fatalf("EnqueueEmail: %v", err)
		}
		ms = append(ms, m)
	}
	return ms
}

// mustClaim claims up to n messages for owner at now.
func mustClaim(t *testing.T, o auth.Outbox, owner string, now time.Time, n int) []auth.OutboxEmail {
	t.Helper()
	ms, err := o.Claim(t.Context(), owner, now, lease, n)
	if err != nil {
		t.Fatalf("Claim(%s): %v", owner, err)
	}
	return ms
}

// wantEmails fails t unless got holds want's messages in order, never
// attempted.
func wantEmails(t *testing.T, got, want []auth.OutboxEmail) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("claimed %d messages %v, want %d", len(got), ids(got), len(want))
	}
	for i, g := range got {
		w := want[i]
		if g.ID != w.ID || g.Email != w.Email || g.Attempts != 0 {
			t.Fatalf("message %d = %+v, want %+v with 0 attempts", i, g, w)
		}
		wantTime(t, fmt.Sprintf("message %d CreatedAt", i), g.CreatedAt, w.CreatedAt)
	}
}

// ids lists the ids of ms.
func ids(ms []auth.OutboxEmail) []string {
	var s []string
	for _, m := range ms {
		s = append(s, m.ID)
	}
	return s
}

// wantOutboxStats fails t unless o counts pending and parked messages.
func wantOutboxStats(t *testing.T, o auth.Outbox, pending, parked int) {
	t.Helper()
	st, err := o.Stats(t.Context())
	if err != nil {
		t.Fatalf("Stats: %v", err)
	}
	if st.Pending != pending || st.Parked != parked {
		t.Fatalf("Stats = %+v, want {Pending:%d Parked:%d}", st, pending, parked)
	}
}

func testEnqueueCommits(t *testing.T, s auth.Store, o auth.Outbox) {
	u := newUser()
	m := newEmail(at(0))
	err := s.Tx(t.Context(), func(tx auth.Store) error {
		if err := tx.CreateUser(t.Context(), u); err != nil {
			return err
		}
		return tx.EnqueueEmail(t.Context(), m)
	})
	if err != nil {
		t.Fatalf("Tx: %v", err)
	}
	wantOutboxStats(t, o, 1, 0)
	// Due at once: claimable at its creation time.
	wantEmails(t, mustClaim(t, o, "a", m.CreatedAt, 10), []auth.OutboxEmail{m})
}

func testEnqueueRollsBack(t *testing.T, s auth.Store, o auth.Outbox) {
	err := s.Tx(t.Context(), func(tx auth.Store) error {
		if err := tx.CreateUser(t.Context(), newUser()); err != nil {
			return err
		}
		if err := tx.EnqueueEmail(t.Context(), newEmail(at(0))); err != nil {
			return err
		}
		return errAbort
	})
	if !errors.Is(err, errAbort) {
		t.Fatalf("Tx = %v, want fn's error", err)
	}
	wantOutboxStats(t, o, 0, 0)
	wantEmails(t, mustClaim(t, o, "a", at(time.Hour), 10), nil)
}

func testEnqueueDuplicate(t *testing.T, s auth.Store, o auth.Outbox) {
	m := mustEnqueue(t, s, at(0))[0]
	dup := newEmail(at(time.Second))
	dup.ID = m.ID
	if err := s.EnqueueEmail(t.Context(), dup); !errors.Is(err, auth.ErrConflict) {
		t.Fatalf("EnqueueEmail with a stored id = %v, want auth.ErrConflict", err)
	}
	wantOutboxStats(t, o, 1, 0)
}

func testClaimOldestFirst(t *testing.T, s auth.Store, o auth.Outbox) {
	// Enqueued out of creation order; two share a creation time.
	ms := mustEnqueue(t, s, at(3*time.Second), at(time.Second), at(4*time.Second),
		at(0), at(2*time.Second), at(2*time.Second))
	oldest := []auth.OutboxEmail{ms[3], ms[1], ms[4], ms[5]}
	if ms[5].ID < ms[4].ID {
		oldest[2], oldest[3] = ms[5], ms[4]
	}
	now := at(time.Minute)
	wantEmails(t, mustClaim(t, o, "a", now, 3), oldest[:3])
	wantEmails(t, mustClaim(t, o, "a", now, 2), []auth.OutboxEmail{oldest[3], ms[0]})
	wantEmails(t, mustClaim(t, o, "b", now, 5), []auth.OutboxEmail{ms[2]})
	wantEmails(t, mustClaim(t, o, "c", now, 5), nil)
	wantOutboxStats(t, o, 6, 0)
}
