package sqlite

import (
	"testing"
	"time"

	"github.com/bizy-auth/bizy/internal/auth"
)

// TestOutboxErasesBodies: a delivered or parked message no longer holds the
// link (and its token) in the database.
func TestOutboxErasesBodies(t *testing.T) {
	ctx := t.Context()
	db := openTest(t)
	now := time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)
	for _, id := range []string{"sent", "parked"} {
		m := auth.OutboxEmail{ID: id, CreatedAt: now, Email: auth.Email{To: "a@example.com", Subject: "s",
			Text: "http://x/verify-email?token=SECRET", HTML: "<a href=\"http://x/verify-email?token=SECRET\">x</a>"}}
		if err := db.AuthStore().EnqueueEmail(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	ob := db.Outbox()
	if _, err := ob.Claim(ctx, "w", now, time.Minute, 10); err != nil {
		t.Fatal(err)
	}
	if err := ob.MarkSent(ctx, "sent", "w", now); err != nil {
		t.Fatal(err)
	}
	if err := ob.Park(ctx, "parked", "w", now, "550 no"); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := db.write.QueryRowContext(ctx, `SELECT count(*) FROM outbox WHERE text_body LIKE '%SECRET%' OR html_body LIKE '%SECRET%'`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Fatalf("%d finished messages still hold the token", n)
	}
}
