package apiserver

import (
	"context"
	"log/slog"
	"net/http"

	"github.com/bizy-auth/bizy/internal/input"
	"github.com/bizy-auth/bizy/internal/tasks"
	"github.com/bizy-auth/bizy/internal/web"
)

// Every handler here runs inside requireUser and passes the caller's id to
// the Service, which scopes each read and write to that user: another
// user's task is tasks.ErrNotFound, a 404 like an unknown id.

func handleListTasks(log *slog.Logger, svc *tasks.Service) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, ok := caller(w, r)
		if !ok {
			return
		}
		q := r.URL.Query()
		limit, err := input.Limit(q.Get("limit"))
		if err != nil {
			web.Error(w, r, log, err)
			return
		}
		f := tasks.TaskFilter{Status: q.Get("status"), GoalID: q.Get("goal_id"), Limit: limit}
		ts, next, err := svc.Tasks(r.Context(), c.UserID, f, q.Get("cursor"))
		if err != nil {
			web.Error(w, r, log, err)
			return
		}
		web.JSON(w, http.StatusOK, newPage(ts, next, newTaskView))
	})
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

func handleCreateTask(log *slog.Logger, svc *tasks.Service) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, ok := caller(w, r)
		if !ok {
			return
		}
		req, err := web.Decode[createTaskRequest](r)
		if err != nil {
			web.Error(w, r, log, err)
			return
		}
		t, err := svc.CreateTask(r.Context(), c.UserID, tasks.TaskInput{
			Title: req.Title, Description: req.Description, Status: req.Status, Priority: req.Priority,
			DueDate: deref(req.DueDate), GoalID: deref(req.GoalID),
		})
		if err != nil {
			web.Error(w, r, log, err)
			return
		}
		web.JSON(w, http.StatusCreated, newTaskView(t))
	})
}

func handleGetTask(log *slog.Logger, svc *tasks.Service) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, ok := caller(w, r)
		if !ok {
			return
		}
		t, err := svc.Task(r.Context(), c.UserID, r.PathValue("id"))
		if err != nil {
			web.Error(w, r, log, err)
			return
		}
		web.JSON(w, http.StatusOK, newTaskView(t))
	})
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

func handlePatchTask(log *slog.Logger, svc *tasks.Service) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, ok := caller(w, r)
		if !ok {
			return
		}
		req, err := web.Decode[patchTaskRequest](r)
		if err != nil {
			web.Error(w, r, log, err)
			return
		}
		t, err := svc.UpdateTask(r.Context(), c.UserID, r.PathValue("id"), tasks.TaskPatch{
			Title: req.Title.patch(), Description: req.Description.patch(), Status: req.Status.patch(),
			Priority: req.Priority.patch(), DueDate: req.DueDate.patch(), GoalID: req.GoalID.patch(),
		})
		if err != nil {
			web.Error(w, r, log, err)
			return
		}
		web.JSON(w, http.StatusOK, newTaskView(t))
	})
}

func handleDeleteTask(log *slog.Logger, svc *tasks.Service) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, ok := caller(w, r)
		if !ok {
			return
		}
		if err := svc.DeleteTask(r.Context(), c.UserID, r.PathValue("id")); err != nil {
			web.Error(w, r, log, err)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
