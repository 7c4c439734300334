//go:build unix

package sqlite

import (
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// TestOpenCreatesPrivateFiles: whatever the umask, a new database file and
// its -wal and -shm files are 0600, and the directories made for it 0700,
// since the file holds the signing keys.
func TestOpenCreatesPrivateFiles(t *testing.T) {
	// The loosest umask, so that only Open's own modes can restrict.
	defer syscall.Umask(syscall.Umask(0))
	root := t.TempDir()
	dir := filepath.Join(root, "data")
	path := filepath.Join(dir, "bizy.db")
	openTestAt(t, path) // migrated: written to, so the WAL exists
	for p, want := range map[string]fs.FileMode{
		dir: 0o700, path: 0o600, path + "-wal": 0o600, path + "-shm": 0o600,
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
