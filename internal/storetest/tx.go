package storetest

import (
	"errors"
	"testing"
	"time"

	"github.com/bizy-auth/bizy/internal/auth"
)

var errAbort = errors.New("storetest: abort")

func testTxCommits(t *testing.T, s auth.Store) {
	u := newUser()
	err := s.Tx(t.Context(), func(tx auth.Store) error {
		if err := tx.CreateUser(t.Context(), u); err != nil {
			return err
		}
		// The transaction sees its own writes.
		if _, err := tx.UserByID(t.Context(), u.ID); err != nil {
			return err
		}
		return tx.AddEvent(t.Context(), newEvent("register", u.ID, at(0)))
	})
	if err != nil {
		t.Fatalf("Tx: %v", err)
	}
	if _, err := s.UserByID(t.Context(), u.ID); err != nil {
		t.Fatalf("UserByID after commit: %v", err)
	}
	if got := allEvents(t, s, auth.EventFilter{UserID: u.ID, Limit: 10}); len(got) != 1 {
		t.Fatalf("got %d events after commit, want 1", len(got))
	}
}

func testTxRollsBack(t *testing.T, s auth.Store) {
	u := newUser()
	err := s.Tx(t.Context(), func(tx auth.Store) error {
		if err := tx.CreateUser(t.Context(), u); err != nil {
			return err
		}
		if err := tx.PutLockoutRow(t.Context(), auth.LockoutRow{Subject: "name:alice", Failures: 1}); err != nil {
			return err
		}
		return errAbort
	})
	if !errors.Is(err, errAbort) {
		t.Fatalf("Tx = %v, want fn's error", err)
	}
	_, err = s.UserByID(t.Context(), u.ID)
	wantNotFound(t, err)
	if rows := lockoutRows(t, s, "name:alice", ""); rows[0].Failures != 0 {
		t.Fatalf("a rolled-back count stayed: %+v", rows[0])
	}
}

func testTxNested(t *testing.T, s auth.Store) {
	u, v := newUser(), newUser()
	err := s.Tx(t.Context(), func(tx auth.Store) error {
		if err := tx.CreateUser(t.Context(), u); err != nil {
			return err
		}
		err := tx.Tx(t.Context(), func(inner auth.Store) error {
			if _, err := inner.UserByID(t.Context(), u.ID); err != nil {
				return err
			}
			return inner.CreateUser(t.Context(), v)
		})
		if err != nil {
			return err
		}
		return errAbort
	})
	if !errors.Is(err, errAbort) {
		t.Fatalf("Tx = %v, want fn's error", err)
	}
	// The inner Tx belonged to the outer one, so both users are gone.
	for _, id := range []string{u.ID, v.ID} {
		_, err := s.UserByID(t.Context(), id)
		wantNotFound(t, err)
	}
}

func testTxSigningKey(t *testing.T, s auth.Store) {
	old := mustAddKeys(t, s, at(0))[0]
	err := s.Tx(t.Context(), func(tx auth.Store) error {
		if err := tx.AddSigningKey(t.Context(), newKey(at(time.Hour))); err != nil {
			return err
		}
		return errAbort
	})
	if !errors.Is(err, errAbort) {
		t.Fatalf("Tx = %v, want fn's error", err)
	}
	// The rollback also undid the retirement of the older key.
	got, err := s.SigningKeys(t.Context(), time.Time{})
	if err != nil {
		t.Fatalf("SigningKeys: %v", err)
	}
	wantKeys(t, got, []auth.SigningKey{old})
}
