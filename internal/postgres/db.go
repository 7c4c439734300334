package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/bizy-auth/bizy/internal/auth"
	"github.com/bizy-auth/bizy/internal/seal"
	"github.com/bizy-auth/bizy/internal/tasks"
)

// SQLSTATE codes the adapter translates into domain errors.
const (
	codeUniqueViolation     = "23505"
	codeForeignKeyViolation = "23503"
)

// DB is a pool of connections to one PostgreSQL database. It is safe for
// concurrent use.
type DB struct {
	pool *pgxpool.Pool
	box  *seal.Box // seals the secrets at rest (SetSealBox); nil keeps plaintext
	// search holds the statistics the admin user search chooses its plan
	// by (usersearch.go).
	search searchStatsCache
}

// DefaultMaxConns is the pool size Open uses when url sets no
// pool_max_conns. pgxpool's own default, max(4, CPUs), is too small for a
// login flood: each login holds a connection for its lockout statements
// and its session transaction while others wait, and the health check,
// revocation feed and token-checked requests queue behind them. Twenty
// stays well under PostgreSQL's default max_connections (100) with a few
// copies of the service running.
const DefaultMaxConns = 20

// Open connects to the database at url (a postgres:// URL or a key=value
// string, as pgxpool.ParseConfig takes, including pool_* settings and
// runtime parameters such as search_path) and checks that it answers. The
// pool holds up to DefaultMaxConns connections unless url sets
// pool_max_conns. It does not migrate; call MigrateAuth. The caller must
// Close the DB.
func Open(ctx context.Context, url string) (*DB, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		// pgx's message can quote the URL, password included.
		return nil, errors.New("postgres: open: invalid database URL")
	}
	if !strings.Contains(url, "pool_max_conns") {
		cfg.MaxConns = DefaultMaxConns
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: open: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("postgres: open: %w", err)
	}
	return &DB{pool: pool}, nil
}

// Close closes every connection, waiting for those in use to be released.
// It always returns nil; the error keeps the shape of sqlite.DB.Close.
func (db *DB) Close() error {
	db.pool.Close()
	return nil
}

// Ping reports whether the database answers. It is safe for concurrent use.
func (db *DB) Ping(ctx context.Context) error {
	return db.pool.Ping(ctx)
}

// AuthStore returns the auth.Store kept in this database. MigrateAuth must
// have run. The store is safe for concurrent use.
func (db *DB) AuthStore() auth.Store {
	return &store{db: db, q: db.pool}
}

// TasksStore returns the tasks.Store kept in this database. MigrateTasks
// must have run. The store is safe for concurrent use.
func (db *DB) TasksStore() tasks.Store {
	return &taskStore{db: db, q: db.pool}
}

// querier is what *pgxpool.Pool and pgx.Tx have in common, so that each query
// method is written once whether or not it runs in a transaction.
type querier interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// store implements auth.Store on the pool, or on one transaction when tx is
// set.
type store struct {
	db *DB
	q  querier
	tx pgx.Tx // nil outside Tx
}

// Tx runs fn with a store bound to one READ COMMITTED transaction. A Tx
// inside fn reuses the same transaction. fn must make its calls through the
// Store it is given; calls through the outer store run outside the
// transaction (and would deadlock on SQLite).
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

func (db *DB) inTx(ctx context.Context, fn func(*store) error) error {
	tx, err := db.pool.Begin(ctx)
	if err != nil {
		return fmt.Errorf("postgres: begin: %w", err)
	}
	defer func() {
		if p := recover(); p != nil {
			tx.Rollback(context.WithoutCancel(ctx))
			panic(p)
		}
	}()
	if err := fn(&store{db: db, q: tx, tx: tx}); err != nil {
		// The caller's ctx may be what failed; the rollback must still go out.
		if rbErr := tx.Rollback(context.WithoutCancel(ctx)); rbErr != nil && !errors.Is(rbErr, pgx.ErrTxClosed) {
			return errors.Join(err, fmt.Errorf("postgres: rollback: %w", rbErr))
		}
		return err
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("postgres: commit: %w", err)
	}
	return nil
}

// Ping reports whether the database answers.
func (s *store) Ping(ctx context.Context) error {
	if s.tx != nil {
		_, err := s.tx.Exec(ctx, "SELECT 1")
		return err
	}
	return s.db.Ping(ctx)
}

// pgError returns the server error carried by err, or nil.
func pgError(err error) *pgconn.PgError {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe
	}
	return nil
}

// isCode reports whether err is a server error with SQLSTATE code.
func isCode(err error, code string) bool {
	pe := pgError(err)
	return pe != nil && pe.Code == code
}

// utc converts a time read from the database (in time.Local) to UTC.
func utc(t time.Time) time.Time { return t.UTC() }

// nullTime stores the zero time as NULL, so "not set" never compares as a
// time in 0001.
func nullTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

// fromNullTime turns NULL back into the zero time.
func fromNullTime(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return t.UTC()
}

// nonNil keeps NOT NULL bytea columns satisfied when a caller leaves a byte
// slice nil (pgx would send nil as NULL).
func nonNil(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}
