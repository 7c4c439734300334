package storetest

import (
	"testing"
	"time"

	"github.com/bizy-auth/bizy/internal/tasks"
)

func testGoalRoundTrip(t *testing.T, s tasks.Store) {
	user := newUserID()
	g := newGoal(user)
	g.Status, g.Title = tasks.GoalAchieved, "Run a marathon — 42 km"
	g.CreatedAt = time.Date(2031, 3, 4, 10, 36, 7, 654321000, time.FixedZone("UTC-03:00", -3*3600))
	g.UpdatedAt = g.CreatedAt.Add(time.Hour + time.Microsecond)
	mustCreateGoal(t, s, g)
	mustCreateGoal(t, s, newGoal(user)) // a neighbour that must not be returned
	wantGoal(t, s, g)
}

func testGoalEmptyFields(t *testing.T, s tasks.Store) {
	g := newGoal(newUserID())
	g.Description, g.TargetDate = "", ""
	mustCreateGoal(t, s, g)
	wantGoal(t, s, g)
}

func testGoalDuplicateID(t *testing.T, s tasks.Store) {
	g := mustCreateGoal(t, s, newGoal(newUserID()))
	dup := newGoal(newUserID())
	dup.ID = g.ID
	if err := s.CreateGoal(t.Context(), dup); err == nil {
		t.Fatal("CreateGoal with a taken id succeeded, want an error")
	}
	wantGoal(t, s, g)
}

func testGoalUnknown(t *testing.T, s tasks.Store) {
	user := newUserID()
	mustCreateGoal(t, s, newGoal(user))
	_, err := s.Goal(t.Context(), user, newID())
	wantMissing(t, "Goal", err)
	wantMissing(t, "UpdateGoal", s.UpdateGoal(t.Context(), newGoal(user)))
	wantMissing(t, "DeleteGoal", s.DeleteGoal(t.Context(), user, newID()))
}

func testUpdateGoal(t *testing.T, s tasks.Store) {
	user := newUserID()
	g := mustCreateGoal(t, s, newGoal(user))
	other := mustCreateGoal(t, s, newGoal(user))

	u := g
	u.Title, u.Description, u.Status, u.TargetDate = "Renamed", "", tasks.GoalAbandoned, ""
	u.UpdatedAt = epoch.Add(2 * time.Hour)
	u.CreatedAt = epoch.Add(99 * time.Hour) // CreatedAt is not written
	if err := s.UpdateGoal(t.Context(), u); err != nil {
		t.Fatalf("UpdateGoal: %v", err)
	}
	u.CreatedAt = g.CreatedAt
	wantGoal(t, s, u)

	u.Description, u.TargetDate, u.UpdatedAt = "Again.", "2032-02-29", epoch.Add(3*time.Hour)
	if err := s.UpdateGoal(t.Context(), u); err != nil {
		t.Fatalf("UpdateGoal: %v", err)
	}
	wantGoal(t, s, u)
	wantGoal(t, s, other)
}

// testGoalOtherUser checks that another user's goal behaves exactly like a
// missing one, and that trying to reach it changes nothing, not even the
// owner's tasks linked to it.
func testGoalOtherUser(t *testing.T, s tasks.Store) {
	alice, bob := newUserID(), newUserID()
	g := mustCreateGoal(t, s, newGoal(alice))
	task := newTask(alice)
	task.GoalID = g.ID
	mustCreateTask(t, s, task)

	_, err := s.Goal(t.Context(), bob, g.ID)
	wantMissing(t, "Goal as another user", err)
	hijack := g
	hijack.UserID, hijack.Title, hijack.Status = bob, "Mine now", tasks.GoalAbandoned
	wantMissing(t, "UpdateGoal as another user", s.UpdateGoal(t.Context(), hijack))
	wantMissing(t, "DeleteGoal as another user", s.DeleteGoal(t.Context(), bob, g.ID))
	if got, more, err := s.Goals(t.Context(), bob, tasks.GoalFilter{Limit: 10}); err != nil || len(got) != 0 || more {
		t.Fatalf("Goals as another user = %d goals, more %v, err %v; want none", len(got), more, err)
	}
	wantGoal(t, s, g)
	wantTask(t, s, task)
}

// testDeleteGoalUnlinks checks that deleting a goal unlinks the owner's tasks
// from it, bumping their UpdatedAt to the current time, and leaves tasks on
// other goals or on none as they were.
func testDeleteGoalUnlinks(t *testing.T, s tasks.Store) {
	user := newUserID()
	g, keep := mustCreateGoal(t, s, newGoal(user)), mustCreateGoal(t, s, newGoal(user))
	var linked []tasks.Task
	for range 2 {
		task := newTask(user)
		task.GoalID = g.ID
		linked = append(linked, mustCreateTask(t, s, task))
	}
	onKeep := newTask(user)
	onKeep.GoalID = keep.ID
	mustCreateTask(t, s, onKeep)
	loose := mustCreateTask(t, s, newTask(user))

	if err := s.DeleteGoal(t.Context(), user, g.ID); err != nil {
		t.Fatalf("DeleteGoal: %v", err)
	}
	_, err := s.Goal(t.Context(), user, g.ID)
	wantMissing(t, "Goal after DeleteGoal", err)
	wantMissing(t, "DeleteGoal again", s.DeleteGoal(t.Context(), user, g.ID))
	for _, want := range linked {
		got, err := s.Task(t.Context(), user, want.ID)
		if err != nil {
			t.Fatalf("Task of the deleted goal: %v", err)
		}
		if got.GoalID != "" {
			t.Errorf("GoalID = %q after its goal was deleted, want \"\"", got.GoalID)
		}
		if time.Since(got.UpdatedAt).Abs() > time.Minute {
			t.Errorf("UpdatedAt = %v after unlinking, want about now", got.UpdatedAt)
		}
		want.GoalID, want.UpdatedAt = "", got.UpdatedAt
		if d := diffTask(got, want); d != "" {
			t.Errorf("Task of the deleted goal: %s", d)
		}
	}
	wantTask(t, s, onKeep)
	wantTask(t, s, loose)
	wantGoal(t, s, keep)
	got, _, err := s.Tasks(t.Context(), user, tasks.TaskFilter{GoalID: g.ID, Limit: 10})
	if err != nil || len(got) != 0 {
		t.Fatalf("Tasks of the deleted goal = %d tasks, err %v; want none", len(got), err)
	}
}

// testDeleteGoalOtherUsers checks that deleting one user's goal touches no
// other user's goals or tasks.
func testDeleteGoalOtherUsers(t *testing.T, s tasks.Store) {
	alice, bob := newUserID(), newUserID()
	ga, gb := mustCreateGoal(t, s, newGoal(alice)), mustCreateGoal(t, s, newGoal(bob))
	ta, tb := newTask(alice), newTask(bob)
	ta.GoalID, tb.GoalID = ga.ID, gb.ID
	mustCreateTask(t, s, ta)
	mustCreateTask(t, s, tb)

	if err := s.DeleteGoal(t.Context(), alice, ga.ID); err != nil {
		t.Fatalf("DeleteGoal: %v", err)
	}
	wantGoal(t, s, gb)
	wantTask(t, s, tb)
}
