package postgres

import "context"

// Setting returns the value of the server setting name on one of db's
// connections (SHOW), for tests of the settings Open asks for.
func (db *DB) Setting(ctx context.Context, name string) (string, error) {
	var v string
	err := db.pool.QueryRow(ctx, `SELECT current_setting($1)`, name).Scan(&v)
	return v, err
}
