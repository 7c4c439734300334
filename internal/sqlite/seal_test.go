package sqlite

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/bizy-auth/bizy/internal/seal"
	"github.com/bizy-auth/bizy/internal/storetest"
)

// TestSealing runs the sealing contract on a fresh file per subtest, each
// open a new handle on it, as a restart would make.
func TestSealing(t *testing.T) {
	storetest.Sealing(t, func(t *testing.T) func(*seal.Box) storetest.Sealed {
		path := filepath.Join(t.TempDir(), "bizy.db")
		return func(box *seal.Box) storetest.Sealed {
			db := openTestAt(t, path)
			db.SetSealBox(box)
			return storetest.Sealed{
				Store: db.AuthStore(), Outbox: db.Outbox(),
				CheckSealed: db.CheckSealed, Reseal: db.Reseal,
				Raw: func(ctx context.Context, table, column, id string) (v []byte, err error) {
					err = db.read.QueryRowContext(ctx, `SELECT `+column+` FROM `+table+` WHERE id = ?`, id).Scan(&v)
					return v, err
				},
				SetRaw: func(ctx context.Context, table, column, id string, v []byte) error {
					_, err := db.write.ExecContext(ctx, `UPDATE `+table+` SET `+column+` = ? WHERE id = ?`, v, id)
					return err
				},
			}
		}
	})
}
