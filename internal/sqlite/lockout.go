package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/bizy-auth/bizy/internal/auth"
)

// LockoutRows returns subject's rows for ips, creating absent ones empty.
// SQLite's single writer already serialises every transaction, so the
// rows need no lock of their own.
func (s *store) LockoutRows(ctx context.Context, subject string, ips []string) ([]auth.LockoutRow, error) {
	rows := make([]auth.LockoutRow, 0, len(ips))
	for _, ip := range ips {
		r := auth.LockoutRow{Subject: subject, IP: ip}
		var windowStart, lockedUntil, pendingUntil sql.NullInt64
		var expires int64
		err := s.write.QueryRowContext(ctx, `INSERT INTO login_attempts (subject, ip) VALUES (?1, ?2)
			ON CONFLICT (subject, ip) DO UPDATE SET subject = excluded.subject
			RETURNING failures, window_start, locked_until, pending, pending_until, expires_at`,
			subject, ip).Scan(&r.Failures, &windowStart, &lockedUntil, &r.Pending, &pendingUntil, &expires)
		if err != nil {
			return nil, fmt.Errorf("sqlite: lockout rows: %w", err)
		}
		r.WindowStart, r.LockedUntil, r.PendingUntil = fromNullDB(windowStart), fromNullDB(lockedUntil), fromNullDB(pendingUntil)
		if expires != 0 {
			r.ExpiresAt = fromDB(expires)
		}
		rows = append(rows, r)
	}
	return rows, nil
}

// PutLockoutRow writes r over its row.
func (s *store) PutLockoutRow(ctx context.Context, r auth.LockoutRow) error {
	_, err := s.write.ExecContext(ctx, `INSERT INTO login_attempts
			(subject, ip, failures, window_start, locked_until, pending, pending_until, expires_at)
		VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
		ON CONFLICT (subject, ip) DO UPDATE SET failures = ?3, window_start = ?4, locked_until = ?5,
			pending = ?6, pending_until = ?7, expires_at = ?8`,
		r.Subject, r.IP, r.Failures, toNullDB(r.WindowStart), toNullDB(r.LockedUntil), r.Pending,
		toNullDB(r.PendingUntil), toDB(r.ExpiresAt))
	if err != nil {
		return fmt.Errorf("sqlite: put lockout row: %w", err)
	}
	return nil
}

// ClearLockout deletes every row of subject.
func (s *store) ClearLockout(ctx context.Context, subject string) error {
	if _, err := s.write.ExecContext(ctx, `DELETE FROM login_attempts WHERE subject = ?`, subject); err != nil {
		return fmt.Errorf("sqlite: clear lockout: %w", err)
	}
	return nil
}

// LockoutLockedUntil returns the latest lock end of subject's rows.
func (s *store) LockoutLockedUntil(ctx context.Context, subject string) (time.Time, error) {
	var until sql.NullInt64
	err := s.read.QueryRowContext(ctx,
		`SELECT MAX(locked_until) FROM login_attempts WHERE subject = ?`, subject).Scan(&until)
	if err != nil {
		return time.Time{}, fmt.Errorf("sqlite: lockout locked until: %w", err)
	}
	return fromNullDB(until), nil
}
