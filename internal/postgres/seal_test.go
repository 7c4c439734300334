package postgres_test

import (
	"context"
	"testing"

	"github.com/bizy-auth/bizy/internal/postgres"
	"github.com/bizy-auth/bizy/internal/postgres/pgtest"
	"github.com/bizy-auth/bizy/internal/seal"
	"github.com/bizy-auth/bizy/internal/storetest"
)

// TestSealing runs the sealing contract on a fresh schema per subtest, each
// open a new pool on it, as a restart would make.
func TestSealing(t *testing.T) {
	pgtest.URL(t)
	storetest.Sealing(t, func(t *testing.T) func(*seal.Box) storetest.Sealed {
		u := pgtest.SchemaURL(t)
		return func(box *seal.Box) storetest.Sealed {
			db, err := postgres.Open(t.Context(), u)
			if err != nil {
				t.Fatalf("Open: %v", err)
			}
			t.Cleanup(func() { db.Close() })
			if err := db.MigrateAuth(t.Context()); err != nil {
				t.Fatalf("MigrateAuth: %v", err)
			}
			db.SetSealBox(box)
			return storetest.Sealed{
				Store: db.AuthStore(), Outbox: db.Outbox(),
				CheckSealed: db.CheckSealed, Reseal: db.Reseal,
				Raw: func(ctx context.Context, table, column, id string) ([]byte, error) {
					return db.RawColumn(ctx, table, column, id)
				},
				SetRaw: func(ctx context.Context, table, column, id string, v []byte) error {
					return db.SetRawColumn(ctx, table, column, id, v)
				},
			}
		}
	})
}
