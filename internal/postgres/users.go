package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/bizy-auth/bizy/internal/auth"
)

const userColumns = `id, username, email, email_verified, is_admin, disabled,
	password_hash, created_at, updated_at`

// CreateUser inserts u. A taken username (ignoring case) or email gives a
// *auth.ConflictError naming the field. Concurrent inserts of one username
// queue on the unique index: one wins and the others get the conflict.
func (s *store) CreateUser(ctx context.Context, u auth.User) error {
	_, err := s.q.Exec(ctx, `INSERT INTO users (`+userColumns+`, username_lower)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
		u.ID, u.Username, u.Email, u.EmailVerified, u.IsAdmin, u.Disabled,
		nonNil(u.PasswordHash), u.CreatedAt, u.UpdatedAt, strings.ToLower(u.Username))
	if pe := pgError(err); pe != nil && pe.Code == codeUniqueViolation {
		switch pe.ConstraintName {
		case "users_username_lower_key":
			return &auth.ConflictError{Field: "username"}
		case "users_email_key":
			return &auth.ConflictError{Field: "email"}
		default:
			// Only the id can be left: a caller bug, not a user's mistake.
			return fmt.Errorf("postgres: create user: id %q: %w", u.ID, auth.ErrConflict)
		}
	}
	if err != nil {
		return fmt.Errorf("postgres: create user: %w", err)
	}
	return nil
}

// UserByID returns the user with id, or auth.ErrNotFound.
func (s *store) UserByID(ctx context.Context, id string) (auth.User, error) {
	return scanUser(s.q.QueryRow(ctx, `SELECT `+userColumns+` FROM users WHERE id = $1`, id))
}

// UserByLogin returns the user whose username matches login ignoring case, or
// whose email equals login, or auth.ErrNotFound.
func (s *store) UserByLogin(ctx context.Context, login string) (auth.User, error) {
	// Usernames cannot contain '@' and emails must, so at most one row can
	// match; the ORDER BY only keeps the answer deterministic regardless.
	return scanUser(s.q.QueryRow(ctx, `SELECT `+userColumns+` FROM users
		WHERE username_lower = $1 OR email = $2
		ORDER BY username_lower = $1 DESC LIMIT 1`, strings.ToLower(login), login))
}

// UpdateUser writes u's mutable fields. updated_at becomes u.UpdatedAt, or
// the current time when that is zero. auth.ErrNotFound for an unknown id.
func (s *store) UpdateUser(ctx context.Context, u auth.User) error {
	updated := u.UpdatedAt
	if updated.IsZero() {
		updated = time.Now()
	}
	tag, err := s.q.Exec(ctx, `UPDATE users SET email_verified = $1, is_admin = $2,
		disabled = $3, password_hash = $4, updated_at = $5 WHERE id = $6`,
		u.EmailVerified, u.IsAdmin, u.Disabled, nonNil(u.PasswordHash), updated, u.ID)
	if err != nil {
		return fmt.Errorf("postgres: update user: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return auth.ErrNotFound
	}
	return nil
}

func scanUser(row pgx.Row) (auth.User, error) {
	var u auth.User
	err := row.Scan(&u.ID, &u.Username, &u.Email, &u.EmailVerified, &u.IsAdmin,
		&u.Disabled, &u.PasswordHash, &u.CreatedAt, &u.UpdatedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return auth.User{}, auth.ErrNotFound
	}
	if err != nil {
		return auth.User{}, fmt.Errorf("postgres: user: %w", err)
	}
	u.CreatedAt, u.UpdatedAt = utc(u.CreatedAt), utc(u.UpdatedAt)
	return u, nil
}
