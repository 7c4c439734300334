package sqlite

import (
	"context"

	"github.com/bizy-auth/bizy/internal/auth"
)

// UserForUpdate returns the user with id, or auth.ErrNotFound. It reads
// through the write connection: inside a Tx that is the transaction, which
// BEGIN IMMEDIATE already made exclusive, so no other writer can change the
// row before it ends.
func (s *store) UserForUpdate(ctx context.Context, id string) (auth.User, error) {
	return s.scanUser(s.write.QueryRowContext(ctx,
		`SELECT `+userColumns+` FROM users WHERE id = ?`, id))
}
