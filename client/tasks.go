package client

import (
	"context"
	"iter"
	"net/url"
	"time"
)

// Task statuses and priorities, as the API names them.
const (
	TaskTodo       = "todo" // the default
	TaskInProgress = "in_progress"
	TaskDone       = "done"

	PriorityLow    = "low"
	PriorityMedium = "medium" // the default
	PriorityHigh   = "high"
)

// Task is one of the caller's tasks.
type Task struct {
	ID          string    `json:"id"`
	Title       string    `json:"title"`
	Description string    `json:"description"`
	Status      string    `json:"status"`
	Priority    string    `json:"priority"`
	DueDate     string    `json:"due_date"` // YYYY-MM-DD, or "" for none
	GoalID      string    `json:"goal_id"`  // one of the caller's goals, or "" for none
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

// NewTask is what CreateTask sends. Title is required; an empty optional
// field takes the server's default (TaskTodo, PriorityMedium, no due date,
// no goal).
type NewTask struct {
	Title       string `json:"title"`
	Description string `json:"description,omitempty"`
	Status      string `json:"status,omitempty"`
	Priority    string `json:"priority,omitempty"`
	DueDate     string `json:"due_date,omitempty"` // YYYY-MM-DD
	GoalID      string `json:"goal_id,omitempty"`
}

// TaskPatch lists the changes UpdateTask makes. A nil field is left as it
// is. A field pointing to "" clears it for Description, DueDate and GoalID
// (sent as JSON null); Title, Status and Priority cannot be cleared, and ""
// there is a 422. With Go 1.26, new("done") makes the pointer.
type TaskPatch struct {
	Title       *string
	Description *string
	Status      *string
	Priority    *string
	DueDate     *string
	GoalID      *string
}

func (p TaskPatch) body() map[string]any {
	return patchBody(
		patchField{"title", p.Title, false}, patchField{"description", p.Description, true},
		patchField{"status", p.Status, false}, patchField{"priority", p.Priority, false},
		patchField{"due_date", p.DueDate, true}, patchField{"goal_id", p.GoalID, true})
}

// TaskQuery selects the tasks ListTasks returns. Empty fields select
// everything; Limit is the page size (1 to 100, 0 for the server's 50), and
// Cursor the NextCursor of the previous page.
type TaskQuery struct {
	Status string
	GoalID string
	Limit  int
	Cursor string
}

func (q TaskQuery) values() url.Values {
	v := url.Values{}
	setIf(v, "status", q.Status)
	setIf(v, "goal_id", q.GoalID)
	return pageQuery(v, q.Limit, q.Cursor)
}

// ListTasks returns one page of the caller's tasks, newest first (GET
// /api/tasks). Errors: 422 CodeValidationFailed naming limit or cursor.
func (c *Client) ListTasks(ctx context.Context, q TaskQuery) (Page[Task], error) {
	return list[Task](ctx, c, call{method: "GET", to: toAPI, path: "/api/tasks", query: q.values(), bearer: true})
}

// AllTasks iterates over every task q selects, from q.Cursor on, fetching
// pages of q.Limit as the loop goes. A failed fetch is yielded as the
// error of the last pair, and ends the iteration.
func (c *Client) AllTasks(ctx context.Context, q TaskQuery) iter.Seq2[Task, error] {
	return all(q.Cursor, func(cursor string) (Page[Task], error) {
		q.Cursor = cursor
		return c.ListTasks(ctx, q)
	})
}

// GetTask returns one of the caller's tasks (GET /api/tasks/{id}). Another
// user's task is a 404 CodeNotFound, exactly like an unknown id.
func (c *Client) GetTask(ctx context.Context, id string) (Task, error) {
	return one[Task](ctx, c, "GET", "/api/tasks", id, nil)
}

// CreateTask creates a task for the caller (POST /api/tasks) and returns
// it. Errors: 422 CodeValidationFailed naming each bad field (a GoalID not
// among the caller's goals included).
func (c *Client) CreateTask(ctx context.Context, t NewTask) (Task, error) {
	var out Task
	err := c.do(ctx, call{method: "POST", to: toAPI, path: "/api/tasks", body: t, bearer: true}, &out)
	return out, err
}

// UpdateTask changes the fields p sets (PATCH /api/tasks/{id}) and returns
// the whole updated task. Errors: 404 CodeNotFound, 422
// CodeValidationFailed naming each bad field.
func (c *Client) UpdateTask(ctx context.Context, id string, p TaskPatch) (Task, error) {
	return one[Task](ctx, c, "PATCH", "/api/tasks", id, p.body())
}

// DeleteTask deletes one of the caller's tasks (DELETE /api/tasks/{id}).
// Errors: 404 CodeNotFound.
func (c *Client) DeleteTask(ctx context.Context, id string) error {
	_, err := one[Task](ctx, c, "DELETE", "/api/tasks", id, nil)
	return err
}

// patchField is one field of a PATCH body: nil is left out, "" is null
// when the field can be cleared.
type patchField struct {
	name      string
	v         *string
	clearable bool
}

func patchBody(fields ...patchField) map[string]any {
	m := map[string]any{}
	for _, f := range fields {
		switch {
		case f.v == nil:
		case *f.v == "" && f.clearable:
			m[f.name] = nil
		default:
			m[f.name] = *f.v
		}
	}
	return m
}
