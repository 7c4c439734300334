package storetest

import (
	"testing"
	"time"

	"github.com/bizy-auth/bizy/internal/auth"
)

// mustAddFailure counts a failure for name at now and checks the new count.
func mustAddFailure(t *testing.T, s auth.Store, name string, now time.Time, want int) {
	t.Helper()
	n, err := s.AddLoginFailure(t.Context(), name, now)
	if err != nil {
		t.Fatalf("AddLoginFailure(%q): %v", name, err)
	}
	if n != want {
		t.Fatalf("AddLoginFailure(%q) = %d, want %d", name, n, want)
	}
}

// wantLockedUntil checks name's lock end.
func wantLockedUntil(t *testing.T, s auth.Store, name string, want time.Time) {
	t.Helper()
	got, err := s.LoginLockedUntil(t.Context(), name)
	if err != nil {
		t.Fatalf("LoginLockedUntil(%q): %v", name, err)
	}
	wantTime(t, "LoginLockedUntil("+name+")", got, want)
}

func testLockoutCounts(t *testing.T, s auth.Store) {
	for i := 1; i <= 5; i++ {
		mustAddFailure(t, s, "alice", at(time.Duration(i)*time.Second), i)
	}
	wantLockedUntil(t, s, "alice", time.Time{})
}

func testLockoutPerName(t *testing.T, s auth.Store) {
	mustAddFailure(t, s, "alice", at(0), 1)
	mustAddFailure(t, s, "alice", at(0), 2)
	mustAddFailure(t, s, "bob", at(0), 1)
	if err := s.LockLogin(t.Context(), "bob", at(time.Hour)); err != nil {
		t.Fatalf("LockLogin: %v", err)
	}
	wantLockedUntil(t, s, "alice", time.Time{})
	mustAddFailure(t, s, "alice", at(0), 3)
}

func testLockResetsCount(t *testing.T, s auth.Store) {
	for i := 1; i <= 3; i++ {
		mustAddFailure(t, s, "alice", at(0), i)
	}
	until := at(15 * time.Minute)
	if err := s.LockLogin(t.Context(), "alice", until); err != nil {
		t.Fatalf("LockLogin: %v", err)
	}
	wantLockedUntil(t, s, "alice", until)

	// Locking a name that never failed works too.
	if err := s.LockLogin(t.Context(), "carol", until); err != nil {
		t.Fatalf("LockLogin: %v", err)
	}
	wantLockedUntil(t, s, "carol", until)
}

func testActiveLockKept(t *testing.T, s auth.Store) {
	mustAddFailure(t, s, "alice", at(0), 1)
	until := at(15 * time.Minute)
	if err := s.LockLogin(t.Context(), "alice", until); err != nil {
		t.Fatalf("LockLogin: %v", err)
	}
	// The lock reset the count, and a failure while it lasts keeps it.
	mustAddFailure(t, s, "alice", at(time.Minute), 1)
	mustAddFailure(t, s, "alice", at(2*time.Minute), 2)
	wantLockedUntil(t, s, "alice", until)
}

func testEndedLockCleared(t *testing.T, s auth.Store) {
	until := at(15 * time.Minute)
	if err := s.LockLogin(t.Context(), "alice", until); err != nil {
		t.Fatalf("LockLogin: %v", err)
	}
	mustAddFailure(t, s, "alice", at(time.Minute), 1)
	mustAddFailure(t, s, "alice", at(2*time.Minute), 2)
	// Once the lock has ended, the next failure starts counting afresh.
	mustAddFailure(t, s, "alice", until.Add(time.Second), 1)
	wantLockedUntil(t, s, "alice", time.Time{})
	mustAddFailure(t, s, "alice", until.Add(2*time.Second), 2)
}

func testClearLoginFailures(t *testing.T, s auth.Store) {
	mustAddFailure(t, s, "alice", at(0), 1)
	mustAddFailure(t, s, "alice", at(0), 2)
	if err := s.LockLogin(t.Context(), "alice", at(time.Hour)); err != nil {
		t.Fatalf("LockLogin: %v", err)
	}
	if err := s.ClearLoginFailures(t.Context(), "alice"); err != nil {
		t.Fatalf("ClearLoginFailures: %v", err)
	}
	wantLockedUntil(t, s, "alice", time.Time{})
	mustAddFailure(t, s, "alice", at(0), 1)
	// Clearing a name with nothing recorded is not an error.
	if err := s.ClearLoginFailures(t.Context(), "nobody"); err != nil {
		t.Fatalf("ClearLoginFailures(nobody): %v", err)
	}
}

func testLockoutUnknown(t *testing.T, s auth.Store) {
	wantLockedUntil(t, s, "nobody", time.Time{})
}
