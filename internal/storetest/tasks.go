package storetest

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/bizy-auth/bizy/internal/tasks"
)

// TasksStore checks that the stores returned by open behave as tasks.Store
// documents. open is called once per subtest and must return an empty,
// migrated store, releasing it with t.Cleanup. Subtests run one after the
// other, so open need not be safe for concurrent use.
func TasksStore(t *testing.T, open func(t *testing.T) tasks.Store) {
	t.Helper()
	cases := []struct {
		name string
		test func(t *testing.T, s tasks.Store)
	}{
		{"CreateTask/ThenTask", testTaskRoundTrip},
		{"CreateTask/EmptyOptionalFields", testTaskEmptyFields},
		{"CreateTask/TimesUTCMicrosecond", testTaskTimes},
		{"CreateTask/UnknownGoal", testTaskUnknownGoal},
		{"CreateTask/DuplicateID", testTaskDuplicateID},
		{"Task/Unknown", testTaskUnknown},
		{"UpdateTask/RoundTrip", testUpdateTask},
		{"UpdateTask/UnknownGoal", testUpdateTaskUnknownGoal},
		{"DeleteTask/ThenGone", testDeleteTask},
		{"OtherUser/Task", testTaskOtherUser},
		{"OtherUser/Goal", testGoalOtherUser},
		{"Tasks/PagesNewestFirst", testTasksPages},
		{"Tasks/ExactMultipleOfLimit", testTasksExactMultiple},
		{"Tasks/Empty", testTasksEmpty},
		{"Tasks/EveryFieldAsStored", testTasksFields},
		{"Tasks/FilterStatus", testTasksFilterStatus},
		{"Tasks/FilterGoal", testTasksFilterGoal},
		{"CreateGoal/ThenGoal", testGoalRoundTrip},
		{"CreateGoal/EmptyOptionalFields", testGoalEmptyFields},
		{"CreateGoal/DuplicateID", testGoalDuplicateID},
		{"Goal/Unknown", testGoalUnknown},
		{"UpdateGoal/RoundTrip", testUpdateGoal},
		{"Goals/PagesNewestFirst", testGoalsPages},
		{"Goals/ExactMultipleOfLimit", testGoalsExactMultiple},
		{"Goals/FilterStatus", testGoalsFilterStatus},
		{"DeleteGoal/UnlinksTasks", testDeleteGoalUnlinks},
		{"DeleteGoal/LeavesOtherUsers", testDeleteGoalOtherUsers},
		{"Stats/Empty", testStatsEmpty},
		{"Stats/Counts", testStatsCounts},
		{"EraseUser/OnceAndOnlyTheirs", testEraseUser},
		{"Tx/CommitsOnNil", testTasksTxCommits},
		{"Tx/RollsBackOnError", testTasksTxRollsBack},
		{"Tx/Nested", testTasksTxNested},
		{"Tx/DeleteGoalInside", testTasksTxDeleteGoal},
		{"Ping", testTasksPing},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { c.test(t, open(t)) })
	}
}

// newID returns a UUIDv7 string, so that ids made later sort after.
func newID() string { return uuid.Must(uuid.NewV7()).String() }

// newUserID returns the id of a user of the tasks store, which knows no
// users beyond their ids.
func newUserID() string { return uuid.NewString() }

// newTask returns a task of userID with every field set but GoalID.
func newTask(userID string) tasks.Task {
	id := newID()
	return tasks.Task{
		ID: id, UserID: userID, Title: "Task " + id[len(id)-6:], Description: "Some words.",
		Status: tasks.StatusTodo, Priority: tasks.PriorityMedium, DueDate: "2031-04-05",
		CreatedAt: epoch, UpdatedAt: epoch,
	}
}

// newGoal returns a goal of userID with every field set.
func newGoal(userID string) tasks.Goal {
	id := newID()
	return tasks.Goal{
		ID: id, UserID: userID, Title: "Goal " + id[len(id)-6:], Description: "Why it matters.",
		Status: tasks.GoalActive, TargetDate: "2031-12-31", CreatedAt: epoch, UpdatedAt: epoch,
	}
}

// mustCreateTask stores t and returns it.
func mustCreateTask(t *testing.T, s tasks.Store, task tasks.Task) tasks.Task {
	t.Helper()
	if err := s.CreateTask(t.Context(), task); err != nil {
		t.Fatalf("CreateTask: %v", err)
	}
	return task
}

// mustCreateGoal stores g and returns it.
func mustCreateGoal(t *testing.T, s tasks.Store, g tasks.Goal) tasks.Goal {
	t.Helper()
	if err := s.CreateGoal(t.Context(), g); err != nil {
		t.Fatalf("CreateGoal: %v", err)
	}
	return g
}

// wantTask fails t unless s holds want, exactly, for want.UserID.
func wantTask(t *testing.T, s tasks.Store, want tasks.Task) {
	t.Helper()
	got, err := s.Task(t.Context(), want.UserID, want.ID)
	if err != nil {
		t.Fatalf("Task(%s): %v", want.ID, err)
	}
	if d := diffTask(got, want); d != "" {
		t.Fatalf("Task(%s): %s", want.ID, d)
	}
}

// wantGoal fails t unless s holds want, exactly, for want.UserID.
func wantGoal(t *testing.T, s tasks.Store, want tasks.Goal) {
	t.Helper()
	got, err := s.Goal(t.Context(), want.UserID, want.ID)
	if err != nil {
		t.Fatalf("Goal(%s): %v", want.ID, err)
	}
	if d := diffGoal(got, want); d != "" {
		t.Fatalf("Goal(%s): %s", want.ID, d)
	}
}

// wantMissing fails t unless err matches tasks.ErrNotFound.
func wantMissing(t *testing.T, what string, err error) {
	t.Helper()
	if !errors.Is(err, tasks.ErrNotFound) {
		t.Fatalf("%s: err = %v, want tasks.ErrNotFound", what, err)
	}
}

// diffTask describes how two tasks differ, or returns "". Times must be
// equal instants and in UTC.
func diffTask(got, want tasks.Task) string {
	d := diffTimes(got.CreatedAt, want.CreatedAt, got.UpdatedAt, want.UpdatedAt)
	got.CreatedAt, got.UpdatedAt, want.CreatedAt, want.UpdatedAt = time.Time{}, time.Time{}, time.Time{}, time.Time{}
	if got != want {
		d += fmt.Sprintf("got %+v, want %+v", got, want)
	}
	return d
}

// diffGoal describes how two goals differ, or returns "".
func diffGoal(got, want tasks.Goal) string {
	d := diffTimes(got.CreatedAt, want.CreatedAt, got.UpdatedAt, want.UpdatedAt)
	got.CreatedAt, got.UpdatedAt, want.CreatedAt, want.UpdatedAt = time.Time{}, time.Time{}, time.Time{}, time.Time{}
	if got != want {
		d += fmt.Sprintf("got %+v, want %+v", got, want)
	}
	return d
}

func diffTimes(gotCreated, wantCreated, gotUpdated, wantUpdated time.Time) string {
	var d string
	if !gotCreated.Equal(wantCreated) || gotCreated.Location() != time.UTC {
		d += fmt.Sprintf("CreatedAt = %v, want %v in UTC; ", gotCreated, wantCreated.UTC())
	}
	if !gotUpdated.Equal(wantUpdated) || gotUpdated.Location() != time.UTC {
		d += fmt.Sprintf("UpdatedAt = %v, want %v in UTC; ", gotUpdated, wantUpdated.UTC())
	}
	return d
}

func testTaskRoundTrip(t *testing.T, s tasks.Store) {
	user := newUserID()
	g := mustCreateGoal(t, s, newGoal(user))
	task := newTask(user)
	task.GoalID, task.Status, task.Priority = g.ID, tasks.StatusInProgress, tasks.PriorityHigh
	task.Title, task.Description = "Écrire le rapport ✓", "Two\nlines, 'quotes' and \"more\"."
	task.UpdatedAt = epoch.Add(time.Hour)
	mustCreateTask(t, s, task)
	mustCreateTask(t, s, newTask(user)) // a neighbour that must not be returned
	wantTask(t, s, task)
}

func testTaskEmptyFields(t *testing.T, s tasks.Store) {
	task := newTask(newUserID())
	task.Description, task.DueDate, task.GoalID = "", "", ""
	mustCreateTask(t, s, task)
	wantTask(t, s, task)
}

func testTaskTimes(t *testing.T, s tasks.Store) {
	zone := time.FixedZone("UTC+05:30", 5*3600+1800)
	task := newTask(newUserID())
	task.CreatedAt = time.Date(2031, 3, 4, 10, 36, 7, 654321000, zone)
	task.UpdatedAt = task.CreatedAt.Add(time.Hour + time.Microsecond)
	mustCreateTask(t, s, task)
	wantTask(t, s, task) // diffTask requires UTC and the same instant

	// Precision beyond the microsecond need not survive, but the time must
	// stay within a microsecond of what was given.
	v := newTask(newUserID())
	v.CreatedAt = epoch.Add(789 * time.Nanosecond)
	mustCreateTask(t, s, v)
	got, err := s.Task(t.Context(), v.UserID, v.ID)
	if err != nil {
		t.Fatalf("Task: %v", err)
	}
	if d := got.CreatedAt.Sub(v.CreatedAt).Abs(); d >= time.Microsecond || got.CreatedAt.Location() != time.UTC {
		t.Fatalf("CreatedAt = %v, want within 1µs of %v, in UTC", got.CreatedAt, v.CreatedAt)
	}
}

func testTaskUnknownGoal(t *testing.T, s tasks.Store) {
	task := newTask(newUserID())
	task.GoalID = newID()
	if err := s.CreateTask(t.Context(), task); err == nil {
		t.Fatal("CreateTask with the id of no goal succeeded, want an error")
	}
	_, err := s.Task(t.Context(), task.UserID, task.ID)
	wantMissing(t, "Task of the rejected task", err)
}

func testTaskDuplicateID(t *testing.T, s tasks.Store) {
	task := mustCreateTask(t, s, newTask(newUserID()))
	dup := newTask(newUserID())
	dup.ID = task.ID
	if err := s.CreateTask(t.Context(), dup); err == nil {
		t.Fatal("CreateTask with a taken id succeeded, want an error")
	}
	wantTask(t, s, task)
}

func testTaskUnknown(t *testing.T, s tasks.Store) {
	user := newUserID()
	mustCreateTask(t, s, newTask(user))
	_, err := s.Task(t.Context(), user, newID())
	wantMissing(t, "Task", err)
	wantMissing(t, "UpdateTask", s.UpdateTask(t.Context(), newTask(user)))
	wantMissing(t, "DeleteTask", s.DeleteTask(t.Context(), user, newID()))
}

func testUpdateTask(t *testing.T, s tasks.Store) {
	user := newUserID()
	g1, g2 := mustCreateGoal(t, s, newGoal(user)), mustCreateGoal(t, s, newGoal(user))
	task := newTask(user)
	task.GoalID = g1.ID
	mustCreateTask(t, s, task)
	other := mustCreateTask(t, s, newTask(user))

	// Every field changes, the optional ones to "".
	u := task
	u.Title, u.Description, u.Status, u.Priority = "Renamed", "", tasks.StatusDone, tasks.PriorityLow
	u.DueDate, u.GoalID, u.UpdatedAt = "", "", epoch.Add(2*time.Hour)
	u.CreatedAt = epoch.Add(99 * time.Hour) // CreatedAt is not written
	if err := s.UpdateTask(t.Context(), u); err != nil {
		t.Fatalf("UpdateTask: %v", err)
	}
	u.CreatedAt = task.CreatedAt
	wantTask(t, s, u)

	// And back from "" to values.
	u.Description, u.DueDate, u.GoalID, u.UpdatedAt = "Again.", "2032-01-02", g2.ID, epoch.Add(3*time.Hour)
	if err := s.UpdateTask(t.Context(), u); err != nil {
		t.Fatalf("UpdateTask: %v", err)
	}
	wantTask(t, s, u)
	wantTask(t, s, other)
}

func testUpdateTaskUnknownGoal(t *testing.T, s tasks.Store) {
	task := mustCreateTask(t, s, newTask(newUserID()))
	u := task
	u.Title, u.GoalID = "Changed", newID()
	if err := s.UpdateTask(t.Context(), u); err == nil {
		t.Fatal("UpdateTask to the id of no goal succeeded, want an error")
	}
	wantTask(t, s, task)
}

func testDeleteTask(t *testing.T, s tasks.Store) {
	user := newUserID()
	task, other := mustCreateTask(t, s, newTask(user)), mustCreateTask(t, s, newTask(user))
	if err := s.DeleteTask(t.Context(), user, task.ID); err != nil {
		t.Fatalf("DeleteTask: %v", err)
	}
	_, err := s.Task(t.Context(), user, task.ID)
	wantMissing(t, "Task after DeleteTask", err)
	wantMissing(t, "DeleteTask again", s.DeleteTask(t.Context(), user, task.ID))
	wantTask(t, s, other)
}

// testTaskOtherUser checks that another user's task behaves exactly like a
// missing one, and that trying to reach it changes nothing.
func testTaskOtherUser(t *testing.T, s tasks.Store) {
	alice, bob := newUserID(), newUserID()
	g := mustCreateGoal(t, s, newGoal(alice))
	task := newTask(alice)
	task.GoalID = g.ID
	mustCreateTask(t, s, task)

	_, err := s.Task(t.Context(), bob, task.ID)
	wantMissing(t, "Task as another user", err)
	hijack := task
	hijack.UserID, hijack.Title, hijack.Status, hijack.GoalID = bob, "Mine now", tasks.StatusDone, ""
	wantMissing(t, "UpdateTask as another user", s.UpdateTask(t.Context(), hijack))
	wantMissing(t, "DeleteTask as another user", s.DeleteTask(t.Context(), bob, task.ID))
	for _, f := range []tasks.TaskFilter{{Limit: 10}, {GoalID: g.ID, Limit: 10}} {
		if got, more, err := s.Tasks(t.Context(), bob, f); err != nil || len(got) != 0 || more {
			t.Fatalf("Tasks(%+v) as another user = %d tasks, more %v, err %v; want none", f, len(got), more, err)
		}
	}
	wantTask(t, s, task)
}
