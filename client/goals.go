package client

import (
	"context"
	"iter"
	"net/url"
	"time"
)

// Goal statuses, as the API names them.
const (
	GoalActive    = "active" // the default
	GoalAchieved  = "achieved"
	GoalAbandoned = "abandoned"
)

// Goal is one of the caller's goals.
type Goal struct {
	ID          string    `json:"id"`
	Title       string    `json:"title"`
	Description string    `json:"description"`
	Status      string    `json:"status"`
	TargetDate  string    `json:"target_date"` // YYYY-MM-DD, or "" for none
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

// NewGoal is what CreateGoal sends. Title is required; an empty optional
// field takes the server's default (GoalActive, no target date).
type NewGoal struct {
	Title       string `json:"title"`
	Description string `json:"description,omitempty"`
	Status      string `json:"status,omitempty"`
	TargetDate  string `json:"target_date,omitempty"` // YYYY-MM-DD
}

// GoalPatch lists the changes UpdateGoal makes. A nil field is left as it
// is. A field pointing to "" clears it for Description and TargetDate (sent
// as JSON null); Title and Status cannot be cleared, and "" there is a 422.
type GoalPatch struct {
	Title       *string
	Description *string
	Status      *string
	TargetDate  *string
}

func (p GoalPatch) body() map[string]any {
	return patchBody(
		patchField{"title", p.Title, false}, patchField{"description", p.Description, true},
		patchField{"status", p.Status, false}, patchField{"target_date", p.TargetDate, true})
}

// GoalQuery selects the goals ListGoals returns; see TaskQuery.
type GoalQuery struct {
	Status string
	Limit  int
	Cursor string
}

func (q GoalQuery) values() url.Values {
	v := url.Values{}
	setIf(v, "status", q.Status)
	return pageQuery(v, q.Limit, q.Cursor)
}

// ListGoals returns one page of the caller's goals, newest first (GET
// /api/goals). Errors: 422 CodeValidationFailed naming limit or cursor.
func (c *Client) ListGoals(ctx context.Context, q GoalQuery) (Page[Goal], error) {
	return list[Goal](ctx, c, call{method: "GET", to: toAPI, path: "/api/goals", query: q.values(), bearer: true})
}

// AllGoals iterates over every goal q selects, as AllTasks does for tasks.
func (c *Client) AllGoals(ctx context.Context, q GoalQuery) iter.Seq2[Goal, error] {
	return all(q.Cursor, func(cursor string) (Page[Goal], error) {
		q.Cursor = cursor
		return c.ListGoals(ctx, q)
	})
}

// GetGoal returns one of the caller's goals (GET /api/goals/{id}). Another
// user's goal is a 404 CodeNotFound, exactly like an unknown id.
func (c *Client) GetGoal(ctx context.Context, id string) (Goal, error) {
	return one[Goal](ctx, c, "GET", "/api/goals", id, nil)
}

// CreateGoal creates a goal for the caller (POST /api/goals) and returns
// it. Errors: 422 CodeValidationFailed naming each bad field.
func (c *Client) CreateGoal(ctx context.Context, g NewGoal) (Goal, error) {
	var out Goal
	err := c.do(ctx, call{method: "POST", to: toAPI, path: "/api/goals", body: g, bearer: true}, &out)
	return out, err
}

// UpdateGoal changes the fields p sets (PATCH /api/goals/{id}) and returns
// the whole updated goal. Errors: 404 CodeNotFound, 422
// CodeValidationFailed naming each bad field.
func (c *Client) UpdateGoal(ctx context.Context, id string, p GoalPatch) (Goal, error) {
	return one[Goal](ctx, c, "PATCH", "/api/goals", id, p.body())
}

// DeleteGoal deletes one of the caller's goals (DELETE /api/goals/{id});
// its tasks stay, without a goal. Errors: 404 CodeNotFound.
func (c *Client) DeleteGoal(ctx context.Context, id string) error {
	_, err := one[Goal](ctx, c, "DELETE", "/api/goals", id, nil)
	return err
}
