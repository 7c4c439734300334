package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"
)

// Setting returns the value of the server setting name on one of db's
// connections (SHOW), for tests of the settings Open asks for.
func (db *DB) Setting(ctx context.Context, name string) (string, error) {
	var v string
	err := db.pool.QueryRow(ctx, `SELECT current_setting($1)`, name).Scan(&v)
	return v, err
}

// QueryInts runs query through the bounded pool and collects one int
// column, for tests of what the bound makes of a query's errors.
func (db *DB) QueryInts(ctx context.Context, query string) ([]int, error) {
	rows, err := db.pool.Query(ctx, query)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[int])
}
