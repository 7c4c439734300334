package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/bizy-auth/bizy/internal/auth"
)

// SessionByRefresh returns the session whose current refresh hash is hash
// (true), or which rotated hash out earlier (false), whatever the session's
// revoked or expired state; auth.ErrNotFound when no session ever had it.
// One statement reads both tables, so a rotation running meanwhile is seen
// either wholly or not at all.
func (s *store) SessionByRefresh(ctx context.Context, hash []byte) (auth.Session, bool, error) {
	var current bool
	sess, err := scanSession(s.read.QueryRowContext(ctx, `
		SELECT `+sessionColumns+`, 1 AS is_current FROM sessions WHERE refresh_hash = ?1
		UNION ALL
		SELECT `+sessionColumns+`, 0 AS is_current FROM sessions
			WHERE id = (SELECT session_id FROM refresh_tokens WHERE hash = ?1)
		ORDER BY is_current DESC LIMIT 1`, nonNil(hash)), &current)
	if errors.Is(err, sql.ErrNoRows) {
		return auth.Session{}, false, auth.ErrNotFound
	}
	if err != nil {
		return auth.Session{}, false, fmt.Errorf("sqlite: session by refresh: %w", err)
	}
	return sess, current, nil
}

// RotateRefresh makes newHash the refresh hash of session id and sets its
// refreshed_at to now, if oldHash is still its hash and it is not revoked,
// and records oldHash in refresh_tokens; otherwise auth.ErrNotFound. Both
// writes share one transaction, and SQLite has one writer at a time, so of
// concurrent rotations of one hash exactly one succeeds. A newHash already
// stored gives an error matching auth.ErrConflict.
func (s *store) RotateRefresh(ctx context.Context, id string, oldHash, newHash []byte, now time.Time) error {
	return s.RotateRefreshSuccessor(ctx, id, oldHash, newHash, nil, now)
}

// RotateRefreshSuccessor is RotateRefresh keeping successor with oldHash's
// record in refresh_tokens.
func (s *store) RotateRefreshSuccessor(ctx context.Context, id string, oldHash, newHash, successor []byte, now time.Time) error {
	return s.withTx(ctx, func(tx *store) error {
		res, err := tx.write.ExecContext(ctx, `UPDATE sessions SET refresh_hash = ?, refreshed_at = ?
			WHERE id = ? AND refresh_hash = ? AND revoked_at IS NULL`,
			nonNil(newHash), toDB(now), id, nonNil(oldHash))
		if isUnique(err) {
			return fmt.Errorf("sqlite: rotate refresh: %w", auth.ErrConflict)
		}
		if err != nil {
			return fmt.Errorf("sqlite: rotate refresh: %w", err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return fmt.Errorf("sqlite: rotate refresh: %w", err)
		}
		if n == 0 {
			return fmt.Errorf("sqlite: rotate refresh of session %q: %w", id, auth.ErrNotFound)
		}
		_, err = tx.write.ExecContext(ctx, `INSERT INTO refresh_tokens (hash, session_id, rotated_at, successor)
			VALUES (?, ?, ?, ?)`, nonNil(oldHash), id, toDB(now), successor)
		if isUnique(err) {
			return fmt.Errorf("sqlite: rotate refresh: %w", auth.ErrConflict)
		}
		if err != nil {
			return fmt.Errorf("sqlite: rotate refresh: %w", err)
		}
		return nil
	})
}

// RevokeSession sets revoked_at to now on session id if it has none yet and
// reports whether it did; auth.ErrNotFound for an unknown id.
func (s *store) RevokeSession(ctx context.Context, id string, now time.Time) (bool, error) {
	res, err := s.write.ExecContext(ctx, `UPDATE sessions SET revoked_at = ?
		WHERE id = ? AND revoked_at IS NULL`, toDB(now), id)
	if err != nil {
		return false, fmt.Errorf("sqlite: revoke session: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("sqlite: revoke session: %w", err)
	}
	if n > 0 {
		return true, nil
	}
	// Nothing changed: already revoked, or no such session. Ask the writer,
	// which has seen the UPDATE's view (and is the transaction inside Tx).
	err = s.write.QueryRowContext(ctx, `SELECT 1 FROM sessions WHERE id = ?`, id).Scan(new(int))
	if errors.Is(err, sql.ErrNoRows) {
		return false, fmt.Errorf("sqlite: revoke session %q: %w", id, auth.ErrNotFound)
	}
	if err != nil {
		return false, fmt.Errorf("sqlite: revoke session: %w", err)
	}
	return false, nil
}

// UserSessions returns userID's sessions that are not revoked and expire
// after now, ordered by created_at then id, both descending. It returns an
// empty, non-nil slice when there are none.
func (s *store) UserSessions(ctx context.Context, userID string, now time.Time) ([]auth.Session, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT `+sessionColumns+` FROM sessions
		WHERE user_id = ? AND revoked_at IS NULL AND expires_at > ?
		ORDER BY created_at DESC, id DESC`, userID, toDB(now))
	if err != nil {
		return nil, fmt.Errorf("sqlite: user sessions: %w", err)
	}
	ss, err := collectSessions(rows)
	if err != nil {
		return nil, fmt.Errorf("sqlite: user sessions: %w", err)
	}
	return ss, nil
}

// Revocations returns up to limit sessions with revoked_at at or after
// since, ordered by revoked_at then id, and, when afterID is not "", only
// those strictly after (afterAt, afterID) in that order. A limit below 1 is
// an error. It returns an empty, non-nil slice when there are none.
func (s *store) Revocations(ctx context.Context, since, afterAt time.Time, afterID string, limit int) ([]auth.Session, error) {
	if limit < 1 {
		return nil, fmt.Errorf("sqlite: revocations: limit %d is below 1", limit)
	}
	// Sessions of deleted users live on in session_tombstones (see
	// DeleteUser); a session id is in one table or the other, never both.
	q := `SELECT ` + sessionColumns + ` FROM (
		SELECT ` + sessionColumns + ` FROM sessions WHERE revoked_at IS NOT NULL
		UNION ALL SELECT ` + sessionColumns + ` FROM session_tombstones)
		WHERE revoked_at >= ?`
	args := []any{toDB(since)}
	if afterID != "" {
		// Row values compare lexicographically, and SQLite can use the
		// (revoked_at, id) index for them.
		q += ` AND (revoked_at, id) > (?, ?)`
		args = append(args, toDB(afterAt), afterID)
	}
	q += ` ORDER BY revoked_at, id LIMIT ?`
	rows, err := s.read.QueryContext(ctx, q, append(args, limit)...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: revocations: %w", err)
	}
	ss, err := collectSessions(rows)
	if err != nil {
		return nil, fmt.Errorf("sqlite: revocations: %w", err)
	}
	return ss, nil
}

// collectSessions scans every row of rows, made of sessionColumns, and
// closes rows.
func collectSessions(rows *sql.Rows) ([]auth.Session, error) {
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
	var (
		r  auth.RotatedRefresh
		at int64
	)
	err := s.read.QueryRowContext(ctx, `SELECT session_id, rotated_at, successor FROM refresh_tokens WHERE hash = ?`,
		nonNil(hash)).Scan(&r.SessionID, &at, &r.Successor)
	if errors.Is(err, sql.ErrNoRows) {
		return auth.RotatedRefresh{}, auth.ErrNotFound
	}
	if err != nil {
		return auth.RotatedRefresh{}, fmt.Errorf("sqlite: rotated refresh: %w", err)
	}
	r.RotatedAt = fromDB(at)
	return r, nil
}
