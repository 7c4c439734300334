package storetest

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/bizy-auth/bizy/internal/auth"
)

// retentionCases are the RetentionStore checks AuthStore runs.
var retentionCases = []struct {
	name string
	test func(t *testing.T, s auth.Store)
}{
	{"Prune/Sessions", testPruneSessions},
	{"Prune/RevokedInsideWindowStayInRevocations", testPruneKeepsRevocationWindow},
	{"Prune/Tombstones", testPruneTombstones},
	{"Prune/UserTokens", testPruneTokens},
	{"Prune/Locks", testPruneLocks},
	{"Prune/Events", testPruneEvents},
	{"Prune/ZeroCutoffsDeleteNothing", testPruneZeroCutoffs},
	{"Prune/Batches", testPruneBatches},
	{"Prune/Concurrent", testPruneConcurrent},
	{"Prune/TxRollsBack", testPruneTxRollsBack},
}

// retentionOutboxCases are the checks of Prune on the outbox, which need
// an auth.Outbox to send and park messages.
var retentionOutboxCases = []engineCase{
	{"Prune/SentOnly", withOutbox(testPruneOutbox)},
	{"Prune/OutboxBatches", withOutbox(testPruneOutboxBatches)},
}

const day = 24 * time.Hour

// cutoff is the time before which the retention tests prune.
var cutoff = at(10 * day)

// mustPrune prunes p and checks the counts.
func mustPrune(t *testing.T, s auth.Store, p auth.PruneBefore, want auth.PruneCounts) {
	t.Helper()
	got, err := s.Prune(t.Context(), p)
	if err != nil {
		t.Fatalf("Prune: %v", err)
	}
	if got != want {
		t.Fatalf("Prune = %+v, want %+v", got, want)
	}
}

// wantPruned fails t unless each of gone is unknown and each of kept is
// stored.
func wantPruned(t *testing.T, s auth.Store, gone, kept []auth.Session) {
	t.Helper()
	for _, sess := range gone {
		if _, err := s.Session(t.Context(), sess.ID); !errors.Is(err, auth.ErrNotFound) {
			t.Errorf("session %s (expires %v, revoked %v): err = %v, want it pruned",
				sess.ID, sess.ExpiresAt, sess.RevokedAt, err)
		}
	}
	for _, sess := range kept {
		if _, err := s.Session(t.Context(), sess.ID); err != nil {
			t.Errorf("session %s (expires %v, revoked %v): %v, want it kept",
				sess.ID, sess.ExpiresAt, sess.RevokedAt, err)
		}
	}
}

// revokedIDs returns the ids the Revocations feed lists since a day before
// epoch.
func revokedIDs(t *testing.T, s auth.Store) []string {
	t.Helper()
	ss, err := s.Revocations(t.Context(), at(-day), time.Time{}, "", 100)
	if err != nil {
		t.Fatalf("Revocations: %v", err)
	}
	ids := []string{}
	for _, sess := range ss {
		ids = append(ids, sess.ID)
	}
	return ids
}

// mkSession stores a session of userID with the given expiry and
// revocation (zero: live).
func mkSession(t *testing.T, s auth.Store, userID string, expires, revoked time.Time) auth.Session {
	t.Helper()
	sess := newSession(userID)
	sess.ExpiresAt, sess.RevokedAt = expires, revoked
	return mustCreateSession(t, s, sess)
}

func testPruneSessions(t *testing.T, s auth.Store) {
	u := mustCreateUser(t, s)
	expired := mkSession(t, s, u.ID, cutoff.Add(-time.Microsecond), time.Time{})
	oldHash := expired.RefreshHash
	expired = mustRotate(t, s, expired, at(time.Hour)) // oldHash goes to refresh_tokens
	revoked := mkSession(t, s, u.ID, at(30*day), cutoff.Add(-time.Microsecond))
	expiresAtCutoff := mkSession(t, s, u.ID, cutoff, time.Time{})
	live := mkSession(t, s, u.ID, at(30*day), time.Time{})

	mustPrune(t, s, auth.PruneBefore{SessionsBefore: cutoff}, auth.PruneCounts{Sessions: 2})
	wantPruned(t, s, []auth.Session{expired, revoked}, []auth.Session{expiresAtCutoff, live})
	// Both the current and the rotated-out refresh hash went with it.
	for _, h := range [][]byte{oldHash, expired.RefreshHash} {
		if _, _, err := s.SessionByRefresh(t.Context(), h); !errors.Is(err, auth.ErrNotFound) {
			t.Errorf("SessionByRefresh(%s) after prune: err = %v, want ErrNotFound", h, err)
		}
	}
	mustPrune(t, s, auth.PruneBefore{SessionsBefore: cutoff}, auth.PruneCounts{})
}

// testPruneKeepsRevocationWindow: a revoked session goes by its revocation
// time alone, so one revoked at or after the cutoff stays listed by
// Revocations even when it expired long before.
func testPruneKeepsRevocationWindow(t *testing.T, s auth.Store) {
	u := mustCreateUser(t, s)
	before := mkSession(t, s, u.ID, at(30*day), cutoff.Add(-time.Microsecond))
	atCutoff := mkSession(t, s, u.ID, at(30*day), cutoff)
	expiredLongAgo := mkSession(t, s, u.ID, at(day), cutoff.Add(time.Hour))
	if got, want := revokedIDs(t, s), []string{before.ID, atCutoff.ID, expiredLongAgo.ID}; !slices.Equal(got, want) {
		t.Fatalf("Revocations before prune = %v, want %v", got, want)
	}
	mustPrune(t, s, auth.PruneBefore{SessionsBefore: cutoff}, auth.PruneCounts{Sessions: 1})
	wantPruned(t, s, []auth.Session{before}, []auth.Session{atCutoff, expiredLongAgo})
	if got, want := revokedIDs(t, s), []string{atCutoff.ID, expiredLongAgo.ID}; !slices.Equal(got, want) {
		t.Fatalf("Revocations after prune = %v, want %v", got, want)
	}
}

func testPruneTombstones(t *testing.T, s auth.Store) {
	gone, stays := mustCreateUser(t, s), mustCreateUser(t, s)
	old := mkSession(t, s, gone.ID, at(30*day), cutoff.Add(-time.Microsecond))
	recent := mkSession(t, s, gone.ID, at(30*day), cutoff)
	mkSession(t, s, gone.ID, at(30*day), time.Time{}) // live: no tombstone
	theirs := mkSession(t, s, stays.ID, at(30*day), cutoff.Add(time.Minute))
	if err := s.DeleteUser(t.Context(), gone.ID); err != nil {
		t.Fatalf("DeleteUser: %v", err)
	}
	mustPrune(t, s, auth.PruneBefore{SessionsBefore: cutoff}, auth.PruneCounts{Tombstones: 1})
	if got, want := revokedIDs(t, s), []string{recent.ID, theirs.ID}; !slices.Equal(got, want) {
		t.Fatalf("Revocations after prune = %v, want %v (not %s)", got, want, old.ID)
	}
	mustPrune(t, s, auth.PruneBefore{SessionsBefore: cutoff.Add(time.Hour)},
		auth.PruneCounts{Sessions: 1, Tombstones: 1})
	if got := revokedIDs(t, s); len(got) != 0 {
		t.Fatalf("Revocations after the second prune = %v, want none", got)
	}
}

func testPruneTokens(t *testing.T, s auth.Store) {
	u := mustCreateUser(t, s)
	mk := func(expires, used time.Time) auth.UserToken {
		tok := newToken(u.ID, auth.PurposeResetPassword)
		tok.ExpiresAt, tok.UsedAt = expires, used
		if err := s.CreateUserToken(t.Context(), tok); err != nil {
			t.Fatalf("CreateUserToken: %v", err)
		}
		return tok
	}
	gone := []auth.UserToken{
		mk(cutoff.Add(-time.Microsecond), time.Time{}),       // expired unused
		mk(at(30*day), cutoff.Add(-time.Microsecond)),        // used
		mk(cutoff.Add(-time.Hour), cutoff.Add(-2*time.Hour)), // both
	}
	kept := []auth.UserToken{
		mk(cutoff, time.Time{}),                            // expires at the cutoff
		mk(at(30*day), time.Time{}),                        // live
		mk(at(30*day), cutoff),                             // used at the cutoff
		mk(cutoff.Add(time.Hour), cutoff.Add(time.Minute)), // used after
	}
	mustPrune(t, s, auth.PruneBefore{TokensBefore: cutoff}, auth.PruneCounts{Tokens: len(gone)})
	for _, tok := range gone {
		if _, err := s.UserToken(t.Context(), tok.Hash, tok.Purpose); !errors.Is(err, auth.ErrNotFound) {
			t.Errorf("token (expires %v, used %v): err = %v, want it pruned", tok.ExpiresAt, tok.UsedAt, err)
		}
	}
	for _, tok := range kept {
		if _, err := s.UserToken(t.Context(), tok.Hash, tok.Purpose); err != nil {
			t.Errorf("token (expires %v, used %v): %v, want it kept", tok.ExpiresAt, tok.UsedAt, err)
		}
	}
}

func testPruneLocks(t *testing.T, s auth.Store) {
	row := func(subject string, expires time.Time) {
		putLockoutRow(t, s, auth.LockoutRow{Subject: subject, IP: "192.0.2.1", Failures: 1,
			WindowStart: expires.Add(-time.Hour), LockedUntil: expires, ExpiresAt: expires})
	}
	row("user:ended", cutoff.Add(-time.Microsecond))
	row("user:endsatcutoff", cutoff)
	row("user:active", at(30*day))

	mustPrune(t, s, auth.PruneBefore{LocksBefore: cutoff}, auth.PruneCounts{Locks: 1})
	wantLockedUntil(t, s, "user:ended", time.Time{})
	wantLockedUntil(t, s, "user:endsatcutoff", cutoff)
	wantLockedUntil(t, s, "user:active", at(30*day))
}

// testPruneEvents: security events created before the cutoff go, the
// others stay.
func testPruneEvents(t *testing.T, s auth.Store) {
	for i, created := range []time.Time{cutoff.Add(-day), cutoff.Add(-time.Microsecond), cutoff, at(30 * day)} {
		e := auth.Event{ID: fmt.Sprintf("00000000-0000-7000-8000-%012d", i), Type: auth.EventLoginFailure, CreatedAt: created}
		if err := s.AddEvent(t.Context(), e); err != nil {
			t.Fatalf("AddEvent: %v", err)
		}
	}
	mustPrune(t, s, auth.PruneBefore{EventsBefore: cutoff}, auth.PruneCounts{Events: 2})
	evs, _, err := s.Events(t.Context(), auth.EventFilter{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 2 || !evs[1].CreatedAt.Equal(cutoff) {
		t.Fatalf("events after the prune = %+v, want the 2 from the cutoff on", evs)
	}
}

func testPruneZeroCutoffs(t *testing.T, s auth.Store) {
	u := mustCreateUser(t, s)
	sess := mkSession(t, s, u.ID, at(time.Hour), at(time.Minute))
	tok := newToken(u.ID, auth.PurposeVerifyEmail)
	if err := s.CreateUserToken(t.Context(), tok); err != nil {
		t.Fatalf("CreateUserToken: %v", err)
	}
	putLockoutRow(t, s, auth.LockoutRow{Subject: "name:x", IP: "", LockedUntil: at(time.Minute), ExpiresAt: at(time.Minute)})
	mustPrune(t, s, auth.PruneBefore{}, auth.PruneCounts{})
	wantPruned(t, s, nil, []auth.Session{sess})
	mustPrune(t, s, auth.PruneBefore{SessionsBefore: cutoff, TokensBefore: cutoff, LocksBefore: cutoff},
		auth.PruneCounts{Sessions: 1, Tokens: 1, Locks: 1})
}

// testPruneBatches deletes more rows of each kind than fit in one batch,
// and an exact multiple of the batch.
func testPruneBatches(t *testing.T, s auth.Store) {
	u := mustCreateUser(t, s)
	var sessions []auth.Session
	for i := range 7 {
		sessions = append(sessions, mkSession(t, s, u.ID, at(time.Duration(i)*time.Hour), time.Time{}))
	}
	for range 6 {
		mustCreateToken(t, s, u.ID, auth.PurposeVerifyEmail)
	}
	for _, name := range []string{"a", "b", "c", "d", "e"} {
		putLockoutRow(t, s, auth.LockoutRow{Subject: "name:" + name, IP: "", LockedUntil: at(time.Hour), ExpiresAt: at(time.Hour)})
	}
	p := auth.PruneBefore{SessionsBefore: cutoff, TokensBefore: cutoff, LocksBefore: cutoff, BatchSize: 2}
	mustPrune(t, s, p, auth.PruneCounts{Sessions: 7, Tokens: 6, Locks: 5})
	wantPruned(t, s, sessions, nil)
	mustPrune(t, s, p, auth.PruneCounts{})
}

// testPruneConcurrent: copies pruning at once delete each row once.
func testPruneConcurrent(t *testing.T, s auth.Store) {
	u := mustCreateUser(t, s)
	const n = 40
	var sessions []auth.Session
	for i := range n {
		sessions = append(sessions, mkSession(t, s, u.ID, at(time.Duration(i)*time.Minute), time.Time{}))
	}
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		total int
	)
	for range 4 {
		wg.Go(func() {
			c, err := s.Prune(t.Context(), auth.PruneBefore{SessionsBefore: cutoff, BatchSize: 3})
			if err != nil {
				t.Errorf("Prune: %v", err)
				return
			}
			mu.Lock()
			total += c.Sessions
			mu.Unlock()
		})
	}
	wg.Wait()
	if total != n {
		t.Errorf("concurrent prunes deleted %d sessions in all, want %d", total, n)
	}
	wantPruned(t, s, sessions, nil)
}

func testPruneTxRollsBack(t *testing.T, s auth.Store) {
	u := mustCreateUser(t, s)
	sess := mkSession(t, s, u.ID, at(time.Hour), time.Time{})
	errBoom := errors.New("boom")
	err := s.Tx(t.Context(), func(tx auth.Store) error {
		mustPrune(t, tx, auth.PruneBefore{SessionsBefore: cutoff, BatchSize: 1}, auth.PruneCounts{Sessions: 1})
		return errBoom
	})
	if !errors.Is(err, errBoom) {
		t.Fatalf("Tx = %v, want boom", err)
	}
	wantPruned(t, s, nil, []auth.Session{sess})
}

// mustFinish finishes each of ms, which owner holds, at when: sent, or
// parked when park is set.
func mustFinish(t *testing.T, o auth.Outbox, owner string, ms []auth.OutboxEmail, when time.Time, park bool) {
	t.Helper()
	for _, m := range ms {
		var err error
		if park {
			err = o.Park(t.Context(), m.ID, owner, when, "550 no such user")
		} else {
			err = o.MarkSent(t.Context(), m.ID, owner, when)
		}
		if err != nil {
			t.Fatalf("finish %s: %v", m.ID, err)
		}
	}
}

// seconds returns n creation times a second apart from epoch, oldest
// first.
func seconds(n int) []time.Time {
	ts := make([]time.Time, n)
	for i := range ts {
		ts[i] = at(time.Duration(i) * time.Second)
	}
	return ts
}

// testPruneOutbox: only sent messages go; parked ones (for operators) and
// pending ones, leased or not, stay.
func testPruneOutbox(t *testing.T, s auth.Store, o auth.Outbox) {
	ms := mustEnqueue(t, s, seconds(7)...)
	if got := mustClaim(t, o, "w", at(time.Minute), 6); len(got) != 6 {
		t.Fatalf("claimed %d, want 6", len(got))
	}
	mustFinish(t, o, "w", ms[0:2], cutoff.Add(-time.Microsecond), false) // pruned
	mustFinish(t, o, "w", ms[2:3], cutoff, false)                        // sent at the cutoff
	mustFinish(t, o, "w", ms[3:4], at(30*day), false)                    // sent after
	mustFinish(t, o, "w", ms[4:5], at(time.Hour), true)                  // parked long ago
	// ms[5] stays leased and ms[6] unclaimed: both pending.

	mustPrune(t, s, auth.PruneBefore{OutboxBefore: cutoff}, auth.PruneCounts{Outbox: 2})
	mustPrune(t, s, auth.PruneBefore{OutboxBefore: at(1000 * day)}, auth.PruneCounts{Outbox: 2})
	st, err := o.Stats(t.Context())
	if err != nil {
		t.Fatalf("Stats: %v", err)
	}
	if st != (auth.OutboxStats{Pending: 2, Parked: 1}) {
		t.Fatalf("Stats after prune = %+v, want 2 pending and 1 parked", st)
	}
}

func testPruneOutboxBatches(t *testing.T, s auth.Store, o auth.Outbox) {
	ms := mustEnqueue(t, s, seconds(7)...)
	mustClaim(t, o, "w", at(time.Minute), len(ms))
	mustFinish(t, o, "w", ms, at(time.Hour), false)
	p := auth.PruneBefore{OutboxBefore: cutoff, BatchSize: 3}
	mustPrune(t, s, p, auth.PruneCounts{Outbox: 7})
	mustPrune(t, s, p, auth.PruneCounts{})
}
