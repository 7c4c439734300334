package sqlite

import (
	"bytes"
	"crypto/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bizy-auth/bizy/internal/auth"
)

// TestErasedBodyLeavesTheFile: once a sent message's bodies are erased and
// the WAL is checkpointed into the database, the link they carried is
// nowhere in the database file's bytes. Without secure_delete the old
// bytes would stay in the page's free space, or in freed overflow pages
// for a body longer than a page.
func TestErasedBodyLeavesTheFile(t *testing.T) {
	for _, tc := range []struct {
		name string
		pad  int // bytes of HTML before the link
	}{
		{"InPage", 0},
		{"Overflow", 20 << 10},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := t.Context()
			path := filepath.Join(t.TempDir(), "bizy.db")
			db := openTestAt(t, path)
			link := "https://bizy.example/ui/verify-email?token=" + rand.Text()
			now := time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)
			m := auth.OutboxEmail{ID: "m1", CreatedAt: now, Email: auth.Email{
				To: "a@example.com", Subject: "Verify your email", Text: "Open " + link,
				HTML: "<p>" + strings.Repeat("x", tc.pad) + `<a href="` + link + `">Verify</a></p>`}}
			if err := db.AuthStore().EnqueueEmail(ctx, m); err != nil {
				t.Fatal(err)
			}
			checkpoint(t, db)
			if n := fileCount(t, path, link); n == 0 {
				t.Fatal("the pending message's link is not in the database file: the check below would prove nothing")
			}

			if _, err := db.Outbox().Claim(ctx, "w", now, time.Minute, 1); err != nil {
				t.Fatal(err)
			}
			if err := db.Outbox().MarkSent(ctx, "m1", "w", now); err != nil {
				t.Fatal(err)
			}
			checkpoint(t, db)
			if n := fileCount(t, path, link); n != 0 {
				t.Fatalf("the erased link is still %d times in the database file", n)
			}
			if st, err := os.Stat(path + "-wal"); err != nil || st.Size() != 0 {
				t.Fatalf("WAL after a TRUNCATE checkpoint: %v, err %v; want empty", st.Size(), err)
			}
		})
	}
}

// checkpoint copies every page of the WAL into the database file and
// empties the WAL, failing t if a reader kept it from finishing.
func checkpoint(t *testing.T, db *DB) {
	t.Helper()
	var busy, logged, done int
	err := db.write.QueryRowContext(t.Context(), "PRAGMA wal_checkpoint(TRUNCATE)").Scan(&busy, &logged, &done)
	if err != nil || busy != 0 {
		t.Fatalf("wal_checkpoint(TRUNCATE): busy=%d err=%v", busy, err)
	}
}

// fileCount counts the times s occurs in the bytes of the file at path.
func fileCount(t *testing.T, path, s string) int {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return bytes.Count(b, []byte(s))
}

// TestErasureEmptiesTheWAL: the worker marking a message sent is enough; no
// one has to checkpoint by hand before a copy of the files (database and
// WAL) stops holding the erased link. Without the scrub the WAL keeps the
// frames that held it until some later checkpoint restarts the log.
func TestErasureEmptiesTheWAL(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "bizy.db")
	db := openTestAt(t, path)
	link := "https://bizy.example/ui/reset-password?token=" + rand.Text()
	now := time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)
	m := auth.OutboxEmail{ID: "m1", CreatedAt: now, Email: auth.Email{
		To: "a@example.com", Subject: "Reset your password", Text: "Open " + link, HTML: `<a href="` + link + `">Reset</a>`}}
	if err := db.AuthStore().EnqueueEmail(ctx, m); err != nil {
		t.Fatal(err)
	}
	if n := fileCount(t, path+"-wal", link); n == 0 {
		t.Fatal("the pending link is not in the WAL: the check below would prove nothing")
	}
	if _, err := db.Outbox().Claim(ctx, "w", now, time.Minute, 1); err != nil {
		t.Fatal(err)
	}
	if err := db.Outbox().MarkSent(ctx, "m1", "w", now); err != nil {
		t.Fatal(err)
	}
	// The scrub runs scrubDelay after the erasure; allow a loaded machine
	// far longer than that.
	deadline := time.Now().Add(15 * time.Second)
	for fileCount(t, path+"-wal", link)+fileCount(t, path, link) > 0 {
		if time.Now().After(deadline) {
			t.Fatalf("15 s after the erasure the link is still in the WAL (%d) or the file (%d)",
				fileCount(t, path+"-wal", link), fileCount(t, path, link))
		}
		time.Sleep(50 * time.Millisecond) // polling the files, not timing the test
	}
}
