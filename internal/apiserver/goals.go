package apiserver

import (
	"context"
	"net/http"

	"github.com/bizy-auth/bizy/internal/input"
	"github.com/bizy-auth/bizy/internal/tasks"
	"github.com/bizy-auth/bizy/internal/web"
)

// Goals follow tasks.go: each handler runs inside requireUser and the
// Service scopes every call to the caller.

func handleListGoals(svc *tasks.Service) web.Handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		c, err := web.ClaimsOf(r)
		if err != nil {
			return err
		}
		q := r.URL.Query()
		limit, err := input.Limit(q.Get("limit"))
		if err != nil {
			return err
		}
		gs, next, err := svc.Goals(r.Context(), c.UserID, tasks.GoalFilter{Status: q.Get("status"), Limit: limit}, q.Get("cursor"))
		if err != nil {
			return err
		}
		return web.JSON(w, http.StatusOK, newPage(gs, next, newGoalView))
	}
}

// createGoalRequest is the body of POST /api/goals.
type createGoalRequest struct {
	Title       string  `json:"title"`
	Description string  `json:"description"`
	Status      string  `json:"status"`
	TargetDate  *string `json:"target_date"`
}

func handleCreateGoal(svc *tasks.Service) web.Handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		c, err := web.ClaimsOf(r)
		if err != nil {
			return err
		}
		req, err := web.Decode[createGoalRequest](r)
		if err != nil {
			return err
		}
		g, err := svc.CreateGoal(r.Context(), c.UserID, tasks.GoalInput{
			Title: req.Title, Description: req.Description, Status: req.Status, TargetDate: deref(req.TargetDate),
		})
		if err != nil {
			return err
		}
		return web.JSON(w, http.StatusCreated, newGoalView(g))
	}
}

func handleGetGoal(svc *tasks.Service) web.Handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		c, err := web.ClaimsOf(r)
		if err != nil {
			return err
		}
		g, err := svc.Goal(r.Context(), c.UserID, r.PathValue("id"))
		if err != nil {
			return err
		}
		return web.JSON(w, http.StatusOK, newGoalView(g))
	}
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

func handlePatchGoal(svc *tasks.Service) web.Handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		c, err := web.ClaimsOf(r)
		if err != nil {
			return err
		}
		req, err := web.Decode[patchGoalRequest](r)
		if err != nil {
			return err
		}
		g, err := svc.UpdateGoal(r.Context(), c.UserID, r.PathValue("id"), tasks.GoalPatch{
			Title: req.Title.patch(), Description: req.Description.patch(),
			Status: req.Status.patch(), TargetDate: req.TargetDate.patch(),
		})
		if err != nil {
			return err
		}
		return web.JSON(w, http.StatusOK, newGoalView(g))
	}
}

// handleDeleteGoal deletes a goal; the Store unlinks its tasks in the same
// transaction, so they stay and lose their goal_id.
func handleDeleteGoal(svc *tasks.Service) web.Handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		c, err := web.ClaimsOf(r)
		if err != nil {
			return err
		}
		if err := svc.DeleteGoal(r.Context(), c.UserID, r.PathValue("id")); err != nil {
			return err
		}
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
}
