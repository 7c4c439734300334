package postgres

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/bizy-auth/bizy/internal/tasks"
)

// taskStore implements tasks.Store. It has store's fields, and so shares its
// pool and transaction helpers, but none of its auth methods.
type taskStore store

// base returns s as a *store, for the helpers written on it.
func (s *taskStore) base() *store { return (*store)(s) }

// Tx runs fn with a store bound to one READ COMMITTED transaction. A Tx
// inside fn reuses the same transaction. fn must make its calls through the
// Store it is given; calls through the outer store run outside it.
func (s *taskStore) Tx(ctx context.Context, fn func(tasks.Store) error) error {
	return s.base().withTx(ctx, func(ts *store) error { return fn((*taskStore)(ts)) })
}

// Ping reports whether the database answers.
func (s *taskStore) Ping(ctx context.Context) error { return s.base().Ping(ctx) }

// taskColumns reads a task's columns in the order scanTask expects, with
// NULL dates and goals as "". Not user_id: every query names the user, and
// the caller sets UserID (a column less to read and copy on every row).
const taskColumns = `id, title, description, status, priority,
	COALESCE(to_char(due_date, 'YYYY-MM-DD'), ''), COALESCE(goal_id, ''), created_at, updated_at`

// CreateTask inserts t. A GoalID naming no goal gives a
// *tasks.ValidationError for goal_id; a duplicate id gives an error.
func (s *taskStore) CreateTask(ctx context.Context, t tasks.Task) error {
	_, err := s.q.Exec(ctx, `INSERT INTO tasks (id, user_id, title, description,
			status, priority, due_date, goal_id, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, NULLIF($7, '')::date, NULLIF($8, ''), $9, $10)`,
		t.ID, t.UserID, t.Title, t.Description, t.Status, t.Priority, t.DueDate, t.GoalID,
		t.CreatedAt, t.UpdatedAt)
	return taskWriteError("create task", err)
}

// Task returns userID's task id, or tasks.ErrNotFound.
func (s *taskStore) Task(ctx context.Context, userID, id string) (tasks.Task, error) {
	t, err := scanTask(s.q.QueryRow(ctx,
		`SELECT `+taskColumns+` FROM tasks WHERE user_id = $1 AND id = $2`, userID, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return tasks.Task{}, tasks.ErrNotFound
	}
	if err != nil {
		return tasks.Task{}, fmt.Errorf("postgres: task: %w", err)
	}
	t.UserID = userID
	return t, nil
}

// Tasks returns up to f.Limit of userID's tasks matching f, ordered by id
// descending and starting after f.After, and whether more follow.
func (s *taskStore) Tasks(ctx context.Context, userID string, f tasks.TaskFilter) ([]tasks.Task, bool, error) {
	if f.Limit < 1 {
		return nil, false, fmt.Errorf("postgres: tasks: limit %d, want at least 1", f.Limit)
	}
	var a args
	q := `SELECT ` + taskColumns + ` FROM tasks WHERE user_id = ` + a.add(userID)
	if f.Status != "" {
		q += ` AND status = ` + a.add(f.Status)
	}
	if f.GoalID != "" {
		q += ` AND goal_id = ` + a.add(f.GoalID)
	}
	if f.After != "" {
		q += ` AND id < ` + a.add(f.After)
	}
	// One row more than asked tells whether a next page exists.
	q += ` ORDER BY id DESC LIMIT ` + a.add(f.Limit+1)
	rows, err := s.q.Query(ctx, q, a...)
	if err != nil {
		return nil, false, fmt.Errorf("postgres: tasks: %w", err)
	}
	ts, err := collectTasks(rows, f.Limit+1)
	if err != nil {
		return nil, false, fmt.Errorf("postgres: tasks: %w", err)
	}
	for i := range ts {
		ts[i].UserID = userID
	}
	ts, more := page(ts, f.Limit)
	return ts, more, nil
}

// UpdateTask writes every field of t but ID, UserID and CreatedAt to the
// task t.ID of t.UserID. tasks.ErrNotFound when that user has no such task;
// a *tasks.ValidationError for a GoalID naming no goal.
func (s *taskStore) UpdateTask(ctx context.Context, t tasks.Task) error {
	tag, err := s.q.Exec(ctx, `UPDATE tasks SET title = $1, description = $2,
			status = $3, priority = $4, due_date = NULLIF($5, '')::date, goal_id = NULLIF($6, ''),
			updated_at = $7
		WHERE user_id = $8 AND id = $9`,
		t.Title, t.Description, t.Status, t.Priority, t.DueDate, t.GoalID, t.UpdatedAt,
		t.UserID, t.ID)
	if err := taskWriteError("update task", err); err != nil {
		return err
	}
	return oneRow(tag)
}

// DeleteTask deletes userID's task id, or returns tasks.ErrNotFound.
func (s *taskStore) DeleteTask(ctx context.Context, userID, id string) error {
	tag, err := s.q.Exec(ctx, `DELETE FROM tasks WHERE user_id = $1 AND id = $2`, userID, id)
	if err != nil {
		return fmt.Errorf("postgres: delete task: %w", err)
	}
	return oneRow(tag)
}

// scanTask reads one row of taskColumns; UserID is left to the caller.
func scanTask(row pgx.Row) (tasks.Task, error) {
	var t tasks.Task
	err := scanTaskTo(row, &t)
	return t, err
}

// scanTaskTo reads one row of taskColumns into t; UserID is left to the
// caller.
func scanTaskTo(row pgx.Row, t *tasks.Task) error {
	err := row.Scan(&t.ID, &t.Title, &t.Description, &t.Status, &t.Priority,
		&t.DueDate, &t.GoalID, &t.CreatedAt, &t.UpdatedAt)
	t.CreatedAt, t.UpdatedAt = utc(t.CreatedAt), utc(t.UpdatedAt)
	return err
}

// taskWriteError translates the error of a task insert or update: a foreign
// key violation means the goal does not exist (it may have been deleted
// since the caller checked it), which is the caller's input to fix.
func taskWriteError(op string, err error) error {
	switch {
	case err == nil:
		return nil
	case isCode(err, codeForeignKeyViolation):
		return fmt.Errorf("postgres: %s: %w", op, &tasks.ValidationError{
			Fields: map[string]string{"goal_id": "must be the id of one of your goals"}})
	default:
		return fmt.Errorf("postgres: %s: %w", op, err)
	}
}

// args collects the arguments of a query built piece by piece.
type args []any

// add appends v and returns its placeholder.
func (a *args) add(v any) string {
	*a = append(*a, v)
	return "$" + strconv.Itoa(len(*a))
}

// collect scans every row with scan and closes rows; n is how many rows
// the query can return at most, the capacity of the result. Each row is
// scanned in place, into the result, so it costs no value of its own
// (pgx.CollectRows makes one a row and grows its slice as it goes).
func collect[T any](rows pgx.Rows, n int, scan func(pgx.Row, *T) error) ([]T, error) {
	defer rows.Close()
	out := make([]T, 0, n)
	for rows.Next() {
		var zero T
		out = append(out, zero)
		if err := scan(rows, &out[len(out)-1]); err != nil {
			return nil, err
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

// page cuts the extra row a list query fetched beyond limit, reporting
// whether there was one.
func page[T any](items []T, limit int) ([]T, bool) {
	if len(items) > limit {
		return items[:limit], true
	}
	return items, false
}

// oneRow returns tasks.ErrNotFound when the command changed no row.
func oneRow(tag pgconn.CommandTag) error {
	if tag.RowsAffected() == 0 {
		return tasks.ErrNotFound
	}
	return nil
}
