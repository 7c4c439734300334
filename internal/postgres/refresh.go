package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/bizy-auth/bizy/internal/auth"
)

// SessionByRefresh returns the session whose current refresh hash is hash
// (true), or which rotated hash out earlier (false), whatever the session's
// revoked or expired state; auth.ErrNotFound when no session ever had it.
// One statement reads both tables from one snapshot, so a rotation running
// meanwhile is seen either wholly or not at all.
func (s *store) SessionByRefresh(ctx context.Context, hash []byte) (auth.Session, bool, error) {
	var current bool
	sess, err := scanSession(s.q.QueryRow(ctx, `
		SELECT `+sessionColumns+`, true AS is_current FROM sessions WHERE refresh_hash = $1
		UNION ALL
		SELECT `+sessionColumns+`, false AS is_current FROM sessions
			WHERE id = (SELECT session_id FROM refresh_tokens WHERE hash = $1)
		ORDER BY is_current DESC LIMIT 1`, nonNil(hash)), &current)
	if errors.Is(err, pgx.ErrNoRows) {
		return auth.Session{}, false, auth.ErrNotFound
	}
	if err != nil {
		return auth.Session{}, false, fmt.Errorf("postgres: session by refresh: %w", err)
	}
	return sess, current, nil
}

// RotateRefresh makes newHash the refresh hash of session id and sets its
// refreshed_at to now, if oldHash is still its hash and it is not revoked,
// and records oldHash in refresh_tokens; otherwise auth.ErrNotFound. Both
// writes share one transaction. Of concurrent rotations of one hash exactly
// one succeeds: the others wait on the row lock and then, under READ
// COMMITTED, re-check refresh_hash on the updated row and match nothing. A
// newHash already stored gives an error matching auth.ErrConflict.
func (s *store) RotateRefresh(ctx context.Context, id string, oldHash, newHash []byte, now time.Time) error {
	return s.RotateRefreshSuccessor(ctx, id, oldHash, newHash, nil, now)
}

// RotateRefreshSuccessor is RotateRefresh keeping successor with oldHash's
// record in refresh_tokens.
func (s *store) RotateRefreshSuccessor(ctx context.Context, id string, oldHash, newHash, successor []byte, now time.Time) error {
	return s.withTx(ctx, func(tx *store) error {
		tag, err := tx.q.Exec(ctx, `UPDATE sessions SET refresh_hash = $1, refreshed_at = $2
			WHERE id = $3 AND refresh_hash = $4 AND revoked_at IS NULL`,
			nonNil(newHash), now, id, nonNil(oldHash))
		if isCode(err, codeUniqueViolation) {
			return fmt.Errorf("postgres: rotate refresh: %w", auth.ErrConflict)
		}
		if err != nil {
			return fmt.Errorf("postgres: rotate refresh: %w", err)
		}
		if tag.RowsAffected() == 0 {
			return fmt.Errorf("postgres: rotate refresh of session %q: %w", id, auth.ErrNotFound)
		}
		_, err = tx.q.Exec(ctx, `INSERT INTO refresh_tokens (hash, session_id, rotated_at, successor)
			VALUES ($1, $2, $3, $4)`, nonNil(oldHash), id, now, successor)
		if isCode(err, codeUniqueViolation) {
			return fmt.Errorf("postgres: rotate refresh: %w", auth.ErrConflict)
		}
		if err != nil {
			return fmt.Errorf("postgres: rotate refresh: %w", err)
		}
		return nil
	})
}

// RevokeSession sets revoked_at to now on session id if it has none yet and
// reports whether it did; auth.ErrNotFound for an unknown id.
func (s *store) RevokeSession(ctx context.Context, id string, now time.Time) (bool, error) {
	tag, err := s.q.Exec(ctx, `UPDATE sessions SET revoked_at = $1
		WHERE id = $2 AND revoked_at IS NULL`, now, id)
	if err != nil {
		return false, fmt.Errorf("postgres: revoke session: %w", err)
	}
	if tag.RowsAffected() > 0 {
		return true, nil
	}
	// Nothing changed: already revoked, or no such session.
	var exists bool
	err = s.q.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM sessions WHERE id = $1)`, id).Scan(&exists)
	if err != nil {
		return false, fmt.Errorf("postgres: revoke session: %w", err)
	}
	if !exists {
		return false, fmt.Errorf("postgres: revoke session %q: %w", id, auth.ErrNotFound)
	}
	return false, nil
}

// UserSessions returns userID's sessions that are not revoked and expire
// after now, ordered by created_at then id, both descending. It returns an
// empty, non-nil slice when there are none.
func (s *store) UserSessions(ctx context.Context, userID string, now time.Time) ([]auth.Session, error) {
	rows, err := s.q.Query(ctx, `SELECT `+sessionColumns+` FROM sessions
		WHERE user_id = $1 AND revoked_at IS NULL AND expires_at > $2
		ORDER BY created_at DESC, id DESC`, userID, now)
	if err != nil {
		return nil, fmt.Errorf("postgres: user sessions: %w", err)
	}
	ss, err := collectSessions(rows)
	if err != nil {
		return nil, fmt.Errorf("postgres: user sessions: %w", err)
	}
	return ss, nil
}

// Revocations returns up to limit sessions with revoked_at at or after
// since, ordered by revoked_at then id, and, when afterID is not "", only
// those strictly after (afterAt, afterID) in that order. A limit below 1 is
// an error. It returns an empty, non-nil slice when there are none.
func (s *store) Revocations(ctx context.Context, since, afterAt time.Time, afterID string, limit int) ([]auth.Session, error) {
	if limit < 1 {
		return nil, fmt.Errorf("postgres: revocations: limit %d is below 1", limit)
	}
	// Sessions of deleted users live on in session_tombstones (see
	// DeleteUser); a session id is in one table or the other, never both.
	q := `SELECT ` + sessionColumns + ` FROM (
		SELECT ` + sessionColumns + ` FROM sessions WHERE revoked_at IS NOT NULL
		UNION ALL SELECT ` + sessionColumns + ` FROM session_tombstones) AS r
		WHERE revoked_at >= $1`
	args := []any{since}
	if afterID != "" {
		// A row comparison is lexicographic and can use the (revoked_at, id)
		// index; id compares byte-wise (COLLATE "C"), as on SQLite.
		q += ` AND (revoked_at, id) > ($2, $3)`
		args = append(args, afterAt, afterID)
	}
	q += fmt.Sprintf(` ORDER BY revoked_at, id LIMIT $%d`, len(args)+1)
	rows, err := s.q.Query(ctx, q, append(args, limit)...)
	if err != nil {
		return nil, fmt.Errorf("postgres: revocations: %w", err)
	}
	ss, err := collectSessions(rows)
	if err != nil {
		return nil, fmt.Errorf("postgres: revocations: %w", err)
	}
	return ss, nil
}

// collectSessions scans every row of rows, made of sessionColumns, and
// closes rows.
func collectSessions(rows pgx.Rows) ([]auth.Session, error) {
	defer rows.Close()
	ss := []auth.Session{}
	for rows.Next() {
		sess, err := scanSession(rows)
		if err != nil {
			return nil, err
		}
		ss = append(ss, sess)
	}
	return ss, rows.Err()
}

// RotatedRefresh returns the record of hash in refresh_tokens;
// auth.ErrNotFound when hash was never rotated out.
func (s *store) RotatedRefresh(ctx context.Context, hash []byte) (auth.RotatedRefresh, error) {
	var r auth.RotatedRefresh
	err := s.q.QueryRow(ctx, `SELECT session_id, rotated_at, successor FROM refresh_tokens WHERE hash = $1`,
		nonNil(hash)).Scan(&r.SessionID, &r.RotatedAt, &r.Successor)
	if errors.Is(err, pgx.ErrNoRows) {
		return auth.RotatedRefresh{}, auth.ErrNotFound
	}
	if err != nil {
		return auth.RotatedRefresh{}, fmt.Errorf("postgres: rotated refresh: %w", err)
	}
	r.RotatedAt = r.RotatedAt.UTC()
	return r, nil
}
