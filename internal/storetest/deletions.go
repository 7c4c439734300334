package storetest

import (
	"errors"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/bizy-auth/bizy/internal/auth"
)

func testUserDeletionsFeed(t *testing.T, s auth.Store) {
	ids := []string{uuid.NewString(), uuid.NewString(), uuid.NewString()}
	for i, id := range ids {
		if err := s.RecordUserDeletion(t.Context(), id, at(time.Duration(i)*time.Hour)); err != nil {
			t.Fatalf("RecordUserDeletion: %v", err)
		}
	}
	// Again, later: the first time stays.
	if err := s.RecordUserDeletion(t.Context(), ids[0], at(5*time.Hour)); err != nil {
		t.Fatalf("RecordUserDeletion again: %v", err)
	}
	got, err := s.UserDeletions(t.Context(), at(0), time.Time{}, "", 10)
	if err != nil || len(got) != 3 {
		t.Fatalf("UserDeletions = %v, %v; want 3", got, err)
	}
	for i, d := range got {
		if d.UserID != ids[i] {
			t.Fatalf("UserDeletions[%d] = %s, want %s (by time)", i, d.UserID, ids[i])
		}
		wantTime(t, "At", d.At, at(time.Duration(i)*time.Hour))
	}
	if got, _ := s.UserDeletions(t.Context(), at(time.Hour), time.Time{}, "", 10); len(got) != 2 {
		t.Fatalf("since the second: %d, want 2", len(got))
	}
	page, err := s.UserDeletions(t.Context(), at(0), got[0].At, got[0].UserID, 1)
	if err != nil || len(page) != 1 || page[0].UserID != ids[1] {
		t.Fatalf("page after the first = %v, %v; want only %s", page, err, ids[1])
	}
}

func testUserDeletionTxRollsBack(t *testing.T, s auth.Store) {
	u := mustCreateUser(t, s)
	boom := errors.New("boom")
	err := s.Tx(t.Context(), func(tx auth.Store) error {
		if err := tx.RecordUserDeletion(t.Context(), u.ID, at(0)); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("Tx = %v", err)
	}
	if got, err := s.UserDeletions(t.Context(), time.Time{}, time.Time{}, "", 10); err != nil || len(got) != 0 {
		t.Fatalf("after rollback: %v, %v; want none", got, err)
	}
}
