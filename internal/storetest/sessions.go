package storetest

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/bizy-auth/bizy/internal/auth"
)

// newSession returns a live session of userID with a fresh id and hash.
func newSession(userID string) auth.Session {
	id := uuid.NewString()
	return auth.Session{
		ID:          id,
		UserID:      userID,
		RefreshHash: []byte("sha256:" + id),
		CreatedAt:   at(time.Minute),
		RefreshedAt: at(2 * time.Minute),
		ExpiresAt:   at(720 * time.Hour),
		IP:          "203.0.113.7",
		UserAgent:   "storetest/1.0",
	}
}

// diffSession describes how two sessions differ, or returns "".
func diffSession(got, want auth.Session) string {
	var d []string
	check := func(name string, ok bool, g, w any) {
		if !ok {
			d = append(d, fmt.Sprintf("%s = %v, want %v", name, g, w))
		}
	}
	utc := func(g, w time.Time) bool {
		if w.IsZero() {
			return g.IsZero()
		}
		return g.Equal(w) && g.Location() == time.UTC
	}
	check("ID", got.ID == want.ID, got.ID, want.ID)
	check("UserID", got.UserID == want.UserID, got.UserID, want.UserID)
	check("RefreshHash", string(got.RefreshHash) == string(want.RefreshHash), got.RefreshHash, want.RefreshHash)
	check("CreatedAt", utc(got.CreatedAt, want.CreatedAt), got.CreatedAt, want.CreatedAt)
	check("RefreshedAt", utc(got.RefreshedAt, want.RefreshedAt), got.RefreshedAt, want.RefreshedAt)
	check("ExpiresAt", utc(got.ExpiresAt, want.ExpiresAt), got.ExpiresAt, want.ExpiresAt)
	check("RevokedAt", utc(got.RevokedAt, want.RevokedAt), got.RevokedAt, want.RevokedAt)
	check("IP", got.IP == want.IP, got.IP, want.IP)
	check("UserAgent", got.UserAgent == want.UserAgent, got.UserAgent, want.UserAgent)
	return strings.Join(d, "; ")
}

func testSessionRoundTrip(t *testing.T, s auth.Store) {
	u := mustCreateUser(t, s)
	sess := newSession(u.ID)
	other := newSession(u.ID)
	for _, x := range []auth.Session{sess, other} {
		if err := s.CreateSession(t.Context(), x); err != nil {
			t.Fatalf("CreateSession: %v", err)
		}
	}
	got, err := s.Session(t.Context(), sess.ID)
	if err != nil {
		t.Fatalf("Session: %v", err)
	}
	if d := diffSession(got, sess); d != "" {
		t.Fatalf("Session: %s", d)
	}
}

func testSessionRevoked(t *testing.T, s auth.Store) {
	u := mustCreateUser(t, s)
	sess := newSession(u.ID)
	sess.RevokedAt = at(3 * time.Minute)
	sess.IP, sess.UserAgent = "", ""
	if err := s.CreateSession(t.Context(), sess); err != nil {
		t.Fatalf("CreateSession: %v", err)
	}
	got, err := s.Session(t.Context(), sess.ID)
	if err != nil {
		t.Fatalf("Session: %v", err)
	}
	if d := diffSession(got, sess); d != "" {
		t.Fatalf("Session: %s", d)
	}
}

func testSessionUnknown(t *testing.T, s auth.Store) {
	u := mustCreateUser(t, s)
	if err := s.CreateSession(t.Context(), newSession(u.ID)); err != nil {
		t.Fatalf("CreateSession: %v", err)
	}
	_, err := s.Session(t.Context(), uuid.NewString())
	wantNotFound(t, err)
	_, err = s.Session(t.Context(), "not-a-uuid")
	wantNotFound(t, err)
}
