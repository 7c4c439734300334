package mail

import (
	"bufio"
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/bizy-auth/bizy/internal/auth"
)

// FileSender is the embedded default used when no SMTP host is set: it
// writes each message as an RFC 5322 .eml file under Dir (DATA_DIR/mail) and
// logs the file's name, so the quick start works without a mail server. It
// is safe for concurrent use.
type FileSender struct {
	Dir string
	Log *slog.Logger     // nil: slog.Default()
	Now func() time.Time // nil: time.Now; names the file and dates the message
}

// Send writes e to Dir/<UTC timestamp>-<messageID>.eml with mode 0600 (the
// file holds a live token), creating Dir with mode 0700 if needed. The file
// appears whole or not at all: it is written to a temporary name, synced and
// renamed. Send then logs at INFO the recipient, the subject and the file,
// and nothing of the body: its link carries a live token, which belongs in
// the private mail folder, not in logs that are shipped and kept. Errors from the file
// system are temporary; a message that cannot be built is Permanent.
func (s *FileSender) Send(ctx context.Context, from string, e auth.Email, messageID string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	t := now().UTC()
	m, err := buildMsg(from, e, messageID, t)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(s.Dir, 0o700); err != nil {
		return fmt.Errorf("mail: create mail directory: %w", err)
	}
	name := filepath.Join(s.Dir, t.Format("20060102T150405.000000000Z")+"-"+safeID(messageID)+".eml")
	if err := writeAtomic(name, func(w *bufio.Writer) error {
		_, err := m.WriteTo(w)
		return err
	}); err != nil {
		return fmt.Errorf("mail: write %s: %w", name, err)
	}
	log := s.Log
	if log == nil {
		log = slog.Default()
	}
	log.InfoContext(ctx, "mail written to file (no SMTP_HOST set)",
		slog.String("to", e.To),
		slog.String("subject", e.Subject),
		slog.String("file", name),
	)
	return nil
}

// writeAtomic writes name through a temporary file in the same directory,
// so readers never see a partial message.
func writeAtomic(name string, write func(*bufio.Writer) error) (err error) {
	// CreateTemp makes the file with mode 0600.
	f, err := os.CreateTemp(filepath.Dir(name), ".tmp-*.part") // not *.eml: readers globbing for mail must not see it
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	w := bufio.NewWriter(f)
	if err := write(w); err != nil {
		return err
	}
	if err := w.Flush(); err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), name)
}
