package apiserver

import (
	"context"
	"net/url"

	"github.com/bizy-auth/bizy/internal/tasks"
)

// goalResource serves /api/goals: a user's goals, filtered by status.
// Deleting a goal keeps its tasks: the Store unlinks them in the same
// transaction, so they lose their goal_id.
func goalResource(svc *tasks.Service) resource[tasks.Goal, goalView, createGoalRequest, patchGoalRequest] {
	return resource[tasks.Goal, goalView, createGoalRequest, patchGoalRequest]{
		list: func(ctx context.Context, userID string, q url.Values, limit int) ([]tasks.Goal, string, error) {
			return svc.Goals(ctx, userID, tasks.GoalFilter{Status: q.Get("status"), Limit: limit}, q.Get("cursor"))
		},
		create: func(ctx context.Context, userID string, req createGoalRequest) (tasks.Goal, error) {
			return svc.CreateGoal(ctx, userID, tasks.GoalInput{
				Title: req.Title, Description: req.Description, Status: req.Status, TargetDate: deref(req.TargetDate),
			})
		},
		get: svc.Goal,
		update: func(ctx context.Context, userID, id string, req patchGoalRequest) (tasks.Goal, error) {
			return svc.UpdateGoal(ctx, userID, id, tasks.GoalPatch{
				Title: req.Title.patch(), Description: req.Description.patch(),
				Status: req.Status.patch(), TargetDate: req.TargetDate.patch(),
			})
		},
		remove: svc.DeleteGoal,
		view:   newGoalView,
	}
}

// createGoalRequest is the body of POST /api/goals.
type createGoalRequest struct {
	Title       string  `json:"title"`
	Description string  `json:"description"`
	Status      string  `json:"status"`
	TargetDate  *string `json:"target_date"`
}

// patchGoalRequest is the body of PATCH /api/goals/{id}: target_date may be
// null to clear it and description null empties it; title and status
// cannot be null.
type patchGoalRequest struct {
	Title       optionalString `json:"title"`
	Description optionalString `json:"description"`
	Status      optionalString `json:"status"`
	TargetDate  optionalString `json:"target_date"`
}

// Valid refuses null for the fields that always have a value.
func (p patchGoalRequest) Valid(context.Context) map[string]string {
	errs := map[string]string{}
	notNull(errs, map[string]optionalString{"title": p.Title, "status": p.Status})
	return errs
}
