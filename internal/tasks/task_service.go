package tasks

import (
	"context"
	"strings"

	"github.com/bizy-auth/bizy/internal/input"
)

// TaskInput is what a user sends to create a task; empty optional fields
// take their defaults.
type TaskInput struct {
	Title, Description, Status, Priority, DueDate, GoalID string
}

// TaskPatch changes some fields of a task: a nil field stays as it is; an
// empty DueDate or GoalID clears it.
type TaskPatch struct {
	Title, Description, Status, Priority, DueDate, GoalID *string
}

func checkTask(t Task) error {
	var ve ValidationError
	checkText(&ve, t.Title, t.Description)
	checkOneOf(&ve, "status", t.Status, StatusTodo, StatusInProgress, StatusDone)
	checkOneOf(&ve, "priority", t.Priority, PriorityLow, PriorityMedium, PriorityHigh)
	checkDate(&ve, "due_date", t.DueDate)
	return ve.Err()
}

// CreateTask validates in and stores a new task for userID. It returns a
// *ValidationError for bad input, including a goal_id that is not one of
// the user's goals.
func (s *Service) CreateTask(ctx context.Context, userID string, in TaskInput) (Task, error) {
	now := s.timestamp()
	t := Task{
		ID: newID(), UserID: userID, Title: strings.TrimSpace(in.Title), Description: in.Description,
		Status: in.Status, Priority: in.Priority, DueDate: in.DueDate, GoalID: in.GoalID,
		CreatedAt: now, UpdatedAt: now,
	}
	if t.Status == "" {
		t.Status = StatusTodo
	}
	if t.Priority == "" {
		t.Priority = PriorityMedium
	}
	if err := checkTask(t); err != nil {
		return Task{}, err
	}
	err := s.store.Tx(ctx, func(tx Store) error {
		if err := ownGoal(ctx, tx, userID, t.GoalID); err != nil {
			return err
		}
		return tx.CreateTask(ctx, t)
	})
	if err != nil {
		return Task{}, err
	}
	return t, nil
}

// Task returns one of userID's tasks, or ErrNotFound.
func (s *Service) Task(ctx context.Context, userID, id string) (Task, error) {
	if !input.ValidID(id) {
		return Task{}, ErrNotFound
	}
	return s.store.Task(ctx, userID, id)
}

// Tasks returns a page of userID's tasks, newest first, and the cursor of
// the next page ("" on the last). cursor is "" or one this method returned.
func (s *Service) Tasks(ctx context.Context, userID string, f TaskFilter, cursor string) ([]Task, string, error) {
	var ve ValidationError
	if f.Status != "" {
		checkOneOf(&ve, "status", f.Status, StatusTodo, StatusInProgress, StatusDone)
	}
	if f.GoalID != "" && !input.ValidID(f.GoalID) {
		ve.Add("goal_id", "must be a goal id")
	}
	if err := ve.Err(); err != nil {
		return nil, "", err
	}
	var err error
	if f.Limit, f.After, err = pageArgs(f.Limit, cursor); err != nil {
		return nil, "", err
	}
	ts, more, err := s.store.Tasks(ctx, userID, f)
	if err != nil || len(ts) == 0 {
		return ts, "", err
	}
	return ts, nextCursor(more, ts[len(ts)-1].ID), nil
}

// UpdateTask applies p to one of userID's tasks and returns the whole task.
func (s *Service) UpdateTask(ctx context.Context, userID, id string, p TaskPatch) (Task, error) {
	if !input.ValidID(id) {
		return Task{}, ErrNotFound
	}
	var t Task
	err := s.store.Tx(ctx, func(tx Store) error {
		var err error
		if t, err = tx.Task(ctx, userID, id); err != nil {
			return err
		}
		apply(&t.Title, p.Title)
		apply(&t.Description, p.Description)
		apply(&t.Status, p.Status)
		apply(&t.Priority, p.Priority)
		apply(&t.DueDate, p.DueDate)
		apply(&t.GoalID, p.GoalID)
		t.Title = strings.TrimSpace(t.Title)
		if err := checkTask(t); err != nil {
			return err
		}
		if p.GoalID != nil {
			if err := ownGoal(ctx, tx, userID, t.GoalID); err != nil {
				return err
			}
		}
		t.UpdatedAt = s.timestamp()
		return tx.UpdateTask(ctx, t)
	})
	if err != nil {
		return Task{}, err
	}
	return t, nil
}

// DeleteTask deletes one of userID's tasks, or returns ErrNotFound.
func (s *Service) DeleteTask(ctx context.Context, userID, id string) error {
	if !input.ValidID(id) {
		return ErrNotFound
	}
	return s.store.DeleteTask(ctx, userID, id)
}

func apply(field *string, v *string) {
	if v != nil {
		*field = *v
	}
}
