package sqlite

import (
	"context"
	"fmt"
	"strings"

	"github.com/bizy-auth/bizy/internal/auth"
)

// ListUsers returns up to f.Limit users whose username or email contains
// f.Query (ignoring case, wildcards escaped), ordered by id descending, and
// whether more follow. A limit outside 1..auth.MaxPageSize gives an
// *auth.ValidationError.
func (s *store) ListUsers(ctx context.Context, f auth.UserFilter) ([]auth.User, bool, error) {
	if f.Limit < 1 || f.Limit > auth.MaxPageSize {
		return nil, false, &auth.ValidationError{Fields: map[string]string{"limit": "must be between 1 and 100"}}
	}
	var where []string
	var args []any
	if f.Query != "" {
		// username_lower and email are stored lower-cased, so lowering the
		// pattern is enough; SQLite's own LIKE folds ASCII case only.
		// SQLite has no trigram index: the search reads users newest first
		// until the page is full, the whole table for a rare term.
		p := "%" + escapeLike(strings.ToLower(f.Query)) + "%"
		where = append(where, `(username_lower LIKE ? ESCAPE '\' OR email LIKE ? ESCAPE '\')`)
		args = append(args, p, p)
	}
	if f.After != "" {
		where, args = append(where, "id < ?"), append(args, f.After)
	}
	q := `SELECT ` + userColumns + ` FROM users`
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	// One row more than asked tells whether a next page exists.
	q += " ORDER BY id DESC LIMIT ?"
	rows, err := s.read.QueryContext(ctx, q, append(args, f.Limit+1)...)
	if err != nil {
		return nil, false, fmt.Errorf("sqlite: list users: %w", err)
	}
	defer rows.Close()
	users := []auth.User{}
	for rows.Next() {
		u, err := scanUserRow(rows)
		if err != nil {
			return nil, false, fmt.Errorf("sqlite: list users: %w", err)
		}
		users = append(users, u)
	}
	if err := rows.Err(); err != nil {
		return nil, false, fmt.Errorf("sqlite: list users: %w", err)
	}
	if len(users) > f.Limit {
		return users[:f.Limit], true, nil
	}
	return users, false, nil
}

// DeleteUser deletes user id; the foreign keys cascade to their sessions
// and tokens. Their revoked sessions are first copied to
// session_tombstones, which the revocations feed also reads.
// auth.ErrNotFound for an unknown id.
func (s *store) DeleteUser(ctx context.Context, id string) error {
	return s.withTx(ctx, func(s *store) error {
		if _, err := s.write.ExecContext(ctx, `INSERT INTO session_tombstones (`+sessionColumns+`)
			SELECT `+sessionColumns+` FROM sessions WHERE user_id = ? AND revoked_at IS NOT NULL`, id); err != nil {
			return fmt.Errorf("sqlite: delete user: %w", err)
		}
		res, err := s.write.ExecContext(ctx, `DELETE FROM users WHERE id = ?`, id)
		if err != nil {
			return fmt.Errorf("sqlite: delete user: %w", err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return fmt.Errorf("sqlite: delete user: %w", err)
		} else if n == 0 {
			return auth.ErrNotFound
		}
		return nil
	})
}

// scanUserRow reads the userColumns of one row of a multi-row query.
func scanUserRow(row interface{ Scan(...any) error }) (auth.User, error) {
	var u auth.User
	var created, updated int64
	if err := row.Scan(&u.ID, &u.Username, &u.Email, &u.EmailVerified, &u.IsAdmin,
		&u.Disabled, &u.PasswordHash, &created, &updated); err != nil {
		return auth.User{}, err
	}
	u.CreatedAt, u.UpdatedAt = fromDB(created), fromDB(updated)
	return u, nil
}

// likeEscaper makes a string match itself literally in a LIKE pattern with
// ESCAPE '\'.
var likeEscaper = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)

func escapeLike(s string) string { return likeEscaper.Replace(s) }
