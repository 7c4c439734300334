package storetest

import (
	"testing"
	"time"

	"github.com/bizy-auth/bizy/internal/auth"
)

// testOutboxErasesBodies: a sent or parked message no longer holds its
// bodies, which carry a live link. The Outbox interface gives no way to
// read a finished message, so the engine's OutboxRowsHolding reads the
// rows from the database itself.
func testOutboxErasesBodies(t *testing.T, e Engine) {
	if e.OutboxRowsHolding == nil {
		t.Fatal("the engine gives no OutboxRowsHolding probe")
	}
	ctx := t.Context()
	s, o := e.Store, e.Outbox
	now := time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)
	for _, id := range []string{"sent", "parked", "pending"} {
		m := auth.OutboxEmail{ID: id, CreatedAt: now, Email: auth.Email{To: "a@example.com", Subject: "s",
			Text: "http://x/verify-email?token=SECRET", HTML: `<a href="http://x/verify-email?token=SECRET">x</a>`}}
		if err := s.EnqueueEmail(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	if n, err := e.OutboxRowsHolding(ctx, "SECRET"); err != nil || n != 3 {
		t.Fatalf("before sending, %d outbox rows hold the token (err %v), want 3", n, err)
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
	n, err := e.OutboxRowsHolding(ctx, "SECRET")
	if err != nil {
		t.Fatal(err)
	}
	// Only the pending message still needs its body.
	if n != 1 {
		t.Fatalf("%d outbox rows hold the token, want 1 (the pending one)", n)
	}
}
