package apiserver

import (
	"context"
	"net/http"

	"github.com/bizy-auth/bizy/internal/input"
	"github.com/bizy-auth/bizy/internal/tasks"
	"github.com/bizy-auth/bizy/internal/web"
)

// Every handler here runs inside requireUser and passes the caller's id to
// the Service, which scopes each read and write to that user: another
// user's task is tasks.ErrNotFound, a 404 like an unknown id.

func handleListTasks(svc *tasks.Service) web.Handler {
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
		f := tasks.TaskFilter{Status: q.Get("status"), GoalID: q.Get("goal_id"), Limit: limit}
		ts, next, err := svc.Tasks(r.Context(), c.UserID, f, q.Get("cursor"))
		if err != nil {
			return err
		}
		return web.JSON(w, http.StatusOK, newPage(ts, next, newTaskView))
	}
}

// createTaskRequest is the body of POST /api/tasks. A null or absent
// optional field takes its default.
type createTaskRequest struct {
	Title       string  `json:"title"`
	Description string  `json:"description"`
	Status      string  `json:"status"`
	Priority    string  `json:"priority"`
	DueDate     *string `json:"due_date"`
	GoalID      *string `json:"goal_id"`
}

func handleCreateTask(svc *tasks.Service) web.Handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		c, err := web.ClaimsOf(r)
		if err != nil {
			return err
		}
		req, err := web.Decode[createTaskRequest](r)
		if err != nil {
			return err
		}
		t, err := svc.CreateTask(r.Context(), c.UserID, tasks.TaskInput{
			Title: req.Title, Description: req.Description, Status: req.Status, Priority: req.Priority,
			DueDate: deref(req.DueDate), GoalID: deref(req.GoalID),
		})
		if err != nil {
			return err
		}
		return web.JSON(w, http.StatusCreated, newTaskView(t))
	}
}

func handleGetTask(svc *tasks.Service) web.Handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		c, err := web.ClaimsOf(r)
		if err != nil {
			return err
		}
		t, err := svc.Task(r.Context(), c.UserID, r.PathValue("id"))
		if err != nil {
			return err
		}
		return web.JSON(w, http.StatusOK, newTaskView(t))
	}
}

// patchTaskRequest is the body of PATCH /api/tasks/{id}: a present field
// changes, an absent one stays. due_date and goal_id may be null to clear
// them, and description null empties it; title, status and priority cannot
// be cleared, so null there is a 422.
type patchTaskRequest struct {
	Title       optionalString `json:"title"`
	Description optionalString `json:"description"`
	Status      optionalString `json:"status"`
	Priority    optionalString `json:"priority"`
	DueDate     optionalString `json:"due_date"`
	GoalID      optionalString `json:"goal_id"`
}

// Valid refuses null for the fields that always have a value.
func (p patchTaskRequest) Valid(context.Context) map[string]string {
	errs := map[string]string{}
	notNull(errs, map[string]optionalString{"title": p.Title, "status": p.Status, "priority": p.Priority})
	return errs
}

func handlePatchTask(svc *tasks.Service) web.Handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		c, err := web.ClaimsOf(r)
		if err != nil {
			return err
		}
		req, err := web.Decode[patchTaskRequest](r)
		if err != nil {
			return err
		}
		t, err := svc.UpdateTask(r.Context(), c.UserID, r.PathValue("id"), tasks.TaskPatch{
			Title: req.Title.patch(), Description: req.Description.patch(), Status: req.Status.patch(),
			Priority: req.Priority.patch(), DueDate: req.DueDate.patch(), GoalID: req.GoalID.patch(),
		})
		if err != nil {
			return err
		}
		return web.JSON(w, http.StatusOK, newTaskView(t))
	}
}

func handleDeleteTask(svc *tasks.Service) web.Handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		c, err := web.ClaimsOf(r)
		if err != nil {
			return err
		}
		if err := svc.DeleteTask(r.Context(), c.UserID, r.PathValue("id")); err != nil {
			return err
		}
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
