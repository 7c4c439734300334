package postgres

import (
	"context"
	"embed"
	"fmt"
	"path"

	"github.com/bizy-auth/bizy/internal/migrations"
	"github.com/jackc/pgx/v5"
)

//go:embed migrations
var migrationFiles embed.FS

// migrationLock is the pg_advisory_xact_lock key every migration holds. One
// key for the whole database keeps replicas (and components) from racing,
// including on the CREATE TABLE IF NOT EXISTS of schema_migrations, which is
// not safe to run concurrently. The value spells "bizymigr".
const migrationLock int64 = 0x62697a796d696772

// MigrateAuth applies the auth component's migrations that have not run yet,
// in the schema search_path selects. It is idempotent and safe to call from
// several processes at once: each migration runs in its own transaction
// holding an advisory lock and re-checks that it has not been applied.
func (db *DB) MigrateAuth(ctx context.Context) error {
	return db.migrate(ctx, "auth")
}

// MigrateTasks applies the tasks component's migrations that have not run
// yet, with the same guarantees as MigrateAuth. The tasks tables do not
// refer to the auth tables, so either component can be migrated alone.
func (db *DB) MigrateTasks(ctx context.Context) error {
	return db.migrate(ctx, "tasks")
}

// migrate applies the pending migrations of component, found in
// migrations/<component>/NNNN_description.sql, in version order.
func (db *DB) migrate(ctx context.Context, component string) error {
	ms, err := migrations.Load(migrationFiles, path.Join("migrations", component))
	if err != nil {
		return fmt.Errorf("postgres: migrate %s: %w", component, err)
	}
	// On existing data one read finds every migration applied. It fails
	// when schema_migrations does not exist yet; the locked path below
	// creates it.
	if done, err := db.appliedVersions(ctx, component); err == nil && migrations.AllApplied(ms, done) {
		return nil
	}
	err = db.lockedTx(ctx, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
			component  text        NOT NULL,
			version    integer     NOT NULL,
			applied_at timestamptz NOT NULL DEFAULT now(),
			PRIMARY KEY (component, version)
		)`)
		return err
	})
	if err != nil {
		return fmt.Errorf("postgres: migrate %s: %w", component, err)
	}
	for _, m := range ms {
		err := db.lockedTx(ctx, func(tx pgx.Tx) error {
			var done bool
			err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM schema_migrations
				WHERE component = $1 AND version = $2)`, component, m.Version).Scan(&done)
			if err != nil || done {
				return err
			}
			// Without arguments pgx uses the simple protocol, which runs a
			// file of several statements.
			if _, err := tx.Exec(ctx, m.SQL); err != nil {
				return err
			}
			_, err = tx.Exec(ctx, `INSERT INTO schema_migrations (component, version) VALUES ($1, $2)`,
				component, m.Version)
			return err
		})
		if err != nil {
			return fmt.Errorf("postgres: migrate %s %s: %w", component, m.Name, err)
		}
	}
	return nil
}

// lockedTx runs fn in a transaction that first takes the migration lock; the
// lock is released when the transaction ends, so a failed or cancelled
// migration cannot leave it held on a pooled connection.
func (db *DB) lockedTx(ctx context.Context, fn func(pgx.Tx) error) error {
	return pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, migrationLock); err != nil {
			return err
		}
		return fn(tx)
	})
}

// appliedVersions lists the recorded versions of component.
func (db *DB) appliedVersions(ctx context.Context, component string) ([]int, error) {
	rows, err := db.pool.Query(ctx,
		`SELECT version FROM schema_migrations WHERE component = $1 ORDER BY version`, component)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[int])
}
