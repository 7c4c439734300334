package postgres

import (
	"context"
	"fmt"
	"strings"
	"time"

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
	var q string
	var args []any
	if f.Query != "" {
		// username_lower and email are stored lower-cased, so lowering the
		// pattern makes the case-sensitive LIKE ignore case. Which plan
		// serves the term is chosen in usersearch.go.
		term := strings.ToLower(f.Query)
		st, err := s.db.search.get(ctx, s.q, time.Now())
		if err != nil {
			return nil, false, err
		}
		args = append(args, "%"+escapeLike(term)+"%", f.Limit+1)
		if f.After != "" {
			args = append(args, f.After)
		}
		q = searchSQL(st.plan(term, s.db.search.forceTrigram), f.After != "")
	} else {
		q = `SELECT ` + userColumns + ` FROM users`
		if f.After != "" {
			args = append(args, f.After)
			q += ` WHERE id < $1`
		}
		// id compares byte-wise (COLLATE "C"), as on SQLite.
		args = append(args, f.Limit+1)
		q += fmt.Sprintf(" ORDER BY id DESC LIMIT $%d", len(args))
	}
	// Either way one row more than asked tells whether a next page exists.
	rows, err := s.q.Query(ctx, q, args...)
	if err != nil {
		return nil, false, fmt.Errorf("postgres: list users: %w", err)
	}
	defer rows.Close()
	users := []auth.User{}
	for rows.Next() {
		var u auth.User
		if err := rows.Scan(&u.ID, &u.Username, &u.Email, &u.EmailVerified, &u.IsAdmin,
			&u.Disabled, &u.PasswordHash, &u.CreatedAt, &u.UpdatedAt); err != nil {
			return nil, false, fmt.Errorf("postgres: list users: %w", err)
		}
		u.CreatedAt, u.UpdatedAt = utc(u.CreatedAt), utc(u.UpdatedAt)
		users = append(users, u)
	}
	if err := rows.Err(); err != nil {
		return nil, false, fmt.Errorf("postgres: list users: %w", err)
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
		if _, err := s.q.Exec(ctx, `INSERT INTO session_tombstones (`+sessionColumns+`)
			SELECT `+sessionColumns+` FROM sessions WHERE user_id = $1 AND revoked_at IS NOT NULL`, id); err != nil {
			return fmt.Errorf("postgres: delete user: %w", err)
		}
		tag, err := s.q.Exec(ctx, `DELETE FROM users WHERE id = $1`, id)
		if err != nil {
			return fmt.Errorf("postgres: delete user: %w", err)
		}
		if tag.RowsAffected() == 0 {
			return auth.ErrNotFound
		}
		return nil
	})
}

// likeEscaper makes a string match itself literally in a LIKE pattern with
// ESCAPE '\'.
var likeEscaper = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)

func escapeLike(s string) string { return likeEscaper.Replace(s) }
