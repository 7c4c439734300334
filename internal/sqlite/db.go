package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/bizy-auth/bizy/internal/auth"
	"github.com/bizy-auth/bizy/internal/seal"
	"github.com/bizy-auth/bizy/internal/tasks"
)

// busyTimeout is how long a connection waits for another process's lock on
// the file before giving up with SQLITE_BUSY.
const busyTimeout = 5 * time.Second

// DB is an open SQLite database. It is safe for concurrent use.
type DB struct {
	// write has exactly one connection: every write and every transaction
	// goes through it, so writers in this process queue instead of failing.
	write *sql.DB
	// read holds query_only connections for reads outside a transaction;
	// WAL lets them run while a write is in progress.
	read *sql.DB
	// scrub empties the WAL after an erasure (see walScrubber).
	scrub *walScrubber
	// box seals the secrets at rest (SetSealBox); nil keeps plaintext.
	box *seal.Box
	// stmts holds the read pool's prepared statements by query text
	// (prepared, stmts.go).
	stmts sync.Map
}

// Open opens (creating if needed) the SQLite database file at path, creating
// its parent directory, and checks that it answers. What it creates is
// private to the owner, whatever the umask: directories 0700, the file
// 0600, and so its -wal and -shm files, which SQLite creates with the
// database file's mode; the file holds the signing keys. Open leaves the
// mode of what already exists alone. It does not migrate; call
// MigrateAuth. path must name a file: ":memory:" would give each
// connection its own empty database. The caller must Close the DB.
func Open(ctx context.Context, path string) (*DB, error) {
	if path == "" || path == ":memory:" {
		return nil, fmt.Errorf("sqlite: open: need a file path, got %q", path)
	}
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, fmt.Errorf("sqlite: open: %w", err)
		}
	}
	// Left to SQLite, a new file would get 0644 less the umask.
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("sqlite: open: %w", err)
	}
	f.Close()
	write, err := sql.Open("sqlite", dsn(path, false))
	if err != nil {
		return nil, fmt.Errorf("sqlite: open: %w", err)
	}
	write.SetMaxOpenConns(1)
	// Keep the one writer open: reopening it would redo the pragmas.
	write.SetConnMaxIdleTime(0)
	write.SetConnMaxLifetime(0)
	read, err := sql.Open("sqlite", dsn(path, true))
	if err != nil {
		write.Close()
		return nil, fmt.Errorf("sqlite: open: %w", err)
	}
	n := max(4, runtime.NumCPU())
	read.SetMaxOpenConns(n)
	read.SetMaxIdleConns(n)
	db := &DB{write: write, read: read}
	db.scrub = &walScrubber{run: db.checkpointTruncate}
	// Ping the writer first: its first connection switches the file to WAL,
	// which the readers (query_only) could not do.
	if err := db.Ping(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	return db, nil
}

// dsn builds the modernc.org/sqlite data source name for path. The path goes
// in as an escaped file: URI so that characters such as '?' or '#' in it
// cannot be mistaken for parameters.
func dsn(path string, readOnly bool) string {
	q := url.Values{}
	q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", busyTimeout.Milliseconds()))
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "synchronous(NORMAL)")
	// Overwrite deleted content (the erased outbox bodies, with their live
	// links) instead of leaving it in free space within the file.
	q.Add("_pragma", "secure_delete(ON)")
	if readOnly {
		q.Add("_pragma", "query_only(1)")
	} else {
		q.Add("_pragma", "journal_mode(WAL)")
		// Take the write lock at BEGIN, not at the first write: a deferred
		// transaction that reads and then writes fails with SQLITE_BUSY
		// (without waiting) when another connection wrote in between.
		q.Set("_txlock", "immediate")
	}
	u := url.URL{Path: path}
	return "file:" + u.EscapedPath() + "?" + q.Encode()
}

// Close closes both connection pools. It waits for queries in progress.
func (db *DB) Close() error {
	db.scrub.stop()
	return errors.Join(db.closeStatements(), db.write.Close(), db.read.Close())
}

// Ping reports whether the database file can be read and written to. It is
// safe for concurrent use.
func (db *DB) Ping(ctx context.Context) error {
	if err := db.write.PingContext(ctx); err != nil {
		return err
	}
	return db.read.PingContext(ctx)
}

// AuthStore returns the auth.Store kept in this database. MigrateAuth must
// have run. The store is safe for concurrent use.
func (db *DB) AuthStore() auth.Store {
	return &store{db: db, read: db.read, write: db.write}
}

// TasksStore returns the tasks.Store kept in this database. MigrateTasks
// must have run. The store is safe for concurrent use.
func (db *DB) TasksStore() tasks.Store {
	return &taskStore{db: db, read: db.read, write: db.write}
}

// querier is what *sql.DB and *sql.Tx have in common, so that each query
// method is written once whether or not it runs in a transaction.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// store implements auth.Store. Outside a transaction reads go to the read
// pool and writes to the single writer; inside one both are the *sql.Tx.
type store struct {
	db    *DB
	read  querier
	write querier
	tx    *sql.Tx // nil outside Tx
}

// Tx runs fn with a store bound to one BEGIN IMMEDIATE transaction. A Tx
// inside fn reuses the same transaction. fn must make its calls through the
// Store it is given: the transaction holds the only write connection, so a
// write through the outer store inside fn waits until ctx ends.
func (s *store) Tx(ctx context.Context, fn func(auth.Store) error) error {
	if s.tx != nil {
		return fn(s)
	}
	return s.db.inTx(ctx, func(ts *store) error { return fn(ts) })
}

// withTx runs fn in s's transaction, or in a new one when s has none, for
// methods that must change several rows atomically.
func (s *store) withTx(ctx context.Context, fn func(*store) error) error {
	if s.tx != nil {
		return fn(s)
	}
	return s.db.inTx(ctx, fn)
}

func (db *DB) inTx(ctx context.Context, fn func(*store) error) (err error) {
	tx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlite: begin: %w", err)
	}
	defer func() {
		if p := recover(); p != nil {
			tx.Rollback()
			panic(p)
		}
	}()
	if err := fn(&store{db: db, read: tx, write: tx, tx: tx}); err != nil {
		if rbErr := tx.Rollback(); rbErr != nil {
			return errors.Join(err, fmt.Errorf("sqlite: rollback: %w", rbErr))
		}
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlite: commit: %w", err)
	}
	return nil
}

// Ping reports whether the database answers.
func (s *store) Ping(ctx context.Context) error {
	if s.tx != nil {
		return s.tx.QueryRowContext(ctx, "SELECT 1").Scan(new(int))
	}
	return s.db.Ping(ctx)
}

// errorCode returns the extended SQLite result code carried by err, or 0.
func errorCode(err error) int {
	var se *sqlite.Error
	if errors.As(err, &se) {
		return se.Code()
	}
	return 0
}

// isUnique reports whether err is a UNIQUE or PRIMARY KEY violation.
func isUnique(err error) bool {
	c := errorCode(err)
	return c == sqlite3.SQLITE_CONSTRAINT_UNIQUE || c == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
}

// isForeignKey reports whether err is a FOREIGN KEY violation.
func isForeignKey(err error) bool {
	return errorCode(err) == sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY
}

// toDB converts t to the stored form: unix microseconds.
func toDB(t time.Time) int64 { return t.UnixMicro() }

// fromDB converts a stored time back, in UTC.
func fromDB(us int64) time.Time { return time.UnixMicro(us).UTC() }

// toNullDB stores the zero time as NULL, so "not set" never compares as a
// time in 0001.
func toNullDB(t time.Time) sql.NullInt64 {
	if t.IsZero() {
		return sql.NullInt64{}
	}
	return sql.NullInt64{Int64: t.UnixMicro(), Valid: true}
}

// fromNullDB turns NULL back into the zero time.
func fromNullDB(v sql.NullInt64) time.Time {
	if !v.Valid {
		return time.Time{}
	}
	return fromDB(v.Int64)
}
