package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/bizy-auth/bizy/internal/auth"
)

// CreateSession inserts sess. A session id or refresh hash already stored
// gives an error matching auth.ErrConflict; an unknown user one matching
// auth.ErrNotFound.
func (s *store) CreateSession(ctx context.Context, sess auth.Session) error {
	_, err := s.q.Exec(ctx, `INSERT INTO sessions (id, user_id, refresh_hash,
		created_at, refreshed_at, expires_at, revoked_at, ip, user_agent)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
		sess.ID, sess.UserID, nonNil(sess.RefreshHash), sess.CreatedAt,
		sess.RefreshedAt, sess.ExpiresAt, nullTime(sess.RevokedAt), sess.IP, sess.UserAgent)
	switch {
	case isCode(err, codeUniqueViolation):
		return fmt.Errorf("postgres: create session: %w", auth.ErrConflict)
	case isCode(err, codeForeignKeyViolation):
		return fmt.Errorf("postgres: create session: user %q: %w", sess.UserID, auth.ErrNotFound)
	case err != nil:
		return fmt.Errorf("postgres: create session: %w", err)
	}
	return nil
}

// Session returns the session with id, or auth.ErrNotFound.
func (s *store) Session(ctx context.Context, id string) (auth.Session, error) {
	sess, err := scanSession(s.q.QueryRow(ctx,
		`SELECT `+sessionColumns+` FROM sessions WHERE id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return auth.Session{}, auth.ErrNotFound
	}
	if err != nil {
		return auth.Session{}, fmt.Errorf("postgres: session: %w", err)
	}
	return sess, nil
}

// sessionColumns are the columns scanSession reads, in its order.
const sessionColumns = `id, user_id, refresh_hash, created_at, refreshed_at,
	expires_at, revoked_at, ip, user_agent`

// scanSession reads the sessionColumns of one row, followed by extra
// destinations if any, and returns the times in UTC.
func scanSession(row pgx.Row, extra ...any) (auth.Session, error) {
	var sess auth.Session
	var revoked *time.Time
	dest := append([]any{&sess.ID, &sess.UserID, &sess.RefreshHash, &sess.CreatedAt,
		&sess.RefreshedAt, &sess.ExpiresAt, &revoked, &sess.IP, &sess.UserAgent}, extra...)
	if err := row.Scan(dest...); err != nil {
		return auth.Session{}, err
	}
	sess.CreatedAt, sess.RefreshedAt, sess.ExpiresAt = utc(sess.CreatedAt), utc(sess.RefreshedAt), utc(sess.ExpiresAt)
	sess.RevokedAt = fromNullTime(revoked)
	return sess, nil
}

// RevokeUserSessions sets revoked_at to now on every session of userID that
// has none yet, except the one with id except (which may be ""), and returns
// how many it revoked. An unknown user revokes nothing.
func (s *store) RevokeUserSessions(ctx context.Context, userID, except string, now time.Time) (int, error) {
	tag, err := s.q.Exec(ctx, `UPDATE sessions SET revoked_at = $1
		WHERE user_id = $2 AND revoked_at IS NULL AND id <> $3`, now, userID, except)
	if err != nil {
		return 0, fmt.Errorf("postgres: revoke user sessions: %w", err)
	}
	return int(tag.RowsAffected()), nil
}
