package storetest

import (
	"errors"
	"fmt"
	"testing"

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

// testUserForUpdateHoldsTheRow: inside a Tx, UserForUpdate holds the user's
// row until the transaction ends, so a concurrent read-modify-write of the
// same user waits for it instead of writing back a stale copy (a password
// change must not re-enable an account an admin just disabled). The
// engine's UserRowLocked shows the lock from another connection: free
// before the Tx, held once UserForUpdate has returned, free again after
// the commit.
func testUserForUpdateHoldsTheRow(t *testing.T, e Engine) {
	if e.UserRowLocked == nil {
		t.Fatal("the engine gives no UserRowLocked probe")
	}
	ctx := t.Context()
	s := e.Store
	u := mustCreateUser(t, s)
	wantRowLocked(t, e, u.ID, false, "before the Tx")
	var heldInside bool
	err := s.Tx(ctx, func(tx auth.Store) error {
		v, err := tx.UserForUpdate(ctx, u.ID)
		if err != nil {
			return err
		}
		// No t.Fatal in here: it would leave the transaction open.
		if heldInside, err = e.UserRowLocked(ctx, u.ID); err != nil {
			return fmt.Errorf("UserRowLocked: %w", err)
		}
		v.Disabled = true
		return tx.UpdateUser(ctx, v)
	})
	if err != nil {
		t.Fatalf("Tx: %v", err)
	}
	if !heldInside {
		t.Fatal("after UserForUpdate in a Tx, another connection could still lock the row: a concurrent update would write back a stale copy")
	}
	wantRowLocked(t, e, u.ID, false, "after the commit")
	got, err := s.UserByID(ctx, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !got.Disabled {
		t.Fatal("the update made under the lock was not kept")
	}
}

// wantRowLocked fails t unless the engine sees user id's row locked as
// want says.
func wantRowLocked(t *testing.T, e Engine, id string, want bool, when string) {
	t.Helper()
	got, err := e.UserRowLocked(t.Context(), id)
	if err != nil {
		t.Fatalf("UserRowLocked %s: %v", when, err)
	}
	if got != want {
		t.Fatalf("UserRowLocked %s = %v, want %v", when, got, want)
	}
}
