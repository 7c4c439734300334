package authserver

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/bizy-auth/bizy/internal/auth"
)

// mustPrune runs the service's retention and checks what it deleted.
func (f *fixture) mustPrune(want auth.PruneCounts) {
	f.t.Helper()
	got, err := f.svc.Prune(context.Background())
	if err != nil {
		f.t.Fatalf("Prune: %v", err)
	}
	if got != want {
		f.t.Fatalf("Prune at %v = %+v, want %+v", f.clock.Now(), got, want)
	}
}

// sessionStored reports whether the store still holds session sid.
func (f *fixture) sessionStored(sid string) bool {
	f.t.Helper()
	_, err := f.store.Session(context.Background(), sid)
	if err != nil && !errors.Is(err, auth.ErrNotFound) {
		f.t.Fatal(err)
	}
	return err == nil
}

// TestPruneRetentionPeriods walks the service clock through each retention
// period: lockout counts go once they hold nothing (at once after a
// success, once the lock ended after a lock), an expired token a day
// later, a revoked or expired session a week later, and the event log
// stays.
func TestPruneRetentionPeriods(t *testing.T) {
	f := newFixture(t, options{})
	f.mustRegister("vera", "vera@example.com", goodPassword, true)
	revoked := f.mustLogin("vera", goodPassword)
	sidRevoked, sidLive := f.sessionOf(revoked), f.sessionOf(f.mustLogin("vera", goodPassword))
	if rec := f.do("POST", "/logout", nil, revoked); rec.Code != http.StatusNoContent {
		t.Fatalf("logout = %d %s", rec.Code, rec.Body)
	}
	f.mustRegister("una", "una@example.com", goodPassword, false) // a verification token, never used
	for range 5 {
		f.loginStatus("ghost", "Wr0ng!pass") // locks "ghost" for 15 minutes
	}
	if got := f.loginStatus("ghost", "Wr0ng!pass"); got != http.StatusLocked {
		t.Fatalf("sixth failed login = %d, want 423", got)
	}
	events := len(f.events("", ""))

	f.mustPrune(auth.PruneCounts{Locks: 2}) // vera's counts, from her IP and from all, emptied by her success
	// The token expired after VerificationTTL, the lock after 15 minutes.
	f.clock.Advance(auth.VerificationTTL + auth.TokenRetention + time.Minute)
	f.mustPrune(auth.PruneCounts{Tokens: 1, Locks: 2})
	if got := f.loginStatus("ghost", "Wr0ng!pass"); got != http.StatusUnauthorized {
		t.Fatalf("failed login after the lock was pruned = %d, want 401", got)
	}

	f.clock.Advance(auth.SessionRetention - auth.VerificationTTL - auth.TokenRetention - 2*time.Minute)
	f.mustPrune(auth.PruneCounts{Locks: 2}) // the count of that last failure, its window over
	if !f.sessionStored(sidRevoked) {
		t.Fatal("a session revoked less than SessionRetention ago was pruned")
	}
	f.clock.Advance(2 * time.Minute)
	f.mustPrune(auth.PruneCounts{Sessions: 1})
	if f.sessionStored(sidRevoked) || !f.sessionStored(sidLive) {
		t.Fatal("after SessionRetention: want the revoked session gone and the live one kept")
	}

	// The live session expires REFRESH_TOKEN_TTL after its login.
	f.clock.Advance(720*time.Hour - auth.SessionRetention)
	f.mustPrune(auth.PruneCounts{})
	f.clock.Advance(auth.SessionRetention + time.Minute)
	f.mustPrune(auth.PruneCounts{Sessions: 1})
	if got := len(f.events("", "")); got < events {
		t.Fatalf("events after pruning = %d, want at least the %d before", got, events)
	}
}

// TestPruneKeepsRevokedSessionsInFeed: with an ACCESS_TOKEN_TTL longer
// than SessionRetention, a revoked session stays until ACCESS_TOKEN_TTL +
// RevocationMargin after its revocation, so /revocations lists it for as
// long as its access tokens may be valid.
func TestPruneKeepsRevokedSessionsInFeed(t *testing.T) {
	const ttl = auth.SessionRetention + 2*24*time.Hour
	f := newFixture(t, options{accessTTL: ttl})
	f.mustRegister("walt", "walt@example.com", goodPassword, true)
	tok := f.mustLogin("walt", goodPassword)
	sid := f.sessionOf(tok)
	if rec := f.do("POST", "/logout", nil, tok); rec.Code != http.StatusNoContent {
		t.Fatalf("logout = %d %s", rec.Code, rec.Body)
	}

	f.clock.Advance(auth.SessionRetention + time.Hour)
	f.mustPrune(auth.PruneCounts{Locks: 2}) // walt's empty lockout counts
	if !f.revocationFeedHas(sid) {
		t.Fatal("a revoked session whose access tokens are still valid left the feed")
	}
	// Past the TTL the feed drops it, but the margin keeps the row a while.
	f.clock.Advance(ttl - auth.SessionRetention - time.Hour + auth.RevocationMargin/2)
	if f.revocationFeedHas(sid) {
		t.Fatal("the feed still lists a session revoked longer than ACCESS_TOKEN_TTL ago")
	}
	f.mustPrune(auth.PruneCounts{})
	f.clock.Advance(auth.RevocationMargin/2 + time.Second)
	f.mustPrune(auth.PruneCounts{Sessions: 1})
}
