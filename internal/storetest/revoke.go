package storetest

import (
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/bizy-auth/bizy/internal/auth"
)

// mustCreateSessions stores n live sessions of userID and returns them.
func mustCreateSessions(t *testing.T, s auth.Store, userID string, n int) []auth.Session {
	t.Helper()
	var ss []auth.Session
	for range n {
		sess := newSession(userID)
		if err := s.CreateSession(t.Context(), sess); err != nil {
			t.Fatalf("CreateSession: %v", err)
		}
		ss = append(ss, sess)
	}
	return ss
}

// wantRevokedAt fails t unless the stored session sess was revoked at want
// (the zero time: is live).
func wantRevokedAt(t *testing.T, s auth.Store, sess auth.Session, want time.Time) {
	t.Helper()
	got, err := s.Session(t.Context(), sess.ID)
	if err != nil {
		t.Fatalf("Session: %v", err)
	}
	wantTime(t, "RevokedAt of "+sess.ID, got.RevokedAt, want)
}

// mustRevoke calls RevokeUserSessions and checks the count it returns.
func mustRevoke(t *testing.T, s auth.Store, userID, except string, now time.Time, want int) {
	t.Helper()
	n, err := s.RevokeUserSessions(t.Context(), userID, except, now)
	if err != nil {
		t.Fatalf("RevokeUserSessions: %v", err)
	}
	if n != want {
		t.Fatalf("RevokeUserSessions revoked %d, want %d", n, want)
	}
}

func testRevokeAllButExcept(t *testing.T, s auth.Store) {
	u, other := mustCreateUser(t, s), mustCreateUser(t, s)
	ss := mustCreateSessions(t, s, u.ID, 3)
	old := newSession(u.ID)
	old.RevokedAt = at(3 * time.Minute)
	if err := s.CreateSession(t.Context(), old); err != nil {
		t.Fatalf("CreateSession: %v", err)
	}
	theirs := mustCreateSessions(t, s, other.ID, 1)[0]

	now := at(time.Hour)
	mustRevoke(t, s, u.ID, ss[0].ID, now, 2)
	wantRevokedAt(t, s, ss[0], time.Time{})
	wantRevokedAt(t, s, ss[1], now)
	wantRevokedAt(t, s, ss[2], now)
	// An already revoked session keeps its time; another user's is untouched.
	wantRevokedAt(t, s, old, old.RevokedAt)
	wantRevokedAt(t, s, theirs, time.Time{})
}

func testRevokeAll(t *testing.T, s auth.Store) {
	u := mustCreateUser(t, s)
	ss := mustCreateSessions(t, s, u.ID, 3)
	now := at(time.Hour)
	mustRevoke(t, s, u.ID, "", now, 3)
	for _, sess := range ss {
		wantRevokedAt(t, s, sess, now)
	}
	mustRevoke(t, s, u.ID, "", at(2*time.Hour), 0)
	for _, sess := range ss {
		wantRevokedAt(t, s, sess, now)
	}
}

func testRevokeUnknownUser(t *testing.T, s auth.Store) {
	u := mustCreateUser(t, s)
	sess := mustCreateSessions(t, s, u.ID, 1)[0]
	mustRevoke(t, s, uuid.NewString(), "", at(time.Hour), 0)
	// except naming a session of another user protects nothing else.
	mustRevoke(t, s, uuid.NewString(), sess.ID, at(time.Hour), 0)
	wantRevokedAt(t, s, sess, time.Time{})
}
