package postgres_test

import (
	"context"
	"testing"

	"github.com/bizy-auth/bizy/internal/postgres/pgtest"
	"github.com/bizy-auth/bizy/internal/storetest"
)

func TestOutboxErasesBodies(t *testing.T) {
	pgtest.URL(t)
	db := openMigrated(t)
	storetest.OutboxErasesBodies(t, db.AuthStore(), db.Outbox(), func(ctx context.Context, s string) (int, error) {
		return db.CountRows(ctx, `SELECT count(*) FROM outbox
			WHERE strpos(text_body, $1) > 0 OR strpos(html_body, $1) > 0`, s)
	})
}
