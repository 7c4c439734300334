package sqlite

import (
	"context"
	"database/sql"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"

	sqlite3 "modernc.org/sqlite/lib"

	"github.com/bizy-auth/bizy/internal/auth"
	"github.com/bizy-auth/bizy/internal/mail/mailtest"
	"github.com/bizy-auth/bizy/internal/migrations"
	"github.com/bizy-auth/bizy/internal/storetest"
	"github.com/bizy-auth/bizy/internal/tasks"
)

// openTest opens a migrated database in a fresh file under t.TempDir().
func openTest(t *testing.T) *DB {
	t.Helper()
	return openTestAt(t, filepath.Join(t.TempDir(), "sub", "dir", "bizy.db"))
}

// openTestAt opens a migrated database at path, closing it when t ends.
func openTestAt(t *testing.T, path string) *DB {
	t.Helper()
	db, err := Open(t.Context(), path)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() {
		if err := db.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	if err := db.MigrateAuth(t.Context()); err != nil {
		t.Fatalf("MigrateAuth: %v", err)
	}
	return db
}

// TestAuthStore runs the contract suite on a fresh file per subtest.
func TestAuthStore(t *testing.T) {
	storetest.AuthStore(t, func(t *testing.T) storetest.Engine {
		path := filepath.Join(t.TempDir(), "bizy.db")
		db := openTestAt(t, path)
		return storetest.Engine{
			Store:  db.AuthStore(),
			Outbox: db.Outbox(),
			OutboxRowsHolding: func(ctx context.Context, s string) (n int, err error) {
				err = db.write.QueryRowContext(ctx, `SELECT count(*) FROM outbox
					WHERE instr(text_body, ?1) > 0 OR instr(html_body, ?1) > 0`, s).Scan(&n)
				return n, err
			},
			// SQLite locks the whole file for writing, so every row is
			// held while a write transaction is open.
			UserRowLocked: func(ctx context.Context, _ string) (bool, error) { return writeLocked(ctx, path) },
		}
	})
}

// writeLocked reports whether another connection holds the write lock of
// the database file at path: a connection of its own, which does not wait
// for locks, tries BEGIN IMMEDIATE and gets SQLITE_BUSY if so.
func writeLocked(ctx context.Context, path string) (bool, error) {
	other, err := sql.Open("sqlite", "file:"+(&url.URL{Path: path}).EscapedPath()+"?_pragma=busy_timeout(0)")
	if err != nil {
		return false, err
	}
	defer other.Close()
	conn, err := other.Conn(ctx)
	if err != nil {
		return false, err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		if errorCode(err)&0xff == sqlite3.SQLITE_BUSY {
			return true, nil
		}
		return false, err
	}
	_, err = conn.ExecContext(ctx, "ROLLBACK")
	return false, err
}

// TestOutboxSuite runs the mail package's contract suite on the outbox,
// enqueueing through the auth store as requests do.
func TestOutboxSuite(t *testing.T) {
	mailtest.OutboxSuite(t, func(t *testing.T) (auth.Outbox, func(context.Context, auth.OutboxEmail) error) {
		db := openTest(t)
		return db.Outbox(), db.AuthStore().EnqueueEmail
	})
}

func TestMigrateAuthIdempotent(t *testing.T) {
	db := openTest(t)
	for range 2 {
		if err := db.MigrateAuth(t.Context()); err != nil {
			t.Fatalf("MigrateAuth again: %v", err)
		}
	}
	vs, err := db.appliedVersions(t.Context(), "auth")
	if err != nil {
		t.Fatalf("appliedVersions: %v", err)
	}
	ms, err := migrations.Load(migrationFiles, "migrations/auth")
	if err != nil {
		t.Fatalf("migrations.Load: %v", err)
	}
	var want []int
	for _, m := range ms {
		want = append(want, m.Version)
	}
	if !slices.Equal(vs, want) {
		t.Fatalf("applied versions %v, want %v", vs, want)
	}
}

// TestMigrateAuthTwoProcesses migrates one file from two DBs at once, as two
// processes starting together would.
func TestMigrateAuthTwoProcesses(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bizy.db")
	var dbs [2]*DB
	for i := range dbs {
		db, err := Open(t.Context(), path)
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		t.Cleanup(func() { db.Close() })
		dbs[i] = db
	}
	var wg sync.WaitGroup
	errs := make([]error, len(dbs))
	for i, db := range dbs {
		wg.Go(func() { errs[i] = db.MigrateAuth(t.Context()) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("MigrateAuth %d: %v", i, err)
		}
	}
}

func TestOpenRejectsMemory(t *testing.T) {
	if db, err := Open(t.Context(), ":memory:"); err == nil {
		db.Close()
		t.Fatal("Open(:memory:) succeeded, want an error")
	}
}

func TestOpenOddPath(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a?b#c d%20.db")
	db, err := Open(t.Context(), path)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer db.Close()
	if err := db.MigrateAuth(t.Context()); err != nil {
		t.Fatalf("MigrateAuth: %v", err)
	}
	// The file must sit at exactly path, not at a name cut short at '?'.
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("database file: %v", err)
	}
}

// TestPragmas checks the settings every connection of both pools must carry.
func TestPragmas(t *testing.T) {
	db := openTest(t)
	for name, pool := range map[string]*sql.DB{"write": db.write, "read": db.read} {
		var mode string
		var fk, busy, secure int
		if err := pool.QueryRowContext(t.Context(), "PRAGMA journal_mode").Scan(&mode); err != nil {
			t.Fatal(err)
		}
		if err := pool.QueryRowContext(t.Context(), "PRAGMA foreign_keys").Scan(&fk); err != nil {
			t.Fatal(err)
		}
		if err := pool.QueryRowContext(t.Context(), "PRAGMA busy_timeout").Scan(&busy); err != nil {
			t.Fatal(err)
		}
		if err := pool.QueryRowContext(t.Context(), "PRAGMA secure_delete").Scan(&secure); err != nil {
			t.Fatal(err)
		}
		if mode != "wal" || fk != 1 || busy != int(busyTimeout.Milliseconds()) || secure != 1 {
			t.Errorf("%s pool: journal_mode=%s foreign_keys=%d busy_timeout=%d secure_delete=%d; want wal, 1, %d, 1",
				name, mode, fk, busy, secure, busyTimeout.Milliseconds())
		}
	}
	if _, err := db.read.ExecContext(t.Context(), "DELETE FROM users"); err == nil {
		t.Error("read pool accepted a write")
	}
}

// openTasksTest opens a database in a fresh file under t.TempDir() with
// only the tasks component migrated: it must not need the auth tables.
func openTasksTest(t *testing.T) *DB {
	t.Helper()
	db, err := Open(t.Context(), filepath.Join(t.TempDir(), "tasks.db"))
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() {
		if err := db.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	if err := db.MigrateTasks(t.Context()); err != nil {
		t.Fatalf("MigrateTasks: %v", err)
	}
	return db
}

func TestTasksStore(t *testing.T) {
	storetest.TasksStore(t, func(t *testing.T) tasks.Store { return openTasksTest(t).TasksStore() })
}

// TestMigrateTasksBesideAuth migrates both components into one file, in
// either order and twice, as bizy serve does with a shared database.
func TestMigrateTasksBesideAuth(t *testing.T) {
	db := openTasksTest(t)
	for range 2 {
		if err := db.MigrateAuth(t.Context()); err != nil {
			t.Fatalf("MigrateAuth: %v", err)
		}
		if err := db.MigrateTasks(t.Context()); err != nil {
			t.Fatalf("MigrateTasks: %v", err)
		}
	}
	for _, c := range []string{"auth", "tasks"} {
		vs, err := db.appliedVersions(t.Context(), c)
		if err != nil {
			t.Fatalf("appliedVersions: %v", err)
		}
		ms, err := migrations.Load(migrationFiles, "migrations/"+c)
		if err != nil {
			t.Fatalf("migrations.Load: %v", err)
		}
		if len(vs) != len(ms) {
			t.Errorf("%s: applied versions %v, want %d", c, vs, len(ms))
		}
	}
}

// TestOIDCStore runs the OpenID contract suite on a fresh file per subtest.
func TestOIDCStore(t *testing.T) {
	storetest.OIDCStore(t, func(t *testing.T) storetest.OIDCEngine {
		db := openTestAt(t, filepath.Join(t.TempDir(), "bizy.db"))
		return storetest.OIDCEngine{Auth: db.AuthStore(), OIDC: db.OIDCStore()}
	})
}
