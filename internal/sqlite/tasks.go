package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/bizy-auth/bizy/internal/tasks"
)

// taskStore implements tasks.Store. It has store's fields, and so shares its
// pools and transaction helpers, but none of its auth methods.
type taskStore store

// base returns s as a *store, for the helpers written on it.
func (s *taskStore) base() *store { return (*store)(s) }

// Tx runs fn with a store bound to one BEGIN IMMEDIATE transaction. A Tx
// inside fn reuses the same transaction. fn must make its calls through the
// Store it is given: the transaction holds the only write connection.
func (s *taskStore) Tx(ctx context.Context, fn func(tasks.Store) error) error {
	return s.base().withTx(ctx, func(ts *store) error { return fn((*taskStore)(ts)) })
}

// Ping reports whether the database answers.
func (s *taskStore) Ping(ctx context.Context) error { return s.base().Ping(ctx) }

// taskColumns reads a task's columns in the order scanTask expects, with
// NULL dates and goals as "". Not user_id: every query names the user, and
// the caller sets UserID (a column less to read and copy on every row).
const taskColumns = `id, title, description, status, priority,
	COALESCE(due_date, ''), COALESCE(goal_id, ''), created_at, updated_at`

// CreateTask inserts t. A GoalID naming no goal gives a
// *tasks.ValidationError for goal_id; a duplicate id gives an error.
func (s *taskStore) CreateTask(ctx context.Context, t tasks.Task) error {
	_, err := s.write.ExecContext(ctx, `INSERT INTO tasks (id, user_id, title, description,
			status, priority, due_date, goal_id, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, NULLIF(?, ''), NULLIF(?, ''), ?, ?)`,
		t.ID, t.UserID, t.Title, t.Description, t.Status, t.Priority, t.DueDate, t.GoalID,
		toDB(t.CreatedAt), toDB(t.UpdatedAt))
	return taskWriteError("create task", err)
}

// Task returns userID's task id, or tasks.ErrNotFound.
func (s *taskStore) Task(ctx context.Context, userID, id string) (tasks.Task, error) {
	t, err := scanTask(s.base().queryReadRow(ctx,
		`SELECT `+taskColumns+` FROM tasks WHERE user_id = ? AND id = ?`, userID, id))
	if errors.Is(err, sql.ErrNoRows) {
		return tasks.Task{}, tasks.ErrNotFound
	}
	if err != nil {
		return tasks.Task{}, fmt.Errorf("sqlite: task: %w", err)
	}
	t.UserID = userID
	return t, nil
}

// Tasks returns up to f.Limit of userID's tasks matching f, ordered by id
// descending and starting after f.After, and whether more follow.
func (s *taskStore) Tasks(ctx context.Context, userID string, f tasks.TaskFilter) ([]tasks.Task, bool, error) {
	if f.Limit < 1 {
		return nil, false, fmt.Errorf("sqlite: tasks: limit %d, want at least 1", f.Limit)
	}
	q, args := taskPageQuery(packedTaskColumns, userID, f)
	var (
		n      int
		packed string
		ts     []tasks.Task
	)
	err := s.base().queryReadRow(ctx, packedPage(q), args...).Scan(&n, &packed)
	if err == nil {
		ts, err = unpackTasks(packed, n)
	}
	if errors.Is(err, errUnpackable) {
		// A text holding NUL, which the service refuses but the table
		// takes: read that page column by column.
		var rows *sql.Rows
		q, args = taskPageQuery(taskColumns, userID, f)
		if rows, err = s.base().queryRead(ctx, q, args...); err == nil {
			ts, err = collect(rows, f.Limit+1, scanTaskTo)
		}
	}
	if err != nil {
		return nil, false, fmt.Errorf("sqlite: tasks: %w", err)
	}
	for i := range ts {
		ts[i].UserID = userID
	}
	ts, more := page(ts, f.Limit)
	return ts, more, nil
}

// taskPageQuery returns the query of the page f selects, one row more than
// f.Limit, with columns, and its arguments.
func taskPageQuery(columns, userID string, f tasks.TaskFilter) (string, []any) {
	q := `SELECT ` + columns + ` FROM tasks WHERE user_id = ?`
	args := []any{userID}
	if f.Status != "" {
		q, args = q+` AND status = ?`, append(args, f.Status)
	}
	if f.GoalID != "" {
		q, args = q+` AND goal_id = ?`, append(args, f.GoalID)
	}
	if f.After != "" {
		q, args = q+` AND id < ?`, append(args, f.After)
	}
	// One row more than asked tells whether a next page exists.
	return q + ` ORDER BY id DESC LIMIT ?`, append(args, f.Limit+1)
}

// UpdateTask writes every field of t but ID, UserID and CreatedAt to the
// task t.ID of t.UserID. tasks.ErrNotFound when that user has no such task;
// a *tasks.ValidationError for a GoalID naming no goal.
func (s *taskStore) UpdateTask(ctx context.Context, t tasks.Task) error {
	res, err := s.write.ExecContext(ctx, `UPDATE tasks SET title = ?, description = ?,
			status = ?, priority = ?, due_date = NULLIF(?, ''), goal_id = NULLIF(?, ''),
			updated_at = ?
		WHERE user_id = ? AND id = ?`,
		t.Title, t.Description, t.Status, t.Priority, t.DueDate, t.GoalID, toDB(t.UpdatedAt),
		t.UserID, t.ID)
	if err := taskWriteError("update task", err); err != nil {
		return err
	}
	return oneRow("update task", res)
}

// DeleteTask deletes userID's task id, or returns tasks.ErrNotFound.
func (s *taskStore) DeleteTask(ctx context.Context, userID, id string) error {
	res, err := s.write.ExecContext(ctx, `DELETE FROM tasks WHERE user_id = ? AND id = ?`, userID, id)
	if err != nil {
		return fmt.Errorf("sqlite: delete task: %w", err)
	}
	return oneRow("delete task", res)
}

// scanTask reads one row of taskColumns; UserID is left to the caller.
func scanTask(row scanner) (tasks.Task, error) {
	var t tasks.Task
	err := scanTaskTo(row, &t)
	return t, err
}

// scanTaskTo reads one row of taskColumns into t; UserID is left to the
// caller.
func scanTaskTo(row scanner, t *tasks.Task) error {
	var created, updated int64
	err := row.Scan(&t.ID, &t.Title, &t.Description, &t.Status, &t.Priority,
		&t.DueDate, &t.GoalID, &created, &updated)
	t.CreatedAt, t.UpdatedAt = fromDB(created), fromDB(updated)
	return err
}

// taskWriteError translates the error of a task insert or update: a foreign
// key violation means the goal does not exist (it may have been deleted
// since the caller checked it), which is the caller's input to fix.
func taskWriteError(op string, err error) error {
	switch {
	case err == nil:
		return nil
	case isForeignKey(err):
		return fmt.Errorf("sqlite: %s: %w", op, &tasks.ValidationError{
			Fields: map[string]string{"goal_id": "must be the id of one of your goals"}})
	default:
		return fmt.Errorf("sqlite: %s: %w", op, err)
	}
}

// scanner is what *sql.Row and *sql.Rows have in common.
type scanner interface {
	Scan(dest ...any) error
}

// collect scans every row with scan and closes rows; n is how many rows
// the query can return at most, the capacity of the result. Each row is
// scanned in place, into the result, so it costs no value of its own.
func collect[T any](rows *sql.Rows, n int, scan func(scanner, *T) error) ([]T, error) {
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

// oneRow returns tasks.ErrNotFound when res changed no row.
func oneRow(op string, res sql.Result) error {
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("sqlite: %s: %w", op, err)
	}
	if n == 0 {
		return tasks.ErrNotFound
	}
	return nil
}
