package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/bizy-auth/bizy/internal/auth"
)

// SetSessionCookie records cookieHash as the page cookie of session id.
// auth.ErrNotFound for an unknown id; an error matching auth.ErrConflict
// when another session has that hash.
func (s *store) SetSessionCookie(ctx context.Context, id string, cookieHash []byte) error {
	tag, err := s.q.Exec(ctx, `UPDATE sessions SET cookie_hash = $1 WHERE id = $2`, nonNil(cookieHash), id)
	if isCode(err, codeUniqueViolation) {
		return fmt.Errorf("postgres: set session cookie: %w", auth.ErrConflict)
	}
	if err != nil {
		return fmt.Errorf("postgres: set session cookie: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return auth.ErrNotFound
	}
	return nil
}

// SessionByCookie returns the session whose cookie hashes to cookieHash,
// or auth.ErrNotFound.
func (s *store) SessionByCookie(ctx context.Context, cookieHash []byte) (auth.Session, error) {
	sess, err := scanSession(s.q.QueryRow(ctx,
		`SELECT `+sessionColumns+` FROM sessions WHERE cookie_hash = $1`, nonNil(cookieHash)))
	if errors.Is(err, pgx.ErrNoRows) {
		return auth.Session{}, auth.ErrNotFound
	}
	if err != nil {
		return auth.Session{}, fmt.Errorf("postgres: session by cookie: %w", err)
	}
	return sess, nil
}

// CountEventsByHour counts the events of each of types created in
// [since, until), per UTC hour, ordered by hour then type. The hour is
// taken from the epoch, so the session's time zone plays no part.
func (s *store) CountEventsByHour(ctx context.Context, types []string, since, until time.Time) ([]auth.HourCount, error) {
	if len(types) == 0 {
		return nil, nil
	}
	rows, err := s.q.Query(ctx, `SELECT floor(extract(epoch FROM created_at) / 3600)::bigint AS hour, type, count(*)
		FROM events WHERE created_at >= $1 AND created_at < $2 AND type = ANY($3)
		GROUP BY hour, type ORDER BY hour, type`, since, until, types)
	if err != nil {
		return nil, fmt.Errorf("postgres: count events by hour: %w", err)
	}
	defer rows.Close()
	var out []auth.HourCount
	for rows.Next() {
		var hour int64
		var c auth.HourCount
		if err := rows.Scan(&hour, &c.Type, &c.Count); err != nil {
			return nil, fmt.Errorf("postgres: count events by hour: %w", err)
		}
		c.Hour = time.Unix(hour*3600, 0).UTC()
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("postgres: count events by hour: %w", err)
	}
	return out, nil
}
