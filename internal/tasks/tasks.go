package tasks

import (
	"context"
	"time"

	"github.com/bizy-auth/bizy/internal/input"
)

// Task statuses and priorities.
const (
	StatusTodo       = "todo"
	StatusInProgress = "in_progress"
	StatusDone       = "done"

	PriorityLow    = "low"
	PriorityMedium = "medium"
	PriorityHigh   = "high"
)

// Goal statuses.
const (
	GoalActive    = "active"
	GoalAchieved  = "achieved"
	GoalAbandoned = "abandoned"
)

// Limits on what a user may write; also in the README.
const (
	TitleMaxLen       = 200
	DescriptionMaxLen = 5000
	DefaultPageSize   = input.DefaultLimit
	MaxPageSize       = input.MaxLimit
)

// Task is one of a user's tasks. DueDate is "" or YYYY-MM-DD; GoalID is ""
// or the id of one of the same user's goals.
type Task struct {
	ID          string
	UserID      string
	Title       string
	Description string
	Status      string
	Priority    string
	DueDate     string
	GoalID      string
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// Goal is one of a user's goals. TargetDate is "" or YYYY-MM-DD.
type Goal struct {
	ID          string
	UserID      string
	Title       string
	Description string
	Status      string
	TargetDate  string
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// TaskFilter selects a page of one user's tasks, newest first.
type TaskFilter struct {
	Status string // "" for any
	GoalID string // "" for any
	Limit  int    // 1..MaxPageSize
	After  string // id of the last task of the previous page, or ""
}

// GoalFilter selects a page of one user's goals, newest first.
type GoalFilter struct {
	Status string
	Limit  int
	After  string
}

// Stats are counts over every user, for admins.
type Stats struct {
	Tasks         int            `json:"tasks"`
	TasksByStatus map[string]int `json:"tasks_by_status"`
	Goals         int            `json:"goals"`
	GoalsByStatus map[string]int `json:"goals_by_status"`
	Users         int            `json:"users_with_data"`
}

// Erasure is what EraseUser did.
type Erasure struct {
	Done  bool // false: recorded before (by this or another API copy)
	Tasks int  // tasks deleted by this call
	Goals int  // goals deleted by this call
}

// Store keeps tasks and goals. Implementations live in internal/sqlite and
// internal/postgres and pass the contract suite in internal/storetest. Every
// method taking a userID touches only that user's rows: a row of another
// user is ErrNotFound. IDs are UUIDv7 strings, so ordering by id is ordering
// by creation. Safe for concurrent use.
type Store interface {
	CreateTask(ctx context.Context, t Task) error
	Task(ctx context.Context, userID, id string) (Task, error)
	// Tasks returns up to f.Limit tasks ordered by id descending, starting
	// after f.After, and whether more follow.
	Tasks(ctx context.Context, userID string, f TaskFilter) ([]Task, bool, error)
	// UpdateTask writes every field of t but ID, UserID and CreatedAt.
	UpdateTask(ctx context.Context, t Task) error
	DeleteTask(ctx context.Context, userID, id string) error

	CreateGoal(ctx context.Context, g Goal) error
	Goal(ctx context.Context, userID, id string) (Goal, error)
	Goals(ctx context.Context, userID string, f GoalFilter) ([]Goal, bool, error)
	UpdateGoal(ctx context.Context, g Goal) error
	// DeleteGoal deletes the goal and, in the same transaction, unlinks the
	// user's tasks from it (their goal_id becomes "").
	DeleteGoal(ctx context.Context, userID, id string) error

	Stats(ctx context.Context) (Stats, error)

	// EraseUser deletes every task and goal of userID, who was deleted in
	// the auth service, and records the erasure at now unless it was
	// recorded before, in one transaction; Done tells whether this call
	// recorded it, so of the API copies that hear of one deletion, one
	// reports it. Called again it deletes what a request racing the
	// deletion may have written since.
	EraseUser(ctx context.Context, userID string, now time.Time) (Erasure, error)

	// Tx runs fn in one transaction, committed when fn returns nil. fn must
	// use only the Store it is given (on SQLite the outer one would wait for
	// the transaction's own connection).
	Tx(ctx context.Context, fn func(Store) error) error
	Ping(ctx context.Context) error
}
