package storetest

import (
	"bytes"
	"errors"
	"testing"
	"time"

	"github.com/bizy-auth/bizy/internal/auth"
)

// testUserForUpdate: UserForUpdate reads like UserByID.
func testUserForUpdate(t *testing.T, s auth.Store) {
	u := mustCreateUser(t, s)
	got, err := s.UserForUpdate(t.Context(), u.ID)
	if err != nil {
		t.Fatalf("UserForUpdate: %v", err)
	}
	if d := diffUser(got, u); d != "" {
		t.Fatal(d)
	}
	if _, err := s.UserForUpdate(t.Context(), "01a22432-0000-7000-8000-000000000000"); !errors.Is(err, auth.ErrNotFound) {
		t.Fatalf("unknown id: %v, want ErrNotFound", err)
	}
}

// testUserForUpdateHoldsTheRow: two read-modify-writes of one user, each
// reading with UserForUpdate in its own transaction, keep both changes: the
// second waits for the first instead of writing back a stale copy (a
// password change must not re-enable an account an admin just disabled).
func testUserForUpdateHoldsTheRow(t *testing.T, s auth.Store) {
	ctx := t.Context()
	u := mustCreateUser(t, s)
	locked, done := make(chan struct{}), make(chan error, 1)
	go func() {
		<-locked
		done <- s.Tx(ctx, func(tx auth.Store) error {
			v, err := tx.UserForUpdate(ctx, u.ID)
			if err != nil {
				return err
			}
			v.Disabled = true
			return tx.UpdateUser(ctx, v)
		})
	}()
	err := s.Tx(ctx, func(tx auth.Store) error {
		v, err := tx.UserForUpdate(ctx, u.ID)
		if err != nil {
			return err
		}
		close(locked)
		// Give the other transaction time to reach the row (or, without
		// the lock, to read and write a stale copy); this waits, it does
		// not time anything.
		time.Sleep(100 * time.Millisecond)
		v.PasswordHash = []byte("$2a$12$changed")
		return tx.UpdateUser(ctx, v)
	})
	if err != nil {
		t.Fatalf("first Tx: %v", err)
	}
	if err := <-done; err != nil {
		t.Fatalf("second Tx: %v", err)
	}
	got, err := s.UserByID(ctx, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !got.Disabled || !bytes.Equal(got.PasswordHash, []byte("$2a$12$changed")) {
		t.Fatalf("after two concurrent updates: disabled=%v hash=%q; want both changes", got.Disabled, got.PasswordHash)
	}
}
