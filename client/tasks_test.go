package client_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"testing"

	"github.com/bizy-auth/bizy/client"
)

func TestTasks(t *testing.T) {
	b := startBizy(t)
	c := b.newClient(t, client.Config{})
	ivy, jack := b.newUser(t, c, "ivy"), b.newUser(t, c, "jack")
	ctx := context.Background()

	g, err := ivy.CreateGoal(ctx, client.NewGoal{Title: "Ship Bizy"})
	if err != nil {
		t.Fatal(err)
	}
	task, err := ivy.CreateTask(ctx, client.NewTask{Title: "Write the README", Description: "with examples",
		Priority: client.PriorityHigh, DueDate: "2026-12-01", GoalID: g.ID})
	if err != nil {
		t.Fatal(err)
	}
	if task.ID == "" || task.Status != client.TaskTodo || task.Priority != client.PriorityHigh || task.DueDate != "2026-12-01" ||
		task.GoalID != g.ID || task.Description != "with examples" || task.CreatedAt.IsZero() {
		t.Fatalf("created %+v", task)
	}
	plain, err := ivy.CreateTask(ctx, client.NewTask{Title: "Plain"})
	if err != nil || plain.Priority != client.PriorityMedium || plain.DueDate != "" || plain.GoalID != "" {
		t.Fatalf("created %+v, %v", plain, err)
	}
	if got, err := ivy.GetTask(ctx, task.ID); err != nil || got != task {
		t.Fatalf("GetTask = %+v, %v; want %+v", got, err, task)
	}

	// Filters.
	page, err := ivy.ListTasks(ctx, client.TaskQuery{GoalID: g.ID})
	if err != nil || len(page.Items) != 1 || page.Items[0].ID != task.ID || page.NextCursor != "" {
		t.Fatalf("tasks of the goal = %+v, %v", page, err)
	}
	if _, err := ivy.UpdateTask(ctx, plain.ID, client.TaskPatch{Status: new(client.TaskDone)}); err != nil {
		t.Fatal(err)
	}
	page, err = ivy.ListTasks(ctx, client.TaskQuery{Status: client.TaskDone})
	if err != nil || len(page.Items) != 1 || page.Items[0].ID != plain.ID {
		t.Fatalf("done tasks = %+v, %v", page, err)
	}

	// A PATCH leaves absent fields and clears the ones set to "".
	got, err := ivy.UpdateTask(ctx, task.ID, client.TaskPatch{Status: new(client.TaskInProgress), DueDate: new("")})
	if err != nil || got.Status != client.TaskInProgress || got.DueDate != "" || got.GoalID != g.ID ||
		got.Title != task.Title || got.Description != task.Description || got.Priority != client.PriorityHigh {
		t.Fatalf("after clearing due_date: %+v, %v", got, err)
	}
	got, err = ivy.UpdateTask(ctx, task.ID, client.TaskPatch{GoalID: new(""), Description: new("")})
	if err != nil || got.GoalID != "" || got.Description != "" || got.Status != client.TaskInProgress {
		t.Fatalf("after clearing goal_id and description: %+v, %v", got, err)
	}
	got, err = ivy.UpdateTask(ctx, task.ID, client.TaskPatch{DueDate: new("2027-01-31"), GoalID: &g.ID})
	if err != nil || got.DueDate != "2027-01-31" || got.GoalID != g.ID {
		t.Fatalf("after setting them again: %+v, %v", got, err)
	}

	// Refusals.
	_, err = ivy.UpdateTask(ctx, task.ID, client.TaskPatch{Title: new(""), Priority: new("urgent")})
	wantFields(t, err, "priority", "title")
	_, err = ivy.CreateTask(ctx, client.NewTask{Title: "x", DueDate: "tomorrow"})
	wantFields(t, err, "due_date")
	_, err = ivy.CreateTask(ctx, client.NewTask{Title: "x", GoalID: "00000000-0000-7000-8000-000000000000"})
	wantFields(t, err, "goal_id")
	_, err = jack.CreateTask(ctx, client.NewTask{Title: "Steal a goal", GoalID: g.ID})
	wantFields(t, err, "goal_id")

	// Another user's task is a 404, as an unknown one is.
	_, err = jack.GetTask(ctx, task.ID)
	wantError(t, err, http.StatusNotFound, client.CodeNotFound)
	_, err = jack.UpdateTask(ctx, task.ID, client.TaskPatch{Title: new("mine")})
	wantError(t, err, http.StatusNotFound, client.CodeNotFound)
	wantError(t, jack.DeleteTask(ctx, task.ID), http.StatusNotFound, client.CodeNotFound)
	if page, err := jack.ListTasks(ctx, client.TaskQuery{}); err != nil || len(page.Items) != 0 {
		t.Fatalf("jack sees %+v, %v", page, err)
	}

	if err := ivy.DeleteTask(ctx, task.ID); err != nil {
		t.Fatal(err)
	}
	_, err = ivy.GetTask(ctx, task.ID)
	wantError(t, err, http.StatusNotFound, client.CodeNotFound)
}

func TestTaskPages(t *testing.T) {
	b := startBizy(t)
	tr := &transport{}
	kate := b.newUser(t, b.newClient(t, client.Config{HTTPClient: tr.client()}), "kate")
	ctx := context.Background()
	var made []string
	for i := range 5 {
		task, err := kate.CreateTask(ctx, client.NewTask{Title: fmt.Sprint("task ", i)})
		if err != nil {
			t.Fatal(err)
		}
		made = append([]string{task.ID}, made...) // newest first
	}

	page, err := kate.ListTasks(ctx, client.TaskQuery{Limit: 2})
	if err != nil || len(page.Items) != 2 || page.Items[0].ID != made[0] || page.NextCursor == "" {
		t.Fatalf("first page = %+v, %v", page, err)
	}
	page, err = kate.ListTasks(ctx, client.TaskQuery{Limit: 2, Cursor: page.NextCursor})
	if err != nil || len(page.Items) != 2 || page.Items[0].ID != made[2] {
		t.Fatalf("second page = %+v, %v", page, err)
	}

	before := tr.count("GET /api/tasks")
	var got []string
	for task, err := range kate.AllTasks(ctx, client.TaskQuery{Limit: 2}) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, task.ID)
	}
	if fmt.Sprint(got) != fmt.Sprint(made) || tr.count("GET /api/tasks")-before != 3 {
		t.Fatalf("AllTasks = %v in %d requests, want %v in 3", got, tr.count("GET /api/tasks")-before, made)
	}

	// Stopping early fetches no further page.
	before = tr.count("GET /api/tasks")
	for range kate.AllTasks(ctx, client.TaskQuery{Limit: 2}) {
		break
	}
	if n := tr.count("GET /api/tasks") - before; n != 1 {
		t.Fatalf("a loop that stopped at the first task made %d requests", n)
	}

	// A refused page ends the loop with its error.
	_, err = kate.ListTasks(ctx, client.TaskQuery{Limit: 101})
	wantFields(t, err, "limit")
	var last error
	n := 0
	for _, err := range kate.AllTasks(ctx, client.TaskQuery{Cursor: "not-a-cursor"}) {
		n, last = n+1, err
	}
	var e *client.Error
	if n != 1 || !errors.As(last, &e) || e.Status != http.StatusUnprocessableEntity {
		t.Fatalf("AllTasks with a bad cursor yielded %d pairs, last error %v", n, last)
	}
}

func TestGoals(t *testing.T) {
	b := startBizy(t)
	c := b.newClient(t, client.Config{})
	lena, mia := b.newUser(t, c, "lena"), b.newUser(t, c, "mia")
	ctx := context.Background()

	g, err := lena.CreateGoal(ctx, client.NewGoal{Title: "Run a marathon", Description: "in spring", TargetDate: "2027-04-01"})
	if err != nil || g.Status != client.GoalActive || g.TargetDate != "2027-04-01" || g.Description != "in spring" {
		t.Fatalf("created %+v, %v", g, err)
	}
	task, err := lena.CreateTask(ctx, client.NewTask{Title: "Buy shoes", GoalID: g.ID})
	if err != nil {
		t.Fatal(err)
	}
	if got, err := lena.GetGoal(ctx, g.ID); err != nil || got != g {
		t.Fatalf("GetGoal = %+v, %v", got, err)
	}
	got, err := lena.UpdateGoal(ctx, g.ID, client.GoalPatch{TargetDate: new(""), Status: new(client.GoalAchieved)})
	if err != nil || got.TargetDate != "" || got.Status != client.GoalAchieved || got.Description != "in spring" || got.Title != g.Title {
		t.Fatalf("after the patch: %+v, %v", got, err)
	}
	_, err = lena.UpdateGoal(ctx, g.ID, client.GoalPatch{Status: new(""), TargetDate: new("someday")})
	wantFields(t, err, "status", "target_date")
	_, err = lena.CreateGoal(ctx, client.NewGoal{})
	wantFields(t, err, "title")

	page, err := lena.ListGoals(ctx, client.GoalQuery{Status: client.GoalAchieved})
	if err != nil || len(page.Items) != 1 || page.Items[0].ID != g.ID {
		t.Fatalf("achieved goals = %+v, %v", page, err)
	}
	n := 0
	for _, err := range lena.AllGoals(ctx, client.GoalQuery{Status: client.GoalActive}) {
		if err != nil {
			t.Fatal(err)
		}
		n++
	}
	if n != 0 {
		t.Fatalf("AllGoals(active) yielded %d goals, want 0", n)
	}

	_, err = mia.GetGoal(ctx, g.ID)
	wantError(t, err, http.StatusNotFound, client.CodeNotFound)
	wantError(t, mia.DeleteGoal(ctx, g.ID), http.StatusNotFound, client.CodeNotFound)

	// Deleting a goal keeps its tasks, without it.
	if err := lena.DeleteGoal(ctx, g.ID); err != nil {
		t.Fatal(err)
	}
	_, err = lena.GetGoal(ctx, g.ID)
	wantError(t, err, http.StatusNotFound, client.CodeNotFound)
	if got, err := lena.GetTask(ctx, task.ID); err != nil || got.GoalID != "" {
		t.Fatalf("the goal's task = %+v, %v", got, err)
	}
}
