package postgres

import (
	"context"
	"path"

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
