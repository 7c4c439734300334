package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/bizy-auth/bizy/internal/auth"
)

const tokenColumns = `hash, user_id, purpose, created_at, expires_at, used_at`

// CreateUserToken stores t. A hash already stored gives an error matching
// auth.ErrConflict; an unknown user one matching auth.ErrNotFound.
func (s *store) CreateUserToken(ctx context.Context, t auth.UserToken) error {
	_, err := s.q.Exec(ctx, `INSERT INTO user_tokens (`+tokenColumns+`)
		VALUES ($1, $2, $3, $4, $5, $6)`,
		nonNil(t.Hash), t.UserID, t.Purpose, t.CreatedAt, t.ExpiresAt, nullTime(t.UsedAt))
	switch {
	case isCode(err, codeUniqueViolation):
		return fmt.Errorf("postgres: create user token: %w", auth.ErrConflict)
	case isCode(err, codeForeignKeyViolation):
		return fmt.Errorf("postgres: create user token: user %q: %w", t.UserID, auth.ErrNotFound)
	case err != nil:
		return fmt.Errorf("postgres: create user token: %w", err)
	}
	return nil
}

// UserToken returns the token with hash and purpose, used or not, or
// auth.ErrNotFound.
func (s *store) UserToken(ctx context.Context, hash []byte, purpose string) (auth.UserToken, error) {
	return scanToken(s.q.QueryRow(ctx, `SELECT `+tokenColumns+` FROM user_tokens
		WHERE hash = $1 AND purpose = $2`, nonNil(hash), purpose))
}

// ConsumeUserToken marks the token with hash and purpose used at now and
// returns it, if it is unused and expires after now; otherwise
// auth.ErrNotFound. Of concurrent calls exactly one succeeds: the others
// wait on the row lock and then, under READ COMMITTED, re-check used_at on
// the updated row and match nothing.
func (s *store) ConsumeUserToken(ctx context.Context, hash []byte, purpose string, now time.Time) (auth.UserToken, error) {
	return scanToken(s.q.QueryRow(ctx, `UPDATE user_tokens SET used_at = $1
		WHERE hash = $2 AND purpose = $3 AND used_at IS NULL AND expires_at > $1
		RETURNING `+tokenColumns, now, nonNil(hash), purpose))
}

// InvalidateUserTokens marks every unused token of userID with purpose used
// at now. Having none is not an error.
func (s *store) InvalidateUserTokens(ctx context.Context, userID, purpose string, now time.Time) error {
	_, err := s.q.Exec(ctx, `UPDATE user_tokens SET used_at = $1
		WHERE user_id = $2 AND purpose = $3 AND used_at IS NULL`, now, userID, purpose)
	if err != nil {
		return fmt.Errorf("postgres: invalidate user tokens: %w", err)
	}
	return nil
}

func scanToken(row pgx.Row) (auth.UserToken, error) {
	var t auth.UserToken
	var used *time.Time
	err := row.Scan(&t.Hash, &t.UserID, &t.Purpose, &t.CreatedAt, &t.ExpiresAt, &used)
	if errors.Is(err, pgx.ErrNoRows) {
		return auth.UserToken{}, auth.ErrNotFound
	}
	if err != nil {
		return auth.UserToken{}, fmt.Errorf("postgres: user token: %w", err)
	}
	t.CreatedAt, t.ExpiresAt, t.UsedAt = utc(t.CreatedAt), utc(t.ExpiresAt), fromNullTime(used)
	return t, nil
}
