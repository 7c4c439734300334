//go:build unix

package main

import (
	"context"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestDataDirIsPrivate: under the loosest umask, serve on a fresh DATA_DIR
// makes it and its mail folder 0700, and the database, its -wal and -shm
// and the mail files 0600. The database holds the signing keys; the mail
// live links.
func TestDataDirIsPrivate(t *testing.T) {
	defer syscall.Umask(syscall.Umask(0))
	dir := dataDir(t)
	_, api := startMailServe(t, dir)
	res, body := sendJSON(t, "POST", api+"/api/auth/register", "", mailUserBody)
	wantStatus(t, "register", res, body, 201)
	var mails []string
	for start := time.Now(); len(mails) == 0; time.Sleep(25 * time.Millisecond) { // polls for the worker's file
		if time.Since(start) > 15*time.Second {
			t.Fatal("no mail file 15 s after register")
		}
		mails, _ = filepath.Glob(filepath.Join(dir, "mail", "*.eml"))
	}
	db := filepath.Join(dir, "bizy.db")
	for p, want := range map[string]fs.FileMode{
		dir: 0o700, filepath.Join(dir, "mail"): 0o700, mails[0]: 0o600,
		db: 0o600, db + "-wal": 0o600, db + "-shm": 0o600,
	} {
		st, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if got := st.Mode().Perm(); got != want {
			t.Errorf("%s: mode %04o, want %04o", p, got, want)
		}
	}
}

// TestSharedDataDirRefused: serve refuses to start, naming the path and
// the way out, when DATA_DIR, its mail folder or the database is open to
// group or others; DATA_DIR_ALLOW_SHARED lets it start all the same.
func TestSharedDataDirRefused(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		path string // under DATA_DIR; "" for DATA_DIR itself
		mode fs.FileMode
	}{
		{"DatabaseReadable", "bizy.db", 0o644},
		{"DatabaseWritable", "bizy.db", 0o620},
		{"DataDirReadable", "", 0o755},
		{"MailReadable", "mail", 0o705},
	} {
		t.Run(tc.name, func(t *testing.T) {
			share(t)
			dir := dataDir(t)
			if _, err := runCmd(t, "", "migrate", "--data-dir", dir); err != nil {
				t.Fatal(err)
			}
			if err := os.MkdirAll(filepath.Join(dir, "mail"), 0o700); err != nil {
				t.Fatal(err)
			}
			shared := filepath.Join(dir, tc.path)
			if err := os.Chmod(shared, tc.mode); err != nil {
				t.Fatal(err)
			}

			// Bounded, so that a serve that starts ends the test instead of hanging it.
			ctx, cancel := context.WithTimeout(t.Context(), 15*time.Second)
			defer cancel()
			args := []string{"serve", "--data-dir", dir, "--auth-addr", freeAddr(t), "--api-addr", freeAddr(t)}
			err := run(ctx, args, noEnv, strings.NewReader(""), io.Discard, io.Discard)
			if err == nil || !strings.Contains(err.Error(), shared+" ") || !strings.Contains(err.Error(), "DATA_DIR_ALLOW_SHARED") {
				t.Fatalf("serve with %s at %04o: %v; want a refusal naming it and DATA_DIR_ALLOW_SHARED", shared, tc.mode, err)
			}

			startServe(t, "--data-dir", dir, "--bcrypt-cost", "10", "--data-dir-allow-shared")
		})
	}
}

// TestUnusedDataDirNotChecked: with the database elsewhere and mail going
// over SMTP, nothing secret is kept in DATA_DIR, so its mode stops nothing.
func TestUnusedDataDirNotChecked(t *testing.T) {
	share(t)
	root := t.TempDir()
	dir := filepath.Join(root, "data")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o755); err != nil { // whatever the umask
		t.Fatal(err)
	}
	db := "sqlite:" + filepath.Join(root, "db", "bizy.db")
	if _, err := runCmd(t, "", "migrate", "--data-dir", dir, "--database-url", db, "--smtp-host", "mail.example"); err != nil {
		t.Fatalf("migrate with an unused, shared DATA_DIR: %v", err)
	}
	if _, err := runCmd(t, "", "migrate", "--data-dir", dir, "--database-url", db); err == nil || !strings.Contains(err.Error(), dir+" ") {
		t.Fatalf("migrate with mail to files in a shared DATA_DIR: %v, want a refusal naming it", err)
	}
}
