package postgres

import (
	"context"
	"errors"
	"path"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/bizy-auth/bizy/internal/migrations"
)

// AppliedVersions exposes appliedVersions to the external tests.
func (db *DB) AppliedVersions(ctx context.Context, component string) ([]int, error) {
	return db.appliedVersions(ctx, component)
}

// EmbeddedVersions lists the migration versions shipped for component.
func EmbeddedVersions(component string) ([]int, error) {
	ms, err := migrations.Load(migrationFiles, path.Join("migrations", component))
	var vs []int
	for _, m := range ms {
		vs = append(vs, m.Version)
	}
	return vs, err
}

// CountRows runs a count(*) query, for tests that look at raw rows.
func (db *DB) CountRows(ctx context.Context, query string, args ...any) (int, error) {
	var n int
	err := db.pool.QueryRow(ctx, query, args...).Scan(&n)
	return n, err
}

// UserRowLocked reports whether another transaction holds the lock of the
// users row id: on a connection of its own it tries SELECT … FOR UPDATE
// NOWAIT, which fails at once with lock_not_available (55P03) if so, and
// rolls back.
func (db *DB) UserRowLocked(ctx context.Context, id string) (bool, error) {
	tx, err := db.pool.Begin(ctx)
	if err != nil {
		return false, err
	}
	defer tx.Rollback(ctx)
	_, err = tx.Exec(ctx, `SELECT 1 FROM users WHERE id = $1 FOR UPDATE NOWAIT`, id)
	if pe := (*pgconn.PgError)(nil); errors.As(err, &pe) && pe.Code == "55P03" {
		return true, nil
	}
	return false, err
}

// MaxConns is the size of db's pool.
func (db *DB) MaxConns() int32 { return db.pool.raw.Config().MaxConns }

// DescriptionCacheCapacity is the size of each connection's cache of
// statement descriptions (pgx's cache_describe mode).
func (db *DB) DescriptionCacheCapacity() int {
	return db.pool.raw.Config().ConnConfig.DescriptionCacheCapacity
}

// RawColumn reads table.column of row id as stored (text as its bytes).
func (db *DB) RawColumn(ctx context.Context, table, column, id string) ([]byte, error) {
	var v []byte
	err := db.pool.QueryRow(ctx, `SELECT `+column+`::bytea FROM `+table+` WHERE id = $1`, id).Scan(&v)
	return v, err
}

// SetRawColumn writes v into table.column of row id, as bytea or text.
func (db *DB) SetRawColumn(ctx context.Context, table, column, id string, v []byte) error {
	var val any = v
	if table == "outbox" {
		val = string(v)
	}
	_, err := db.pool.Exec(ctx, `UPDATE `+table+` SET `+column+` = $1 WHERE id = $2`, val, id)
	return err
}

// OpenTraced opens a DB like Open whose connections report every query to
// tracer, so a test can see the SQL the stores send.
func OpenTraced(ctx context.Context, url string, tracer pgx.QueryTracer) (*DB, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, err
	}
	cfg.ConnConfig.Tracer = tracer
	raw, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, err
	}
	return &DB{pool: newPool(raw, DefaultTimeout)}, nil
}

// ForceTrigramSearch makes db's admin user search read the trigram indexes
// for every term pg_trgm draws a trigram from, however common, so that
// tests on small tables exercise that plan.
func (db *DB) ForceTrigramSearch() { db.search.forceTrigram = true }

// TaskPageDecodedRaw reports whether a page of userID's tasks comes in
// columns that collectTasks decodes from their raw values, rather than
// leaving every row to Scan.
func (db *DB) TaskPageDecodedRaw(ctx context.Context, userID string) (bool, error) {
	rows, err := db.pool.Query(ctx, `SELECT `+taskColumns+` FROM tasks WHERE user_id = $1 LIMIT 1`, userID)
	if err != nil {
		return false, err
	}
	defer rows.Close()
	ok := rawTaskColumns(rows.FieldDescriptions())
	return ok, rows.Err()
}
