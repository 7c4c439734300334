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

// SetSessionCookie records cookieHash as the page cookie of session id.
// auth.ErrNotFound for an unknown id; an error matching auth.ErrConflict
// when another session has that hash.
func (s *store) SetSessionCookie(ctx context.Context, id string, cookieHash []byte) error {
	res, err := s.write.ExecContext(ctx, `UPDATE sessions SET cookie_hash = ? WHERE id = ?`, nonNil(cookieHash), id)
	if isUnique(err) {
		return fmt.Errorf("sqlite: set session cookie: %w", auth.ErrConflict)
	}
	if err != nil {
		return fmt.Errorf("sqlite: set session cookie: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("sqlite: set session cookie: %w", err)
	} else if n == 0 {
		return auth.ErrNotFound
	}
	return nil
}

// SessionByCookie returns the session whose cookie hashes to cookieHash,
// or auth.ErrNotFound.
func (s *store) SessionByCookie(ctx context.Context, cookieHash []byte) (auth.Session, error) {
	sess, err := scanSession(s.read.QueryRowContext(ctx,
		`SELECT `+sessionColumns+` FROM sessions WHERE cookie_hash = ?`, nonNil(cookieHash)))
	if errors.Is(err, sql.ErrNoRows) {
		return auth.Session{}, auth.ErrNotFound
	}
	if err != nil {
		return auth.Session{}, fmt.Errorf("sqlite: session by cookie: %w", err)
	}
	return sess, nil
}

// usPerHour is an hour in the unit of the stored times.
const usPerHour = int64(time.Hour / time.Microsecond)

// CountEventsByHour counts the events of each of types created in
// [since, until), per UTC hour, ordered by hour then type.
func (s *store) CountEventsByHour(ctx context.Context, types []string, since, until time.Time) ([]auth.HourCount, error) {
	if len(types) == 0 {
		return nil, nil
	}
	args := []any{usPerHour, toDB(since), toDB(until)}
	for _, t := range types {
		args = append(args, t)
	}
	rows, err := s.read.QueryContext(ctx, `SELECT created_at / ?1 AS hour, type, count(*) FROM events
		WHERE created_at >= ?2 AND created_at < ?3 AND type IN (?`+strings.Repeat(", ?", len(types)-1)+`)
		GROUP BY hour, type ORDER BY hour, type`, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: count events by hour: %w", err)
	}
	defer rows.Close()
	var out []auth.HourCount
	for rows.Next() {
		var hour int64
		var c auth.HourCount
		if err := rows.Scan(&hour, &c.Type, &c.Count); err != nil {
			return nil, fmt.Errorf("sqlite: count events by hour: %w", err)
		}
		c.Hour = fromDB(hour * usPerHour)
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: count events by hour: %w", err)
	}
	return out, nil
}
