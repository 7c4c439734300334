package apiserver

import (
	"context"
	"net/url"

	"github.com/bizy-auth/bizy/internal/tasks"
)

// taskResource serves /api/tasks: a user's tasks, filtered by status and
// goal_id.
func taskResource(svc *tasks.Service) resource[tasks.Task, taskView, createTaskRequest, patchTaskRequest] {
	return resource[tasks.Task, taskView, createTaskRequest, patchTaskRequest]{
		list: func(ctx context.Context, userID string, q url.Values, limit int) ([]tasks.Task, string, error) {
			f := tasks.TaskFilter{Status: q.Get("status"), GoalID: q.Get("goal_id"), Limit: limit}
			return svc.Tasks(ctx, userID, f, q.Get("cursor"))
		},
		create: func(ctx context.Context, userID string, req createTaskRequest) (tasks.Task, error) {
			return svc.CreateTask(ctx, userID, tasks.TaskInput{
				Title: req.Title, Description: req.Description, Status: req.Status, Priority: req.Priority,
				DueDate: deref(req.DueDate), GoalID: deref(req.GoalID),
			})
		},
		get: svc.Task,
		update: func(ctx context.Context, userID, id string, req patchTaskRequest) (tasks.Task, error) {
			return svc.UpdateTask(ctx, userID, id, tasks.TaskPatch{
				Title: req.Title.patch(), Description: req.Description.patch(), Status: req.Status.patch(),
				Priority: req.Priority.patch(), DueDate: req.DueDate.patch(), GoalID: req.GoalID.patch(),
			})
		},
		remove:     svc.DeleteTask,
		view:       newTaskView,
		appendPage: appendTaskPage,
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

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
