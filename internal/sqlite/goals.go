package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/bizy-auth/bizy/internal/tasks"
)

// goalColumns reads a goal's columns in the order scanGoal expects, with a
// NULL target date as "". Not user_id, as taskColumns.
const goalColumns = `id, title, description, status,
	COALESCE(target_date, ''), created_at, updated_at`

// CreateGoal inserts g. A duplicate id gives an error.
func (s *taskStore) CreateGoal(ctx context.Context, g tasks.Goal) error {
	_, err := s.write.ExecContext(ctx, `INSERT INTO goals (id, user_id, title, description,
			status, target_date, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, NULLIF(?, ''), ?, ?)`,
		g.ID, g.UserID, g.Title, g.Description, g.Status, g.TargetDate,
		toDB(g.CreatedAt), toDB(g.UpdatedAt))
	if err != nil {
		return fmt.Errorf("sqlite: create goal: %w", err)
	}
	return nil
}

// Goal returns userID's goal id, or tasks.ErrNotFound.
func (s *taskStore) Goal(ctx context.Context, userID, id string) (tasks.Goal, error) {
	g, err := scanGoal(s.base().queryReadRow(ctx,
		`SELECT `+goalColumns+` FROM goals WHERE user_id = ? AND id = ?`, userID, id))
	if errors.Is(err, sql.ErrNoRows) {
		return tasks.Goal{}, tasks.ErrNotFound
	}
	if err != nil {
		return tasks.Goal{}, fmt.Errorf("sqlite: goal: %w", err)
	}
	g.UserID = userID
	return g, nil
}

// Goals returns up to f.Limit of userID's goals matching f, ordered by id
// descending and starting after f.After, and whether more follow.
func (s *taskStore) Goals(ctx context.Context, userID string, f tasks.GoalFilter) ([]tasks.Goal, bool, error) {
	if f.Limit < 1 {
		return nil, false, fmt.Errorf("sqlite: goals: limit %d, want at least 1", f.Limit)
	}
	q := `SELECT ` + goalColumns + ` FROM goals WHERE user_id = ?`
	args := []any{userID}
	if f.Status != "" {
		q, args = q+` AND status = ?`, append(args, f.Status)
	}
	if f.After != "" {
		q, args = q+` AND id < ?`, append(args, f.After)
	}
	q, args = q+` ORDER BY id DESC LIMIT ?`, append(args, f.Limit+1)
	rows, err := s.base().queryRead(ctx, q, args...)
	if err != nil {
		return nil, false, fmt.Errorf("sqlite: goals: %w", err)
	}
	gs, err := collect(rows, f.Limit+1, scanGoalTo)
	if err != nil {
		return nil, false, fmt.Errorf("sqlite: goals: %w", err)
	}
	for i := range gs {
		gs[i].UserID = userID
	}
	gs, more := page(gs, f.Limit)
	return gs, more, nil
}

// UpdateGoal writes every field of g but ID, UserID and CreatedAt to the
// goal g.ID of g.UserID, or returns tasks.ErrNotFound.
func (s *taskStore) UpdateGoal(ctx context.Context, g tasks.Goal) error {
	res, err := s.write.ExecContext(ctx, `UPDATE goals SET title = ?, description = ?,
			status = ?, target_date = NULLIF(?, ''), updated_at = ?
		WHERE user_id = ? AND id = ?`,
		g.Title, g.Description, g.Status, g.TargetDate, toDB(g.UpdatedAt), g.UserID, g.ID)
	if err != nil {
		return fmt.Errorf("sqlite: update goal: %w", err)
	}
	return oneRow("update goal", res)
}

// DeleteGoal deletes userID's goal id and, in the same transaction, unlinks
// that user's tasks from it, setting their updated_at to the current time.
// tasks.ErrNotFound when the user has no such goal; nothing changes then.
func (s *taskStore) DeleteGoal(ctx context.Context, userID, id string) error {
	return s.base().withTx(ctx, func(tx *store) error {
		_, err := tx.write.ExecContext(ctx, `UPDATE tasks SET goal_id = NULL, updated_at = ?
			WHERE user_id = ? AND goal_id = ?`, toDB(time.Now()), userID, id)
		if err != nil {
			return fmt.Errorf("sqlite: delete goal: unlink tasks: %w", err)
		}
		res, err := tx.write.ExecContext(ctx, `DELETE FROM goals WHERE user_id = ? AND id = ?`, userID, id)
		if err != nil {
			return fmt.Errorf("sqlite: delete goal: %w", err)
		}
		return oneRow("delete goal", res)
	})
}

// Stats counts every user's tasks and goals, in one statement so that the
// numbers agree with each other.
func (s *taskStore) Stats(ctx context.Context) (tasks.Stats, error) {
	var st tasks.Stats
	var todo, inProgress, done, active, achieved, abandoned int
	err := s.read.QueryRowContext(ctx, `SELECT t.n, t.todo, t.in_progress, t.done,
			g.n, g.active, g.achieved, g.abandoned, u.n
		FROM (SELECT count(*) AS n,
				count(*) FILTER (WHERE status = 'todo') AS todo,
				count(*) FILTER (WHERE status = 'in_progress') AS in_progress,
				count(*) FILTER (WHERE status = 'done') AS done
			FROM tasks) AS t,
		(SELECT count(*) AS n,
				count(*) FILTER (WHERE status = 'active') AS active,
				count(*) FILTER (WHERE status = 'achieved') AS achieved,
				count(*) FILTER (WHERE status = 'abandoned') AS abandoned
			FROM goals) AS g,
		(SELECT count(*) AS n
			FROM (SELECT user_id FROM tasks UNION SELECT user_id FROM goals) AS x) AS u`,
	).Scan(&st.Tasks, &todo, &inProgress, &done, &st.Goals, &active, &achieved, &abandoned, &st.Users)
	if err != nil {
		return tasks.Stats{}, fmt.Errorf("sqlite: stats: %w", err)
	}
	st.TasksByStatus = map[string]int{tasks.StatusTodo: todo, tasks.StatusInProgress: inProgress, tasks.StatusDone: done}
	st.GoalsByStatus = map[string]int{tasks.GoalActive: active, tasks.GoalAchieved: achieved, tasks.GoalAbandoned: abandoned}
	return st, nil
}

// scanGoal reads one row of goalColumns; UserID is left to the caller.
func scanGoal(row scanner) (tasks.Goal, error) {
	var g tasks.Goal
	err := scanGoalTo(row, &g)
	return g, err
}

// scanGoalTo reads one row of goalColumns into g; UserID is left to the
// caller.
func scanGoalTo(row scanner, g *tasks.Goal) error {
	var created, updated int64
	err := row.Scan(&g.ID, &g.Title, &g.Description, &g.Status, &g.TargetDate,
		&created, &updated)
	g.CreatedAt, g.UpdatedAt = fromDB(created), fromDB(updated)
	return err
}
