package tasks

import (
	"context"
	"strings"

	"github.com/bizy-auth/bizy/internal/input"
)

// GoalInput is what a user sends to create a goal.
type GoalInput struct {
	Title, Description, Status, TargetDate string
}

// GoalPatch changes some fields of a goal: a nil field stays as it is; an
// empty TargetDate clears it.
type GoalPatch struct {
	Title, Description, Status, TargetDate *string
}

func checkGoal(g Goal) error {
	var ve ValidationError
	checkText(&ve, g.Title, g.Description)
	checkOneOf(&ve, "status", g.Status, GoalActive, GoalAchieved, GoalAbandoned)
	checkDate(&ve, "target_date", g.TargetDate)
	return ve.Err()
}

// CreateGoal validates in and stores a new goal for userID.
func (s *Service) CreateGoal(ctx context.Context, userID string, in GoalInput) (Goal, error) {
	now := s.timestamp()
	g := Goal{
		ID: newID(), UserID: userID, Title: strings.TrimSpace(in.Title), Description: in.Description,
		Status: in.Status, TargetDate: in.TargetDate, CreatedAt: now, UpdatedAt: now,
	}
	if g.Status == "" {
		g.Status = GoalActive
	}
	if err := checkGoal(g); err != nil {
		return Goal{}, err
	}
	if err := s.store.CreateGoal(ctx, g); err != nil {
		return Goal{}, err
	}
	return g, nil
}

// Goal returns one of userID's goals, or ErrNotFound.
func (s *Service) Goal(ctx context.Context, userID, id string) (Goal, error) {
	if !input.ValidID(id) {
		return Goal{}, ErrNotFound
	}
	return s.store.Goal(ctx, userID, id)
}

// Goals returns a page of userID's goals, newest first, and the next cursor.
func (s *Service) Goals(ctx context.Context, userID string, f GoalFilter, cursor string) ([]Goal, string, error) {
	if f.Status != "" {
		var ve ValidationError
		checkOneOf(&ve, "status", f.Status, GoalActive, GoalAchieved, GoalAbandoned)
		if err := ve.Err(); err != nil {
			return nil, "", err
		}
	}
	var err error
	if f.Limit, f.After, err = pageArgs(f.Limit, cursor); err != nil {
		return nil, "", err
	}
	gs, more, err := s.store.Goals(ctx, userID, f)
	if err != nil || len(gs) == 0 {
		return gs, "", err
	}
	return gs, nextCursor(more, gs[len(gs)-1].ID), nil
}

// UpdateGoal applies p to one of userID's goals and returns the whole goal.
func (s *Service) UpdateGoal(ctx context.Context, userID, id string, p GoalPatch) (Goal, error) {
	if !input.ValidID(id) {
		return Goal{}, ErrNotFound
	}
	var g Goal
	err := s.store.Tx(ctx, func(tx Store) error {
		var err error
		if g, err = tx.Goal(ctx, userID, id); err != nil {
			return err
		}
		apply(&g.Title, p.Title)
		apply(&g.Description, p.Description)
		apply(&g.Status, p.Status)
		apply(&g.TargetDate, p.TargetDate)
		g.Title = strings.TrimSpace(g.Title)
		if err := checkGoal(g); err != nil {
			return err
		}
		g.UpdatedAt = s.timestamp()
		return tx.UpdateGoal(ctx, g)
	})
	if err != nil {
		return Goal{}, err
	}
	return g, nil
}

// DeleteGoal deletes one of userID's goals and unlinks its tasks.
func (s *Service) DeleteGoal(ctx context.Context, userID, id string) error {
	if !input.ValidID(id) {
		return ErrNotFound
	}
	return s.store.DeleteGoal(ctx, userID, id)
}
