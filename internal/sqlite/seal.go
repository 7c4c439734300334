package sqlite

import (
	"context"
	"fmt"

	"github.com/bizy-auth/bizy/internal/seal"
	"github.com/bizy-auth/bizy/internal/sealed"
)

// SetSealBox makes the stores of db seal the secrets they write (signing
// private keys, pending mail bodies; see sealed.AuthColumns) with b, and
// open what they read with it. A nil b writes plaintext and cannot read
// sealed values. Call it before using the stores; it is not safe to call
// concurrently with them.
func (db *DB) SetSealBox(b *seal.Box) { db.box = b }

// CheckSealed opens every sealed secret with the box SetSealBox gave and
// returns how many need resealing (sealed under an old key, or plaintext
// while a key is set). Its error, for the first value that does not open,
// names the row and wraps seal.ErrUnknownKey (sealed with a key the box
// lacks) or seal.ErrCorrupt (altered, or moved from another row).
func (db *DB) CheckSealed(ctx context.Context) (int, error) {
	rows, err := sealedRows(ctx, db.read)
	if err != nil {
		return 0, err
	}
	n, err := sealed.Check(db.box, rows)
	if err != nil {
		return 0, fmt.Errorf("sqlite: %w", err)
	}
	return n, nil
}

// Reseal seals again, under the box's current key, every secret sealed
// under an old key or stored as plaintext, and returns how many it
// changed. It runs in one transaction (which, in SQLite, excludes every
// other writer): on an error nothing changes. A nil box changes nothing.
func (db *DB) Reseal(ctx context.Context) (int, error) {
	n := 0
	err := db.inTx(ctx, func(s *store) error {
		rows, err := sealedRows(ctx, s.tx)
		if err != nil {
			return err
		}
		changed, err := sealed.Reseal(db.box, rows)
		if err != nil {
			return fmt.Errorf("sqlite: %w", err)
		}
		for _, r := range changed {
			_, err := s.tx.ExecContext(ctx, `UPDATE `+r.Table+` SET `+r.Column.Column+` = ? WHERE `+r.Column.KeyColumn()+` = ?`, r.Arg(r.Value), r.ID)
			if err != nil {
				return fmt.Errorf("sqlite: reseal %s.%s: %w", r.Table, r.Column.Column, err)
			}
		}
		n = len(changed)
		return nil
	})
	return n, err
}

// sealedRows reads every stored value of the sealed columns.
func sealedRows(ctx context.Context, q querier) ([]sealed.Row, error) {
	var out []sealed.Row
	for _, c := range sealed.AuthColumns {
		rows, err := q.QueryContext(ctx, c.Query())
		if err != nil {
			return nil, fmt.Errorf("sqlite: read %s.%s: %w", c.Table, c.Column, err)
		}
		for rows.Next() {
			r := sealed.Row{Column: c}
			if err := rows.Scan(&r.ID, &r.Value); err != nil {
				rows.Close()
				return nil, fmt.Errorf("sqlite: read %s.%s: %w", c.Table, c.Column, err)
			}
			out = append(out, r)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("sqlite: read %s.%s: %w", c.Table, c.Column, err)
		}
	}
	return out, nil
}
