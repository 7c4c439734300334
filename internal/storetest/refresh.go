package storetest

import (
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/bizy-auth/bizy/internal/auth"
)

// mustCreateSession stores sess and returns it.
func mustCreateSession(t *testing.T, s auth.Store, sess auth.Session) auth.Session {
	t.Helper()
	if err := s.CreateSession(t.Context(), sess); err != nil {
		t.Fatalf("CreateSession: %v", err)
	}
	return sess
}

// newHash returns a refresh hash no session has.
func newHash() []byte { return []byte("sha256:" + uuid.NewString()) }

// wantByRefresh fails t unless SessionByRefresh(hash) returns want, with
// current as given.
func wantByRefresh(t *testing.T, s auth.Store, hash []byte, want auth.Session, current bool) {
	t.Helper()
	got, cur, err := s.SessionByRefresh(t.Context(), hash)
	if err != nil {
		t.Fatalf("SessionByRefresh(%s): %v", hash, err)
	}
	if d := diffSession(got, want); d != "" {
		t.Errorf("SessionByRefresh(%s): %s", hash, d)
	}
	if cur != current {
		t.Errorf("SessionByRefresh(%s) current = %v, want %v", hash, cur, current)
	}
}

// mustRotate rotates sess from its hash to a new one at now and returns the
// session as it should now be stored.
func mustRotate(t *testing.T, s auth.Store, sess auth.Session, now time.Time) auth.Session {
	t.Helper()
	next := newHash()
	if err := s.RotateRefresh(t.Context(), sess.ID, sess.RefreshHash, next, now); err != nil {
		t.Fatalf("RotateRefresh: %v", err)
	}
	sess.RefreshHash, sess.RefreshedAt = next, now
	return sess
}

func testByRefreshCurrentAndRotated(t *testing.T, s auth.Store) {
	u, other := mustCreateUser(t, s), mustCreateUser(t, s)
	sess := mustCreateSession(t, s, newSession(u.ID))
	theirs := mustCreateSession(t, s, newSession(other.ID))
	wantByRefresh(t, s, sess.RefreshHash, sess, true)

	h1 := sess.RefreshHash
	sess = mustRotate(t, s, sess, at(time.Hour))
	h2 := sess.RefreshHash
	theirs = mustRotate(t, s, theirs, at(time.Hour))
	sess = mustRotate(t, s, sess, at(2*time.Hour))

	// Every hash the session had finds it as it is now.
	wantByRefresh(t, s, sess.RefreshHash, sess, true)
	wantByRefresh(t, s, h1, sess, false)
	wantByRefresh(t, s, h2, sess, false)
	wantByRefresh(t, s, theirs.RefreshHash, theirs, true)
	got, err := s.Session(t.Context(), sess.ID)
	if err != nil {
		t.Fatalf("Session: %v", err)
	}
	if d := diffSession(got, sess); d != "" {
		t.Fatalf("Session after rotations: %s", d)
	}
}

func testByRefreshUnknown(t *testing.T, s auth.Store) {
	u := mustCreateUser(t, s)
	mustRotate(t, s, mustCreateSession(t, s, newSession(u.ID)), at(time.Hour))
	_, _, err := s.SessionByRefresh(t.Context(), newHash())
	wantNotFound(t, err)
}

func testByRefreshRevokedOrExpired(t *testing.T, s auth.Store) {
	u := mustCreateUser(t, s)
	expired := newSession(u.ID)
	expired.ExpiresAt = at(-time.Hour)
	expired = mustCreateSession(t, s, expired)
	wantByRefresh(t, s, expired.RefreshHash, expired, true)

	sess := mustCreateSession(t, s, newSession(u.ID))
	old := sess.RefreshHash
	sess = mustRotate(t, s, sess, at(time.Hour))
	now := at(2 * time.Hour)
	if ok, err := s.RevokeSession(t.Context(), sess.ID, now); err != nil || !ok {
		t.Fatalf("RevokeSession = %v, %v; want true, nil", ok, err)
	}
	sess.RevokedAt = now
	// The caller decides what a revoked session's token means; the store
	// still finds it, by either hash.
	wantByRefresh(t, s, sess.RefreshHash, sess, true)
	wantByRefresh(t, s, old, sess, false)
}

func testRotateStaleHash(t *testing.T, s auth.Store) {
	u := mustCreateUser(t, s)
	sess := mustCreateSession(t, s, newSession(u.ID))
	old := sess.RefreshHash
	sess = mustRotate(t, s, sess, at(time.Hour))

	late := newHash()
	err := s.RotateRefresh(t.Context(), sess.ID, old, late, at(2*time.Hour))
	wantNotFound(t, err)
	wantByRefresh(t, s, sess.RefreshHash, sess, true)
	wantByRefresh(t, s, old, sess, false)
	_, _, err = s.SessionByRefresh(t.Context(), late)
	wantNotFound(t, err)
}

func testRotateRevoked(t *testing.T, s auth.Store) {
	u := mustCreateUser(t, s)
	sess := newSession(u.ID)
	sess.RevokedAt = at(3 * time.Minute)
	sess = mustCreateSession(t, s, sess)

	next := newHash()
	err := s.RotateRefresh(t.Context(), sess.ID, sess.RefreshHash, next, at(time.Hour))
	wantNotFound(t, err)
	wantByRefresh(t, s, sess.RefreshHash, sess, true)
	_, _, err = s.SessionByRefresh(t.Context(), next)
	wantNotFound(t, err)
}

func testRotateUnknownOrWrongSession(t *testing.T, s auth.Store) {
	u := mustCreateUser(t, s)
	a := mustCreateSession(t, s, newSession(u.ID))
	b := mustCreateSession(t, s, newSession(u.ID))
	wantNotFound(t, s.RotateRefresh(t.Context(), uuid.NewString(), a.RefreshHash, newHash(), at(time.Hour)))
	// a's hash does not rotate b.
	wantNotFound(t, s.RotateRefresh(t.Context(), b.ID, a.RefreshHash, newHash(), at(time.Hour)))
	wantByRefresh(t, s, a.RefreshHash, a, true)
	wantByRefresh(t, s, b.RefreshHash, b, true)
}

func testRotateTwentyConcurrent(t *testing.T, s auth.Store) {
	const n = 20
	u := mustCreateUser(t, s)
	sess := mustCreateSession(t, s, newSession(u.ID))
	now := at(time.Hour)
	next := make([][]byte, n)
	for i := range next {
		next[i] = newHash()
	}
	start := make(chan struct{})
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			<-start
			errs[i] = s.RotateRefresh(t.Context(), sess.ID, sess.RefreshHash, next[i], now)
		})
	}
	close(start)
	wg.Wait()
	winner := -1
	for i, err := range errs {
		switch {
		case err == nil && winner >= 0:
			t.Fatalf("goroutines %d and %d both rotated the same hash", winner, i)
		case err == nil:
			winner = i
		case !errors.Is(err, auth.ErrNotFound):
			t.Errorf("goroutine %d: RotateRefresh = %v, want nil or auth.ErrNotFound", i, err)
		}
	}
	if winner < 0 {
		t.Fatalf("none of %d concurrent rotations succeeded, want exactly 1", n)
	}
	old := sess.RefreshHash
	sess.RefreshHash, sess.RefreshedAt = next[winner], now
	wantByRefresh(t, s, sess.RefreshHash, sess, true)
	wantByRefresh(t, s, old, sess, false)
	for i, h := range next {
		if i != winner {
			_, _, err := s.SessionByRefresh(t.Context(), h)
			wantNotFound(t, err)
		}
	}
}

func testRotateTxRollsBack(t *testing.T, s auth.Store) {
	u := mustCreateUser(t, s)
	sess := mustCreateSession(t, s, newSession(u.ID))
	next := newHash()
	err := s.Tx(t.Context(), func(tx auth.Store) error {
		if err := tx.RotateRefresh(t.Context(), sess.ID, sess.RefreshHash, next, at(time.Hour)); err != nil {
			return err
		}
		// The transaction sees its own rotation.
		if _, cur, err := tx.SessionByRefresh(t.Context(), sess.RefreshHash); err != nil || cur {
			t.Errorf("SessionByRefresh(old) in Tx = %v, %v; want false, nil", cur, err)
		}
		return errAbort
	})
	if !errors.Is(err, errAbort) {
		t.Fatalf("Tx = %v, want fn's error", err)
	}
	wantByRefresh(t, s, sess.RefreshHash, sess, true)
	_, _, err = s.SessionByRefresh(t.Context(), next)
	wantNotFound(t, err)
	// The old hash can still be rotated, once.
	mustRotate(t, s, sess, at(2*time.Hour))
}

func testRevokeSessionTwice(t *testing.T, s auth.Store) {
	u := mustCreateUser(t, s)
	sess := mustCreateSession(t, s, newSession(u.ID))
	other := mustCreateSession(t, s, newSession(u.ID))
	now := at(time.Hour)
	if ok, err := s.RevokeSession(t.Context(), sess.ID, now); err != nil || !ok {
		t.Fatalf("first RevokeSession = %v, %v; want true, nil", ok, err)
	}
	if ok, err := s.RevokeSession(t.Context(), sess.ID, at(2*time.Hour)); err != nil || ok {
		t.Fatalf("second RevokeSession = %v, %v; want false, nil", ok, err)
	}
	wantRevokedAt(t, s, sess, now)
	wantRevokedAt(t, s, other, time.Time{})
}

func testRevokeSessionUnknown(t *testing.T, s auth.Store) {
	u := mustCreateUser(t, s)
	sess := mustCreateSession(t, s, newSession(u.ID))
	ok, err := s.RevokeSession(t.Context(), uuid.NewString(), at(time.Hour))
	wantNotFound(t, err)
	if ok {
		t.Errorf("RevokeSession of an unknown id = true")
	}
	wantRevokedAt(t, s, sess, time.Time{})
}

// testRotatedRefreshSuccessor: a rotated-out hash's record names its
// session, when it went and the successor kept with it; a current or
// unknown hash has none.
func testRotatedRefreshSuccessor(t *testing.T, s auth.Store) {
	u := mustCreateUser(t, s)
	sess := mustCreateSession(t, s, newSession(u.ID))
	first, second := sess.RefreshHash, newHash()
	if err := s.RotateRefreshSuccessor(t.Context(), sess.ID, first, second, []byte("sealed next"), at(time.Minute)); err != nil {
		t.Fatalf("RotateRefreshSuccessor: %v", err)
	}
	got, err := s.RotatedRefresh(t.Context(), first)
	if err != nil || got.SessionID != sess.ID || !got.RotatedAt.Equal(at(time.Minute)) || string(got.Successor) != "sealed next" {
		t.Fatalf("RotatedRefresh = %+v, %v; want session %s at %v with the successor", got, err, sess.ID, at(time.Minute))
	}
	if err := s.RotateRefresh(t.Context(), sess.ID, second, newHash(), at(2*time.Minute)); err != nil {
		t.Fatal(err)
	}
	if got, err := s.RotatedRefresh(t.Context(), second); err != nil || got.Successor != nil || !got.RotatedAt.Equal(at(2*time.Minute)) {
		t.Fatalf("RotatedRefresh after a plain rotation = %+v, %v; want no successor", got, err)
	}
	for _, h := range [][]byte{newHash(), nil} {
		if _, err := s.RotatedRefresh(t.Context(), h); !errors.Is(err, auth.ErrNotFound) {
			t.Fatalf("RotatedRefresh(%q) = %v, want ErrNotFound", h, err)
		}
	}
	if _, cur, err := s.SessionByRefresh(t.Context(), first); err != nil || cur {
		t.Fatalf("SessionByRefresh of the rotated-out hash: current %v, %v", cur, err)
	}
}
