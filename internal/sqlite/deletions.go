package sqlite

import (
	"context"
	"fmt"
	"time"

	"github.com/bizy-auth/bizy/internal/auth"
)

// RecordUserDeletion notes that user id was deleted at; recording it again
// keeps the first time.
func (s *store) RecordUserDeletion(ctx context.Context, id string, at time.Time) error {
	_, err := s.write.ExecContext(ctx, `INSERT INTO user_deletions (user_id, deleted_at) VALUES (?, ?)
		ON CONFLICT (user_id) DO NOTHING`, id, toDB(at))
	if err != nil {
		return fmt.Errorf("sqlite: record user deletion: %w", err)
	}
	return nil
}

// UserDeletions returns up to limit deletions at or after since, ordered by
// (deleted_at, user_id), strictly after (afterAt, afterID) when afterID is
// not "".
func (s *store) UserDeletions(ctx context.Context, since, afterAt time.Time, afterID string, limit int) ([]auth.UserDeletion, error) {
	if limit < 1 {
		return nil, fmt.Errorf("sqlite: user deletions: limit %d is below 1", limit)
	}
	q := `SELECT user_id, deleted_at FROM user_deletions WHERE deleted_at >= ?`
	args := []any{toDB(since)}
	if afterID != "" {
		q += ` AND (deleted_at, user_id) > (?, ?)`
		args = append(args, toDB(afterAt), afterID)
	}
	rows, err := s.read.QueryContext(ctx, q+` ORDER BY deleted_at, user_id LIMIT ?`, append(args, limit)...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: user deletions: %w", err)
	}
	defer rows.Close()
	out := []auth.UserDeletion{}
	for rows.Next() {
		var d auth.UserDeletion
		var at int64
		if err := rows.Scan(&d.UserID, &at); err != nil {
			return nil, fmt.Errorf("sqlite: user deletions: %w", err)
		}
		d.At = fromDB(at)
		out = append(out, d)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: user deletions: %w", err)
	}
	return out, nil
}
