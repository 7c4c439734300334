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
	pool *pool     // every call through it is bounded (bound.go)
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
// pool_max_conns. Every call of the stores, and Open's own check, ends
// within DefaultTimeout (OpenTimeout sets another bound); the server-side
// guards of serverDefaults apply unless url sets them. It does not
// migrate; call MigrateAuth. The caller must Close the DB.
func Open(ctx context.Context, url string) (*DB, error) {
	return OpenTimeout(ctx, url, DefaultTimeout)
}

// OpenTimeout is Open with every call of the stores bounded by timeout
// rather than DefaultTimeout: the wait for a connection, each statement
// (a query until its rows are closed or scanned), BEGIN, COMMIT, ROLLBACK
// and Ping. A call cut by it returns a *TimeoutError at once; pgx closes
// its connection, which the pool discards, and asks the server to cancel
// the statement (see configure). A zero timeout
// bounds nothing. Migrations (MigrateAuth, MigrateTasks) and the
// statements of Reseal are not bounded: they may rightly take longer, and
// they end with their ctx.
func OpenTimeout(ctx context.Context, url string, timeout time.Duration) (*DB, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		// pgx's message can quote the URL, password included.
		return nil, errors.New("postgres: open: invalid database URL")
	}
	if !strings.Contains(url, "pool_max_conns") {
		cfg.MaxConns = DefaultMaxConns
	}
	// pgx gives every connection two caches of 512 statements, each a map
	// made at that size (about 23 KB). Only default_query_exec_mode
	// cache_describe reads the second; Bizy runs in pgx's default,
	// cache_statement, where it stays empty: after a load the twenty
	// connections' two caches held 0.9 MB of maps, half of it the unused
	// one, which the collector's goal doubles in resident memory. A URL
	// that sets the mode or the capacity keeps pgx's choice.
	if cfg.ConnConfig.DefaultQueryExecMode != pgx.QueryExecModeCacheDescribe && !strings.Contains(url, "description_cache_capacity") {
		cfg.ConnConfig.DescriptionCacheCapacity = 0
	}
	configure(cfg.ConnConfig)
	raw, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: open: %w", err)
	}
	db := &DB{pool: newPool(raw, timeout)}
	if err := db.Ping(ctx); err != nil {
		raw.Close()
		return nil, fmt.Errorf("postgres: open: %w", err)
	}
	return db, nil
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

// inTx runs fn in a new transaction, each of whose statements (through
// store.q) is bounded as the pool's are; BEGIN, COMMIT and ROLLBACK are
// bounded too. store.tx, the transaction itself, is not: Reseal's
// statements go through it.
func (db *DB) inTx(ctx context.Context, fn func(*store) error) error {
	tx, err := db.pool.Begin(ctx)
	if err != nil {
		return fmt.Errorf("postgres: begin: %w", err)
	}
	// The caller's ctx may be what failed; the rollback must still go out.
	rollback := func() error { return db.pool.endTx(context.WithoutCancel(ctx), tx.Rollback) }
	defer func() {
		if p := recover(); p != nil {
			rollback()
			panic(p)
		}
	}()
	if err := fn(&store{db: db, q: bounded{q: tx, timeout: db.pool.timeout}, tx: tx}); err != nil {
		// A closed connection (a statement cut by the bound) needs no
		// rollback: the server rolls back what a closed session left open.
		if rbErr := rollback(); rbErr != nil && !errors.Is(rbErr, pgx.ErrTxClosed) && !tx.Conn().IsClosed() {
			return errors.Join(err, fmt.Errorf("postgres: rollback: %w", rbErr))
		}
		return err
	}
	if err := db.pool.endTx(ctx, tx.Commit); err != nil {
		return fmt.Errorf("postgres: commit: %w", err)
	}
	return nil
}

// Ping reports whether the database answers.
func (s *store) Ping(ctx context.Context) error {
	if s.tx != nil {
		_, err := s.q.Exec(ctx, "SELECT 1")
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
