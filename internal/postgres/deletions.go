package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/bizy-auth/bizy/internal/auth"
)

// RecordUserDeletion notes that user id was deleted at; recording it again
// keeps the first time.
func (s *store) RecordUserDeletion(ctx context.Context, id string, at time.Time) error {
	_, err := s.q.Exec(ctx, `INSERT INTO user_deletions (user_id, deleted_at) VALUES ($1, $2)
		ON CONFLICT (user_id) DO NOTHING`, id, at)
	if err != nil {
		return fmt.Errorf("postgres: record user deletion: %w", err)
	}
	return nil
}

// UserDeletions returns up to limit deletions at or after since, ordered by
// (deleted_at, user_id), strictly after (afterAt, afterID) when afterID is
// not "".
func (s *store) UserDeletions(ctx context.Context, since, afterAt time.Time, afterID string, limit int) ([]auth.UserDeletion, error) {
	if limit < 1 {
		return nil, fmt.Errorf("postgres: user deletions: limit %d is below 1", limit)
	}
	q := `SELECT user_id, deleted_at FROM user_deletions WHERE deleted_at >= $1`
	args := []any{since}
	if afterID != "" {
		q += ` AND (deleted_at, user_id) > ($2, $3)`
		args = append(args, afterAt, afterID)
	}
	q += fmt.Sprintf(` ORDER BY deleted_at, user_id LIMIT $%d`, len(args)+1)
	rows, err := s.q.Query(ctx, q, append(args, limit)...)
	if err != nil {
		return nil, fmt.Errorf("postgres: user deletions: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (auth.UserDeletion, error) {
		var d auth.UserDeletion
		err := row.Scan(&d.UserID, &d.At)
		d.At = utc(d.At)
		return d, err
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: user deletions: %w", err)
	}
	if out == nil {
		out = []auth.UserDeletion{}
	}
	return out, nil
}
