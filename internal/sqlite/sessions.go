package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/bizy-auth/bizy/internal/auth"
)

// CreateSession inserts sess. A session id or refresh hash already stored
// gives an error matching auth.ErrConflict; an unknown user one matching
// auth.ErrNotFound.
func (s *store) CreateSession(ctx context.Context, sess auth.Session) error {
	_, err := s.write.ExecContext(ctx, `INSERT INTO sessions (id, user_id, refresh_hash,
		created_at, refreshed_at, expires_at, revoked_at, ip, user_agent)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		sess.ID, sess.UserID, nonNil(sess.RefreshHash), toDB(sess.CreatedAt),
		toDB(sess.RefreshedAt), toDB(sess.ExpiresAt), toNullDB(sess.RevokedAt),
		sess.IP, sess.UserAgent)
	switch {
	case isUnique(err):
		return fmt.Errorf("sqlite: create session: %w", auth.ErrConflict)
	case isForeignKey(err):
		return fmt.Errorf("sqlite: create session: user %q: %w", sess.UserID, auth.ErrNotFound)
	case err != nil:
		return fmt.Errorf("sqlite: create session: %w", err)
	}
	return nil
}

// Session returns the session with id, or auth.ErrNotFound.
func (s *store) Session(ctx context.Context, id string) (auth.Session, error) {
	sess, err := scanSession(s.read.QueryRowContext(ctx,
		`SELECT `+sessionColumns+` FROM sessions WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return auth.Session{}, auth.ErrNotFound
	}
	if err != nil {
		return auth.Session{}, fmt.Errorf("sqlite: session: %w", err)
	}
	return sess, nil
}

// sessionColumns are the columns scanSession reads, in its order.
const sessionColumns = `id, user_id, refresh_hash, created_at, refreshed_at,
	expires_at, revoked_at, ip, user_agent`

// scanSession reads the sessionColumns of one row, followed by extra
// destinations if any, and converts the stored times.
func scanSession(row interface{ Scan(...any) error }, extra ...any) (auth.Session, error) {
	var sess auth.Session
	var created, refreshed, expires int64
	var revoked sql.NullInt64
	dest := append([]any{&sess.ID, &sess.UserID, &sess.RefreshHash, &created, &refreshed,
		&expires, &revoked, &sess.IP, &sess.UserAgent}, extra...)
	if err := row.Scan(dest...); err != nil {
		return auth.Session{}, err
	}
	sess.CreatedAt, sess.RefreshedAt, sess.ExpiresAt = fromDB(created), fromDB(refreshed), fromDB(expires)
	sess.RevokedAt = fromNullDB(revoked)
	return sess, nil
}

// RevokeUserSessions sets revoked_at to now on every session of userID that
// has none yet, except the one with id except (which may be ""), and returns
// how many it revoked. An unknown user revokes nothing.
func (s *store) RevokeUserSessions(ctx context.Context, userID, except string, now time.Time) (int, error) {
	res, err := s.write.ExecContext(ctx, `UPDATE sessions SET revoked_at = ?
		WHERE user_id = ? AND revoked_at IS NULL AND id <> ?`, toDB(now), userID, except)
	if err != nil {
		return 0, fmt.Errorf("sqlite: revoke user sessions: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("sqlite: revoke user sessions: %w", err)
	}
	return int(n), nil
}
