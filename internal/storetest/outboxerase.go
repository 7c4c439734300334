package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/bizy-auth/bizy/internal/auth"
)

// OutboxErasesBodies checks that a sent or parked message no longer holds
// its bodies, which carry a live link. The Outbox interface gives no way to
// read a finished message, so the adapter passes rowsHolding, which counts
// the outbox rows whose text or HTML body contains s, read from the
// database itself.
func OutboxErasesBodies(t *testing.T, s auth.Store, o auth.Outbox, rowsHolding func(ctx context.Context, s string) (int, error)) {
	ctx := t.Context()
	now := time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)
	for _, id := range []string{"sent", "parked", "pending"} {
		m := auth.OutboxEmail{ID: id, CreatedAt: now, Email: auth.Email{To: "a@example.com", Subject: "s",
			Text: "http://x/verify-email?token=SECRET", HTML: `<a href="http://x/verify-email?token=SECRET">x</a>`}}
		if err := s.EnqueueEmail(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := o.Claim(ctx, "w", now, time.Minute, 10); err != nil {
		t.Fatal(err)
	}
	if err := o.MarkSent(ctx, "sent", "w", now); err != nil {
		t.Fatal(err)
	}
	if err := o.Park(ctx, "parked", "w", now, "550 no"); err != nil {
		t.Fatal(err)
	}
	n, err := rowsHolding(ctx, "SECRET")
	if err != nil {
		t.Fatal(err)
	}
	// Only the pending message still needs its body.
	if n != 1 {
		t.Fatalf("%d outbox rows hold the token, want 1 (the pending one)", n)
	}
}
