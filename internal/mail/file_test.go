package mail_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bizy-auth/bizy/internal/mail"
	"github.com/bizy-auth/bizy/internal/mail/mailtest"
)

const testFrom = "Bizy <no-reply@bizy.example.com>"

func TestFileSenderWritesEML(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "mail") // not there yet: Send creates it
	var logs bytes.Buffer
	now := time.Date(2030, 1, 2, 3, 4, 5, 6, time.FixedZone("X", 3600))
	s := &mail.FileSender{
		Dir: dir,
		Log: slog.New(slog.NewJSONHandler(&logs, nil)),
		Now: func() time.Time { return now },
	}
	e, err := mustTemplates(t, "http://localhost:4567").Verification("ann@example.com", "ann_1", "tok123")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Send(context.Background(), testFrom, e, "01J-abc"); err != nil {
		t.Fatal(err)
	}

	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 {
		t.Fatalf("files in %s: %v, want exactly one (no temporary left)", dir, entries)
	}
	// The timestamp is UTC whatever the clock's zone.
	if name, want := entries[0].Name(), "20300102T020405.000000006Z-01J-abc.eml"; name != want {
		t.Errorf("file name %q, want %q", name, want)
	}
	info, err := entries[0].Info()
	if err != nil {
		t.Fatal(err)
	}
	if perm := info.Mode().Perm(); perm != 0o600 {
		t.Errorf("file mode %v, want 0600", perm)
	}
	data, err := os.ReadFile(filepath.Join(dir, entries[0].Name()))
	if err != nil {
		t.Fatal(err)
	}
	p := mustParse(t, data)
	wantHeaders(t, p, map[string]string{
		"From":       `"Bizy" <no-reply@bizy.example.com>`,
		"To":         "<ann@example.com>",
		"Message-Id": "<01J-abc@bizy.example.com>",
	})
	if p.Subject != e.Subject {
		t.Errorf("Subject = %q, want %q", p.Subject, e.Subject)
	}
	if date, err := p.Header.Date(); err != nil || !date.Equal(now.Truncate(time.Second)) {
		t.Errorf("Date = %v, %v; want %v", date, err, now)
	}
	if p.Text != e.Text || p.HTML != e.HTML {
		t.Errorf("parts differ from the email:\ntext %q\nhtml %q", p.Text, p.HTML)
	}

	var entry map[string]any
	if err := json.Unmarshal(logs.Bytes(), &entry); err != nil {
		t.Fatalf("log %q: %v", logs.String(), err)
	}
	for k, want := range map[string]string{
		"level": "INFO", "to": "ann@example.com", "subject": e.Subject,
	} {
		if entry[k] != want {
			t.Errorf("log %s = %v, want %q", k, entry[k], want)
		}
	}
	if f, _ := entry["file"].(string); !strings.HasPrefix(f, s.Dir) || !strings.HasSuffix(f, ".eml") {
		t.Errorf("log file = %v, want the .eml under %s", entry["file"], s.Dir)
	}
	if strings.Contains(logs.String(), "Welcome") || strings.Contains(logs.String(), "tok123") {
		t.Errorf("log carries the body: %s", logs.String())
	}
}

func TestFileSenderRejectsBadMessages(t *testing.T) {
	s := &mail.FileSender{Dir: t.TempDir(), Log: slog.New(slog.DiscardHandler)}
	e := mailtest.Message("m", time.Now()).Email
	if err := s.Send(context.Background(), testFrom, e, ""); !mail.Permanent(err) {
		t.Errorf("empty message id: %v, want a permanent error", err)
	}
	e.To = "not an address"
	if err := s.Send(context.Background(), testFrom, e, "m"); !mail.Permanent(err) {
		t.Errorf("bad recipient: %v, want a permanent error", err)
	}
}

func mustParse(t *testing.T, data []byte) *mailtest.ParsedMessage {
	t.Helper()
	p, err := mailtest.ParseMessage(data)
	if err != nil {
		t.Fatalf("%v\n%s", err, data)
	}
	if p.Text == "" || p.HTML == "" {
		t.Errorf("want both a text and an HTML part:\n%s", data)
	}
	return p
}

func wantHeaders(t *testing.T, p *mailtest.ParsedMessage, want map[string]string) {
	t.Helper()
	for k, v := range want {
		if got := p.Header.Get(k); got != v {
			t.Errorf("%s: %q, want %q", k, got, v)
		}
	}
}
