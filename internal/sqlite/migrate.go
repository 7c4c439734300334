package sqlite

import (
	"context"
	"embed"
	"fmt"
	"path"
	"time"

	"github.com/bizy-auth/bizy/internal/migrations"
)

//go:embed migrations
var migrationFiles embed.FS

// MigrateAuth applies the auth component's migrations that have not run yet.
// It is idempotent and safe to call from several processes sharing the file:
// each migration runs in its own BEGIN IMMEDIATE transaction, which also
// re-checks that it has not been applied meanwhile.
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
		return fmt.Errorf("sqlite: migrate %s: %w", component, err)
	}
	// On existing data one read finds every migration applied. It fails
	// when schema_migrations does not exist yet; the locked path below
	// creates it.
	if done, err := db.appliedVersions(ctx, component); err == nil && migrations.AllApplied(ms, done) {
		return nil
	}
	err = db.inTx(ctx, func(s *store) error {
		_, err := s.tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
			component  TEXT    NOT NULL,
			version    INTEGER NOT NULL,
			applied_at INTEGER NOT NULL,
			PRIMARY KEY (component, version)
		)`)
		return err
	})
	if err != nil {
		return fmt.Errorf("sqlite: migrate %s: %w", component, err)
	}
	for _, m := range ms {
		err := db.inTx(ctx, func(s *store) error {
			var n int
			err := s.tx.QueryRowContext(ctx,
				`SELECT count(*) FROM schema_migrations WHERE component = ? AND version = ?`,
				component, m.Version).Scan(&n)
			if err != nil || n > 0 {
				return err
			}
			if _, err := s.tx.ExecContext(ctx, m.SQL); err != nil {
				return err
			}
			_, err = s.tx.ExecContext(ctx,
				`INSERT INTO schema_migrations (component, version, applied_at) VALUES (?, ?, ?)`,
				component, m.Version, toDB(time.Now()))
			return err
		})
		if err != nil {
			return fmt.Errorf("sqlite: migrate %s %s: %w", component, m.Name, err)
		}
	}
	return nil
}

// appliedVersions lists the recorded versions of component.
func (db *DB) appliedVersions(ctx context.Context, component string) ([]int, error) {
	rows, err := db.read.QueryContext(ctx,
		`SELECT version FROM schema_migrations WHERE component = ? ORDER BY version`, component)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var vs []int
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		vs = append(vs, v)
	}
	return vs, rows.Err()
}
