package client

import (
	"context"
	"iter"
	"net/url"
	"time"
)

// Stats are the API's counts over every user, for admins.
type Stats struct {
	Tasks         int            `json:"tasks"`
	TasksByStatus map[string]int `json:"tasks_by_status"`
	Goals         int            `json:"goals"`
	GoalsByStatus map[string]int `json:"goals_by_status"`
	UsersWithData int            `json:"users_with_data"` // users with at least one task or goal
}

// AdminStats returns counts of tasks and goals over every user (GET
// /api/admin/stats). Errors: 403 CodeForbidden unless c's token is an
// admin's.
func (c *Client) AdminStats(ctx context.Context) (Stats, error) {
	var s Stats
	err := c.do(ctx, call{method: "GET", to: toAPI, path: "/api/admin/stats", bearer: true}, &s)
	return s, err
}

// UserQuery selects the users ListUsers returns. Query matches a
// substring of the username or email, in any case; Limit and Cursor page
// as in TaskQuery.
type UserQuery struct {
	Query  string
	Limit  int
	Cursor string
}

// ListUsers returns one page of users, newest first (GET /admin/users).
// Like every call on users and events, it is the auth service's admin API:
// it needs Config.AuthURL, and answers 403 CodeAdminRequired unless c's
// user is an admin in the auth service's database at the time of the call.
func (c *Client) ListUsers(ctx context.Context, q UserQuery) (Page[User], error) {
	v := url.Values{}
	setIf(v, "q", q.Query)
	return list[User](ctx, c, call{method: "GET", to: toAuthService, path: "/admin/users",
		query: pageQuery(v, q.Limit, q.Cursor), bearer: true})
}

// AllUsers iterates over every user q selects, as AllTasks does for tasks.
func (c *Client) AllUsers(ctx context.Context, q UserQuery) iter.Seq2[User, error] {
	return all(q.Cursor, func(cursor string) (Page[User], error) {
		q.Cursor = cursor
		return c.ListUsers(ctx, q)
	})
}

// GetUser returns one user (GET /admin/users/{id}); see ListUsers for
// who may. Errors: 404 CodeNotFound.
func (c *Client) GetUser(ctx context.Context, id string) (User, error) {
	return c.adminUser(ctx, "GET", id, "", nil)
}

// UserChanges lists the changes UpdateUser makes; a nil field is left as
// it is.
type UserChanges struct {
	IsAdmin       *bool `json:"is_admin,omitempty"`
	EmailVerified *bool `json:"email_verified,omitempty"`
	Disabled      *bool `json:"disabled,omitempty"`
}

// UpdateUser changes a user's role, verification or disabled flag (PATCH
// /admin/users/{id}; see ListUsers) and returns the whole user. Demoting
// or disabling a user also ends their sessions. Errors: 404 CodeNotFound,
// 409 CodeSelfActionForbidden for an admin demoting or disabling
// themselves.
func (c *Client) UpdateUser(ctx context.Context, id string, ch UserChanges) (User, error) {
	return c.adminUser(ctx, "PATCH", id, "", ch)
}

// DeleteUser deletes a user and their sessions (DELETE /admin/users/{id};
// see ListUsers). Errors: 404 CodeNotFound, 409 CodeSelfActionForbidden for oneself.
func (c *Client) DeleteUser(ctx context.Context, id string) error {
	_, err := c.adminUser(ctx, "DELETE", id, "", nil)
	return err
}

// UnlockUser clears every failed-login count and lock of a user (POST
// /admin/users/{id}/unlock; see ListUsers). Errors: 404 CodeNotFound.
func (c *Client) UnlockUser(ctx context.Context, id string) error {
	_, err := c.adminUser(ctx, "POST", id, "/unlock", nil)
	return err
}

// RevokeUserSessions ends every session of a user (POST
// /admin/users/{id}/revoke-sessions; see ListUsers). Errors: 404
// CodeNotFound.
func (c *Client) RevokeUserSessions(ctx context.Context, id string) error {
	_, err := c.adminUser(ctx, "POST", id, "/revoke-sessions", nil)
	return err
}

// adminUser makes a call on /admin/users/{id}{action}.
func (c *Client) adminUser(ctx context.Context, method, id, action string, body any) (User, error) {
	var a userAnswer
	p, err := pathID(id)
	if err != nil {
		return a.User, err
	}
	err = c.do(ctx, call{method: method, to: toAuthService, path: "/admin/users" + p + action, body: body, bearer: true}, &a)
	return a.User, err
}

// Event is one entry of the auth service's security event log.
type Event struct {
	ID        string    `json:"id"`
	Type      string    `json:"type"`    // such as "login_success", "login_failure", "logout"
	UserID    string    `json:"user_id"` // "" when the login name matched no account
	LoginName string    `json:"login_name"`
	IP        string    `json:"ip"`
	UserAgent string    `json:"user_agent"`
	Detail    string    `json:"detail"`
	CreatedAt time.Time `json:"created_at"`
}

// EventQuery selects the events ListEvents returns: one user's, one
// type's, or all; Limit and Cursor page as in TaskQuery.
type EventQuery struct {
	UserID string
	Type   string
	Limit  int
	Cursor string
}

// ListEvents returns one page of the security event log, newest first
// (GET /admin/events; see ListUsers). Errors: 422 CodeValidationFailed naming a user_id,
// type or cursor that can match nothing.
func (c *Client) ListEvents(ctx context.Context, q EventQuery) (Page[Event], error) {
	v := url.Values{}
	setIf(v, "user_id", q.UserID)
	setIf(v, "type", q.Type)
	return list[Event](ctx, c, call{method: "GET", to: toAuthService, path: "/admin/events",
		query: pageQuery(v, q.Limit, q.Cursor), bearer: true})
}

// AllEvents iterates over every event q selects, as AllTasks does for
// tasks.
func (c *Client) AllEvents(ctx context.Context, q EventQuery) iter.Seq2[Event, error] {
	return all(q.Cursor, func(cursor string) (Page[Event], error) {
		q.Cursor = cursor
		return c.ListEvents(ctx, q)
	})
}
