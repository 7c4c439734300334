package sqlite

import (
	"context"
	"testing"

	"github.com/bizy-auth/bizy/internal/storetest"
)

func TestOutboxErasesBodies(t *testing.T) {
	db := openTest(t)
	storetest.OutboxErasesBodies(t, db.AuthStore(), db.Outbox(), func(ctx context.Context, s string) (n int, err error) {
		err = db.write.QueryRowContext(ctx, `SELECT count(*) FROM outbox
			WHERE instr(text_body, ?1) > 0 OR instr(html_body, ?1) > 0`, s).Scan(&n)
		return n, err
	})
}
