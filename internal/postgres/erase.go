package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/bizy-auth/bizy/internal/tasks"
)

// EraseUser deletes userID's tasks and goals and, unless it was recorded
// before, records the erasure at now, in one transaction. Of two copies
// erasing at once, the second waits on the first's row and then finds it.
func (s *taskStore) EraseUser(ctx context.Context, userID string, now time.Time) (tasks.Erasure, error) {
	var e tasks.Erasure
	err := s.base().withTx(ctx, func(s *store) error {
		tag, err := s.q.Exec(ctx, `INSERT INTO erased_users (user_id, erased_at) VALUES ($1, $2)
			ON CONFLICT (user_id) DO NOTHING`, userID, now)
		if err != nil {
			return err
		}
		e.Done = tag.RowsAffected() == 1
		tag, err = s.q.Exec(ctx, `DELETE FROM tasks WHERE user_id = $1`, userID) // first: they refer to goals
		if err != nil {
			return err
		}
		e.Tasks = int(tag.RowsAffected())
		tag, err = s.q.Exec(ctx, `DELETE FROM goals WHERE user_id = $1`, userID)
		e.Goals = int(tag.RowsAffected())
		return err
	})
	if err != nil {
		return tasks.Erasure{}, fmt.Errorf("postgres: erase user: %w", err)
	}
	return e, nil
}
