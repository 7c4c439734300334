package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// AddLoginFailure counts one more failure for name and returns the new count.
// A lock that ended at or before now is cleared first, so the count restarts
// at one. One upsert does it, so concurrent failures never lose a count.
func (s *store) AddLoginFailure(ctx context.Context, name string, now time.Time) (int, error) {
	var n int
	err := s.q.QueryRow(ctx, `INSERT INTO login_failures AS f (name, count) VALUES ($1, 1)
		ON CONFLICT (name) DO UPDATE SET
			count = CASE WHEN f.locked_until <= $2 THEN 1 ELSE f.count + 1 END,
			locked_until = CASE WHEN f.locked_until <= $2 THEN NULL ELSE f.locked_until END
		RETURNING count`, name, now).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("postgres: add login failure: %w", err)
	}
	return n, nil
}

// LockLogin locks name until until and resets its count to zero.
func (s *store) LockLogin(ctx context.Context, name string, until time.Time) error {
	_, err := s.q.Exec(ctx, `INSERT INTO login_failures (name, count, locked_until)
		VALUES ($1, 0, $2)
		ON CONFLICT (name) DO UPDATE SET count = 0, locked_until = EXCLUDED.locked_until`,
		name, nullTime(until))
	if err != nil {
		return fmt.Errorf("postgres: lock login: %w", err)
	}
	return nil
}

// LoginLockedUntil returns the end of name's lock as stored (possibly in the
// past), or the zero time when name has no lock.
func (s *store) LoginLockedUntil(ctx context.Context, name string) (time.Time, error) {
	var until *time.Time
	err := s.q.QueryRow(ctx, `SELECT locked_until FROM login_failures WHERE name = $1`, name).Scan(&until)
	if errors.Is(err, pgx.ErrNoRows) {
		return time.Time{}, nil
	}
	if err != nil {
		return time.Time{}, fmt.Errorf("postgres: login locked until: %w", err)
	}
	return fromNullTime(until), nil
}

// ClearLoginFailures forgets name's count and lock. An unknown name is not an
// error.
func (s *store) ClearLoginFailures(ctx context.Context, name string) error {
	if _, err := s.q.Exec(ctx, `DELETE FROM login_failures WHERE name = $1`, name); err != nil {
		return fmt.Errorf("postgres: clear login failures: %w", err)
	}
	return nil
}
