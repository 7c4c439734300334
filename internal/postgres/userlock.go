package postgres

import (
	"context"

	"github.com/bizy-auth/bizy/internal/auth"
)

// UserForUpdate returns the user with id, or auth.ErrNotFound, and inside a
// Tx locks the row until the transaction ends, so concurrent
// read-modify-writes of one user queue instead of losing each other's
// changes (READ COMMITTED alone would let them).
func (s *store) UserForUpdate(ctx context.Context, id string) (auth.User, error) {
	return scanUser(s.q.QueryRow(ctx, `SELECT `+userColumns+` FROM users WHERE id = $1 FOR UPDATE`, id))
}
