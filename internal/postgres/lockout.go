package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/bizy-auth/bizy/internal/auth"
)

// LockoutRows returns subject's rows for ips, creating absent ones empty
// and locking each FOR UPDATE until the transaction ends. The insert
// comes first so that two transactions can't both find no row and both
// write one; rows are locked in the order of ips.
func (s *store) LockoutRows(ctx context.Context, subject string, ips []string) ([]auth.LockoutRow, error) {
	rows := make([]auth.LockoutRow, 0, len(ips))
	for _, ip := range ips {
		r := auth.LockoutRow{Subject: subject, IP: ip}
		if _, err := s.q.Exec(ctx, `INSERT INTO login_attempts (subject, ip) VALUES ($1, $2)
			ON CONFLICT (subject, ip) DO NOTHING`, subject, ip); err != nil {
			return nil, fmt.Errorf("postgres: lockout rows: %w", err)
		}
		var windowStart, lockedUntil, pendingUntil *time.Time
		err := s.q.QueryRow(ctx, `SELECT failures, window_start, locked_until, pending, pending_until, expires_at
			FROM login_attempts WHERE subject = $1 AND ip = $2 FOR UPDATE`, subject, ip).
			Scan(&r.Failures, &windowStart, &lockedUntil, &r.Pending, &pendingUntil, &r.ExpiresAt)
		if err != nil {
			return nil, fmt.Errorf("postgres: lockout rows: %w", err)
		}
		r.WindowStart, r.LockedUntil, r.PendingUntil = fromNullTime(windowStart), fromNullTime(lockedUntil), fromNullTime(pendingUntil)
		if r.ExpiresAt.Unix() == 0 {
			r.ExpiresAt = time.Time{}
		} else {
			r.ExpiresAt = r.ExpiresAt.UTC()
		}
		rows = append(rows, r)
	}
	return rows, nil
}

// PutLockoutRow writes r over its row.
func (s *store) PutLockoutRow(ctx context.Context, r auth.LockoutRow) error {
	expires := r.ExpiresAt
	if expires.IsZero() {
		expires = time.Unix(0, 0)
	}
	_, err := s.q.Exec(ctx, `INSERT INTO login_attempts
			(subject, ip, failures, window_start, locked_until, pending, pending_until, expires_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
		ON CONFLICT (subject, ip) DO UPDATE SET failures = $3, window_start = $4, locked_until = $5,
			pending = $6, pending_until = $7, expires_at = $8`,
		r.Subject, r.IP, r.Failures, nullTime(r.WindowStart), nullTime(r.LockedUntil), r.Pending,
		nullTime(r.PendingUntil), expires)
	if err != nil {
		return fmt.Errorf("postgres: put lockout row: %w", err)
	}
	return nil
}

// ClearLockout deletes every row of subject. It locks them in the order
// LockoutRows does (by ip, "" first), so it can't deadlock with a login
// holding one of them.
func (s *store) ClearLockout(ctx context.Context, subject string) error {
	return s.withTx(ctx, func(s *store) error {
		if _, err := s.q.Exec(ctx, `SELECT 1 FROM login_attempts WHERE subject = $1 ORDER BY ip FOR UPDATE`, subject); err != nil {
			return fmt.Errorf("postgres: clear lockout: %w", err)
		}
		if _, err := s.q.Exec(ctx, `DELETE FROM login_attempts WHERE subject = $1`, subject); err != nil {
			return fmt.Errorf("postgres: clear lockout: %w", err)
		}
		return nil
	})
}

// LockoutLockedUntil returns the latest lock end of subject's rows.
func (s *store) LockoutLockedUntil(ctx context.Context, subject string) (time.Time, error) {
	var until *time.Time
	err := s.q.QueryRow(ctx, `SELECT MAX(locked_until) FROM login_attempts WHERE subject = $1`, subject).Scan(&until)
	if err != nil {
		return time.Time{}, fmt.Errorf("postgres: lockout locked until: %w", err)
	}
	return fromNullTime(until), nil
}
