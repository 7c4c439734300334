package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/bizy-auth/bizy/internal/auth"
)

const tokenColumns = `hash, user_id, purpose, created_at, expires_at, used_at`

// CreateUserToken stores t. A hash already stored gives an error matching
// auth.ErrConflict; an unknown user one matching auth.ErrNotFound.
func (s *store) CreateUserToken(ctx context.Context, t auth.UserToken) error {
	_, err := s.write.ExecContext(ctx, `INSERT INTO user_tokens (`+tokenColumns+`)
		VALUES (?, ?, ?, ?, ?, ?)`,
		nonNil(t.Hash), t.UserID, t.Purpose, toDB(t.CreatedAt), toDB(t.ExpiresAt), toNullDB(t.UsedAt))
	switch {
	case isUnique(err):
		return fmt.Errorf("sqlite: create user token: %w", auth.ErrConflict)
	case isForeignKey(err):
		return fmt.Errorf("sqlite: create user token: user %q: %w", t.UserID, auth.ErrNotFound)
	case err != nil:
		return fmt.Errorf("sqlite: create user token: %w", err)
	}
	return nil
}

// UserToken returns the token with hash and purpose, used or not, or
// auth.ErrNotFound.
func (s *store) UserToken(ctx context.Context, hash []byte, purpose string) (auth.UserToken, error) {
	return scanToken(s.read.QueryRowContext(ctx, `SELECT `+tokenColumns+` FROM user_tokens
		WHERE hash = ? AND purpose = ?`, nonNil(hash), purpose))
}

// ConsumeUserToken marks the token with hash and purpose used at now and
// returns it, if it is unused and expires after now; otherwise
// auth.ErrNotFound. One UPDATE checks and marks, and SQLite runs one writer
// at a time, so of concurrent calls exactly one succeeds.
func (s *store) ConsumeUserToken(ctx context.Context, hash []byte, purpose string, now time.Time) (auth.UserToken, error) {
	return scanToken(s.write.QueryRowContext(ctx, `UPDATE user_tokens SET used_at = ?1
		WHERE hash = ?2 AND purpose = ?3 AND used_at IS NULL AND expires_at > ?1
		RETURNING `+tokenColumns, toDB(now), nonNil(hash), purpose))
}

// InvalidateUserTokens marks every unused token of userID with purpose used
// at now. Having none is not an error.
func (s *store) InvalidateUserTokens(ctx context.Context, userID, purpose string, now time.Time) error {
	_, err := s.write.ExecContext(ctx, `UPDATE user_tokens SET used_at = ?
		WHERE user_id = ? AND purpose = ? AND used_at IS NULL`, toDB(now), userID, purpose)
	if err != nil {
		return fmt.Errorf("sqlite: invalidate user tokens: %w", err)
	}
	return nil
}

func scanToken(row *sql.Row) (auth.UserToken, error) {
	var t auth.UserToken
	var created, expires int64
	var used sql.NullInt64
	err := row.Scan(&t.Hash, &t.UserID, &t.Purpose, &created, &expires, &used)
	if errors.Is(err, sql.ErrNoRows) {
		return auth.UserToken{}, auth.ErrNotFound
	}
	if err != nil {
		return auth.UserToken{}, fmt.Errorf("sqlite: user token: %w", err)
	}
	t.CreatedAt, t.ExpiresAt, t.UsedAt = fromDB(created), fromDB(expires), fromNullDB(used)
	return t, nil
}
