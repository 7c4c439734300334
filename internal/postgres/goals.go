package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/bizy-auth/bizy/internal/tasks"
)

// goalColumns reads a goal's columns in the order scanGoal expects, with a
// NULL target date as "". Not user_id, as taskColumns.
const goalColumns = `id, title, description, status,
	COALESCE(to_char(target_date, 'YYYY-MM-DD'), ''), created_at, updated_at`

// CreateGoal inserts g. A duplicate id gives an error.
func (s *taskStore) CreateGoal(ctx context.Context, g tasks.Goal) error {
	_, err := s.q.Exec(ctx, `INSERT INTO goals (id, user_id, title, description,
			status, target_date, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, NULLIF($6, '')::date, $7, $8)`,
		g.ID, g.UserID, g.Title, g.Description, g.Status, g.TargetDate, g.CreatedAt, g.UpdatedAt)
	if err != nil {
		return fmt.Errorf("postgres: create goal: %w", err)
	}
	return nil
}

// Goal returns userID's goal id, or tasks.ErrNotFound.
func (s *taskStore) Goal(ctx context.Context, userID, id string) (tasks.Goal, error) {
	g, err := scanGoal(s.q.QueryRow(ctx,
		`SELECT `+goalColumns+` FROM goals WHERE user_id = $1 AND id = $2`, userID, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return tasks.Goal{}, tasks.ErrNotFound
	}
	if err != nil {
		return tasks.Goal{}, fmt.Errorf("postgres: goal: %w", err)
	}
	g.UserID = userID
	return g, nil
}

// Goals returns up to f.Limit of userID's goals matching f, ordered by id
// descending and starting after f.After, and whether more follow.
func (s *taskStore) Goals(ctx context.Context, userID string, f tasks.GoalFilter) ([]tasks.Goal, bool, error) {
	if f.Limit < 1 {
		return nil, false, fmt.Errorf("postgres: goals: limit %d, want at least 1", f.Limit)
	}
	var a args
	q := `SELECT ` + goalColumns + ` FROM goals WHERE user_id = ` + a.add(userID)
	if f.Status != "" {
		q += ` AND status = ` + a.add(f.Status)
	}
	if f.After != "" {
		q += ` AND id < ` + a.add(f.After)
	}
	q += ` ORDER BY id DESC LIMIT ` + a.add(f.Limit+1)
	rows, err := s.q.Query(ctx, q, a...)
	if err != nil {
		return nil, false, fmt.Errorf("postgres: goals: %w", err)
	}
	gs, err := collect(rows, f.Limit+1, scanGoalTo)
	if err != nil {
		return nil, false, fmt.Errorf("postgres: goals: %w", err)
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
	tag, err := s.q.Exec(ctx, `UPDATE goals SET title = $1, description = $2,
			status = $3, target_date = NULLIF($4, '')::date, updated_at = $5
		WHERE user_id = $6 AND id = $7`,
		g.Title, g.Description, g.Status, g.TargetDate, g.UpdatedAt, g.UserID, g.ID)
	if err != nil {
		return fmt.Errorf("postgres: update goal: %w", err)
	}
	return oneRow(tag)
}

// DeleteGoal deletes userID's goal id and, in the same transaction, unlinks
// that user's tasks from it, setting their updated_at to the current time.
// tasks.ErrNotFound when the user has no such goal; nothing changes then.
func (s *taskStore) DeleteGoal(ctx context.Context, userID, id string) error {
	return s.base().withTx(ctx, func(tx *store) error {
		_, err := tx.q.Exec(ctx, `UPDATE tasks SET goal_id = NULL, updated_at = $1
			WHERE user_id = $2 AND goal_id = $3`, time.Now(), userID, id)
		if err != nil {
			return fmt.Errorf("postgres: delete goal: unlink tasks: %w", err)
		}
		tag, err := tx.q.Exec(ctx, `DELETE FROM goals WHERE user_id = $1 AND id = $2`, userID, id)
		if err != nil {
			return fmt.Errorf("postgres: delete goal: %w", err)
		}
		return oneRow(tag)
	})
}

// Stats counts every user's tasks and goals, in one statement so that the
// numbers agree with each other.
func (s *taskStore) Stats(ctx context.Context) (tasks.Stats, error) {
	var st tasks.Stats
	var todo, inProgress, done, active, achieved, abandoned int
	err := s.q.QueryRow(ctx, `SELECT t.n, t.todo, t.in_progress, t.done,
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
		return tasks.Stats{}, fmt.Errorf("postgres: stats: %w", err)
	}
	st.TasksByStatus = map[string]int{tasks.StatusTodo: todo, tasks.StatusInProgress: inProgress, tasks.StatusDone: done}
	st.GoalsByStatus = map[string]int{tasks.GoalActive: active, tasks.GoalAchieved: achieved, tasks.GoalAbandoned: abandoned}
	return st, nil
}

// scanGoal reads one row of goalColumns; UserID is left to the caller.
func scanGoal(row pgx.Row) (tasks.Goal, error) {
	var g tasks.Goal
	err := scanGoalTo(row, &g)
	return g, err
}

// scanGoalTo reads one row of goalColumns into g; UserID is left to the
// caller.
func scanGoalTo(row pgx.Row, g *tasks.Goal) error {
	err := row.Scan(&g.ID, &g.Title, &g.Description, &g.Status, &g.TargetDate,
		&g.CreatedAt, &g.UpdatedAt)
	g.CreatedAt, g.UpdatedAt = utc(g.CreatedAt), utc(g.UpdatedAt)
	return err
}
