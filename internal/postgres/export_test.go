package postgres

import (
	"context"
	"path"
)

// AppliedVersions exposes appliedVersions to the external tests.
func (db *DB) AppliedVersions(ctx context.Context, component string) ([]int, error) {
	return db.appliedVersions(ctx, component)
}

// EmbeddedVersions lists the migration versions shipped for component.
func EmbeddedVersions(component string) ([]int, error) {
	ms, err := loadMigrations(migrationFiles, path.Join("migrations", component))
	var vs []int
	for _, m := range ms {
		vs = append(vs, m.version)
	}
	return vs, err
}
