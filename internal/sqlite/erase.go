package sqlite

import (
	"context"
	"fmt"
	"time"

	"github.com/bizy-auth/bizy/internal/tasks"
)

// EraseUser deletes userID's tasks and goals and, unless it was recorded
// before, records the erasure at now, in one transaction.
func (s *taskStore) EraseUser(ctx context.Context, userID string, now time.Time) (tasks.Erasure, error) {
	var e tasks.Erasure
	err := s.base().withTx(ctx, func(s *store) error {
		n, err := rowsChanged(ctx, s.write, `INSERT INTO erased_users (user_id, erased_at) VALUES (?, ?)
			ON CONFLICT (user_id) DO NOTHING`, userID, toDB(now))
		if err != nil {
			return err
		}
		e.Done = n == 1
		if e.Tasks, err = rowsChanged(ctx, s.write, `DELETE FROM tasks WHERE user_id = ?`, userID); err != nil {
			return err // tasks first: they refer to goals
		}
		e.Goals, err = rowsChanged(ctx, s.write, `DELETE FROM goals WHERE user_id = ?`, userID)
		return err
	})
	if err != nil {
		return tasks.Erasure{}, fmt.Errorf("sqlite: erase user: %w", err)
	}
	return e, nil
}

// rowsChanged runs a statement and returns how many rows it changed.
func rowsChanged(ctx context.Context, q querier, query string, args ...any) (int, error) {
	res, err := q.ExecContext(ctx, query, args...)
	if err != nil {
		return 0, err
	}
	n, err := res.RowsAffected()
	return int(n), err
}
