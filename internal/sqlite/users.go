package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/bizy-auth/bizy/internal/auth"
)

const userColumns = `id, username, email, email_verified, is_admin, disabled,
	password_hash, created_at, updated_at`

// CreateUser inserts u. A taken username (ignoring case) or email gives a
// *auth.ConflictError naming the field.
func (s *store) CreateUser(ctx context.Context, u auth.User) error {
	// The insert and the follow-up query that names the colliding field share
	// a transaction so that the row that caused the conflict is still there.
	return s.withTx(ctx, func(s *store) error {
		_, err := s.write.ExecContext(ctx, `INSERT INTO users (`+userColumns+`, username_lower)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			u.ID, u.Username, u.Email, u.EmailVerified, u.IsAdmin, u.Disabled,
			nonNil(u.PasswordHash), toDB(u.CreatedAt), toDB(u.UpdatedAt), strings.ToLower(u.Username))
		if isUnique(err) {
			return s.userConflict(ctx, u, err)
		}
		if err != nil {
			return fmt.Errorf("sqlite: create user: %w", err)
		}
		return nil
	})
}

// userConflict names the field of u that collides with an existing user.
// SQLite's result code does not say which index failed, and its message is
// not a contract, so ask the table.
func (s *store) userConflict(ctx context.Context, u auth.User, cause error) error {
	var byName, byEmail bool
	err := s.write.QueryRowContext(ctx, `SELECT
			EXISTS (SELECT 1 FROM users WHERE username_lower = ?),
			EXISTS (SELECT 1 FROM users WHERE email = ?)`,
		strings.ToLower(u.Username), u.Email).Scan(&byName, &byEmail)
	switch {
	case err != nil:
		return fmt.Errorf("sqlite: create user: %w", errors.Join(cause, err))
	case byName:
		return &auth.ConflictError{Field: "username"}
	case byEmail:
		return &auth.ConflictError{Field: "email"}
	default:
		// Only the id can be left: a caller bug, not a user's mistake.
		return fmt.Errorf("sqlite: create user: id %q: %w", u.ID, auth.ErrConflict)
	}
}

// UserByID returns the user with id, or auth.ErrNotFound.
func (s *store) UserByID(ctx context.Context, id string) (auth.User, error) {
	return s.scanUser(s.read.QueryRowContext(ctx,
		`SELECT `+userColumns+` FROM users WHERE id = ?`, id))
}

// UserByLogin returns the user whose username matches login ignoring case, or
// whose email equals login, or auth.ErrNotFound.
func (s *store) UserByLogin(ctx context.Context, login string) (auth.User, error) {
	// Usernames cannot contain '@' and emails must, so at most one row can
	// match; the ORDER BY only keeps the answer deterministic regardless.
	return s.scanUser(s.read.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users
		WHERE username_lower = ? OR email = ?
		ORDER BY username_lower = ? DESC LIMIT 1`,
		strings.ToLower(login), login, strings.ToLower(login)))
}

// UpdateUser writes u's mutable fields. updated_at becomes u.UpdatedAt, or
// the current time when that is zero. auth.ErrNotFound for an unknown id.
func (s *store) UpdateUser(ctx context.Context, u auth.User) error {
	updated := u.UpdatedAt
	if updated.IsZero() {
		updated = time.Now()
	}
	res, err := s.write.ExecContext(ctx, `UPDATE users SET email_verified = ?, is_admin = ?,
		disabled = ?, password_hash = ?, updated_at = ? WHERE id = ?`,
		u.EmailVerified, u.IsAdmin, u.Disabled, nonNil(u.PasswordHash), toDB(updated), u.ID)
	if err != nil {
		return fmt.Errorf("sqlite: update user: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("sqlite: update user: %w", err)
	} else if n == 0 {
		return auth.ErrNotFound
	}
	return nil
}

func (s *store) scanUser(row *sql.Row) (auth.User, error) {
	u, err := scanUserRow(row)
	if errors.Is(err, sql.ErrNoRows) {
		return auth.User{}, auth.ErrNotFound
	}
	if err != nil {
		return auth.User{}, fmt.Errorf("sqlite: user: %w", err)
	}
	return u, nil
}

// nonNil keeps NOT NULL BLOB columns satisfied when a caller leaves a byte
// slice nil (the driver would bind nil as NULL).
func nonNil(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}
