package storetest

import (
	"slices"
	"testing"
	"time"

	"github.com/bizy-auth/bizy/internal/tasks"
)

// pageIDs lists pages with list, passing each page's last id as the next
// After, until a page says no more follow. It returns the ids of each page
// and fails t when a page claims more but is empty, or after 50 pages.
func pageIDs[T any](t *testing.T, list func(after string) ([]T, bool, error), id func(T) string) [][]string {
	t.Helper()
	var pages [][]string
	after := ""
	for range 50 {
		items, more, err := list(after)
		if err != nil {
			t.Fatalf("page %d: %v", len(pages)+1, err)
		}
		var ids []string
		for _, it := range items {
			ids = append(ids, id(it))
		}
		pages = append(pages, ids)
		if !more {
			return pages
		}
		if len(ids) == 0 {
			t.Fatalf("page %d is empty but says more follow", len(pages))
		}
		after = ids[len(ids)-1]
	}
	t.Fatalf("more than 50 pages")
	return nil
}

// taskPages pages through userID's tasks matching f.
func taskPages(t *testing.T, s tasks.Store, userID string, f tasks.TaskFilter) [][]string {
	t.Helper()
	return pageIDs(t, func(after string) ([]tasks.Task, bool, error) {
		f.After = after
		return s.Tasks(t.Context(), userID, f)
	}, func(x tasks.Task) string { return x.ID })
}

// goalPages pages through userID's goals matching f.
func goalPages(t *testing.T, s tasks.Store, userID string, f tasks.GoalFilter) [][]string {
	t.Helper()
	return pageIDs(t, func(after string) ([]tasks.Goal, bool, error) {
		f.After = after
		return s.Goals(t.Context(), userID, f)
	}, func(x tasks.Goal) string { return x.ID })
}

// wantPages fails t unless pages has the given sizes and, joined, holds
// exactly want in order: nothing lost, nothing repeated.
func wantPages(t *testing.T, pages [][]string, sizes []int, want []string) {
	t.Helper()
	var got []string
	var gotSizes []int
	for _, p := range pages {
		got = append(got, p...)
		gotSizes = append(gotSizes, len(p))
	}
	if !slices.Equal(gotSizes, sizes) {
		t.Errorf("page sizes %v, want %v", gotSizes, sizes)
	}
	if !slices.Equal(got, want) {
		t.Fatalf("ids across pages:\n got %v\nwant %v", got, want)
	}
}

// mustCreateTasks stores n tasks of userID, made by newTask and changed by
// edit (which may be nil), and returns their ids newest first.
func mustCreateTasks(t *testing.T, s tasks.Store, userID string, n int, edit func(i int, task *tasks.Task)) []string {
	t.Helper()
	var ids []string
	for i := range n {
		task := newTask(userID)
		if edit != nil {
			edit(i, &task)
		}
		ids = append(ids, mustCreateTask(t, s, task).ID)
	}
	slices.Reverse(ids)
	return ids
}

// mustCreateGoals is mustCreateTasks for goals.
func mustCreateGoals(t *testing.T, s tasks.Store, userID string, n int, edit func(i int, g *tasks.Goal)) []string {
	t.Helper()
	var ids []string
	for i := range n {
		g := newGoal(userID)
		if edit != nil {
			edit(i, &g)
		}
		ids = append(ids, mustCreateGoal(t, s, g).ID)
	}
	slices.Reverse(ids)
	return ids
}

func testTasksPages(t *testing.T, s tasks.Store) {
	user, other := newUserID(), newUserID()
	want := mustCreateTasks(t, s, user, 7, nil)
	mustCreateTasks(t, s, other, 3, nil) // interleaved ids of a neighbour
	wantPages(t, taskPages(t, s, user, tasks.TaskFilter{Limit: 3}), []int{3, 3, 1}, want)
	wantPages(t, taskPages(t, s, user, tasks.TaskFilter{Limit: 100}), []int{7}, want)

	// The rows of a page come whole.
	got, _, err := s.Tasks(t.Context(), user, tasks.TaskFilter{Limit: 1})
	if err != nil || len(got) != 1 {
		t.Fatalf("Tasks = %d tasks, err %v; want 1", len(got), err)
	}
	wantTask(t, s, got[0])
}

func testTasksExactMultiple(t *testing.T, s tasks.Store) {
	user := newUserID()
	want := mustCreateTasks(t, s, user, 6, nil)
	wantPages(t, taskPages(t, s, user, tasks.TaskFilter{Limit: 3}), []int{3, 3}, want)
	wantPages(t, taskPages(t, s, user, tasks.TaskFilter{Limit: 6}), []int{6}, want)
}

func testTasksEmpty(t *testing.T, s tasks.Store) {
	user := newUserID()
	wantPages(t, taskPages(t, s, user, tasks.TaskFilter{Limit: 3}), []int{0}, nil)
	// After the last id, nothing follows.
	ids := mustCreateTasks(t, s, user, 2, nil)
	got, more, err := s.Tasks(t.Context(), user, tasks.TaskFilter{Limit: 3, After: ids[1]})
	if err != nil || len(got) != 0 || more {
		t.Fatalf("Tasks after the oldest = %d tasks, more %v, err %v; want none", len(got), more, err)
	}
}

// statuses cycles through the task statuses.
var statuses = []string{tasks.StatusTodo, tasks.StatusInProgress, tasks.StatusDone}

func testTasksFilterStatus(t *testing.T, s tasks.Store) {
	user, other := newUserID(), newUserID()
	ids := mustCreateTasks(t, s, user, 9, func(i int, task *tasks.Task) { task.Status = statuses[i%3] })
	mustCreateTasks(t, s, other, 3, func(i int, task *tasks.Task) { task.Status = statuses[i%3] })
	// ids is newest first: index j is task 8-j.
	for k, status := range statuses {
		var want []string
		for j, id := range ids {
			if (8-j)%3 == k {
				want = append(want, id)
			}
		}
		wantPages(t, taskPages(t, s, user, tasks.TaskFilter{Status: status, Limit: 2}), []int{2, 1}, want)
	}
}

func testTasksFilterGoal(t *testing.T, s tasks.Store) {
	user, other := newUserID(), newUserID()
	g1, g2 := mustCreateGoal(t, s, newGoal(user)), mustCreateGoal(t, s, newGoal(user))
	goalOf := func(i int) string { return []string{g1.ID, g2.ID, ""}[i%3] }
	ids := mustCreateTasks(t, s, user, 12, func(i int, task *tasks.Task) {
		task.GoalID, task.Status = goalOf(i), statuses[i%2]
	})
	// Another user's tasks on a goal of the same id cannot exist; on their
	// own goal they must not show.
	og := mustCreateGoal(t, s, newGoal(other))
	mustCreateTasks(t, s, other, 2, func(_ int, task *tasks.Task) { task.GoalID = og.ID })

	var onG1, onG1Todo []string
	for j, id := range ids {
		if i := 11 - j; goalOf(i) == g1.ID {
			onG1 = append(onG1, id)
			if statuses[i%2] == tasks.StatusTodo {
				onG1Todo = append(onG1Todo, id)
			}
		}
	}
	wantPages(t, taskPages(t, s, user, tasks.TaskFilter{GoalID: g1.ID, Limit: 3}), []int{3, 1}, onG1)
	wantPages(t, taskPages(t, s, user, tasks.TaskFilter{GoalID: g1.ID, Status: tasks.StatusTodo, Limit: 3}),
		[]int{2}, onG1Todo)
	wantPages(t, taskPages(t, s, user, tasks.TaskFilter{GoalID: newID(), Limit: 3}), []int{0}, nil)
}

func testGoalsPages(t *testing.T, s tasks.Store) {
	user, other := newUserID(), newUserID()
	want := mustCreateGoals(t, s, user, 7, nil)
	mustCreateGoals(t, s, other, 3, nil)
	wantPages(t, goalPages(t, s, user, tasks.GoalFilter{Limit: 3}), []int{3, 3, 1}, want)
	got, _, err := s.Goals(t.Context(), user, tasks.GoalFilter{Limit: 1})
	if err != nil || len(got) != 1 {
		t.Fatalf("Goals = %d goals, err %v; want 1", len(got), err)
	}
	wantGoal(t, s, got[0])
}

func testGoalsExactMultiple(t *testing.T, s tasks.Store) {
	user := newUserID()
	want := mustCreateGoals(t, s, user, 4, nil)
	wantPages(t, goalPages(t, s, user, tasks.GoalFilter{Limit: 2}), []int{2, 2}, want)
	wantPages(t, goalPages(t, s, newUserID(), tasks.GoalFilter{Limit: 2}), []int{0}, nil)
}

func testGoalsFilterStatus(t *testing.T, s tasks.Store) {
	user := newUserID()
	gs := []string{tasks.GoalActive, tasks.GoalAchieved, tasks.GoalAbandoned}
	ids := mustCreateGoals(t, s, user, 6, func(i int, g *tasks.Goal) { g.Status = gs[i%3] })
	mustCreateGoals(t, s, newUserID(), 3, func(i int, g *tasks.Goal) { g.Status = gs[i%3] })
	for k, status := range gs {
		var want []string
		for j, id := range ids {
			if (5-j)%3 == k {
				want = append(want, id)
			}
		}
		wantPages(t, goalPages(t, s, user, tasks.GoalFilter{Status: status, Limit: 1}), []int{1, 1}, want)
	}
}

// testTasksFields checks that a page holds every field exactly as stored,
// for texts with separators, quotes and non-ASCII text, empty optional
// fields and times with and without a fraction: the adapters read a page
// differently from one task (see internal/sqlite/packed.go).
func testTasksFields(t *testing.T, s tasks.Store) {
	user := newUserID()
	goal := mustCreateGoal(t, s, newGoal(user))
	texts := []string{"", "tab\tnew\nline \x01\x1f", `quote " backslash \ ; , | :`,
		"é 日本語 😀 \u2028 \ufeff", "<b>&amp;</b>", "12345", "0"}
	var want []tasks.Task
	for i, text := range texts {
		task := newTask(user)
		task.Title = "t" + text
		task.Description = text
		task.CreatedAt = epoch.Add(time.Duration(i) * 1234567 * time.Microsecond)
		task.UpdatedAt = task.CreatedAt.Add(time.Duration(i) * time.Second)
		switch i % 3 {
		case 0:
			task.DueDate, task.GoalID = "", ""
		case 1:
			task.GoalID = goal.ID
		}
		want = append(want, mustCreateTask(t, s, task))
	}
	slices.Reverse(want)
	got, more, err := s.Tasks(t.Context(), user, tasks.TaskFilter{Limit: len(want)})
	if err != nil || more || len(got) != len(want) {
		t.Fatalf("Tasks = %d tasks, more %v, err %v; want %d", len(got), more, err, len(want))
	}
	for i := range want {
		if d := diffTask(got[i], want[i]); d != "" {
			t.Errorf("task %d: %s", i, d)
		}
	}
}
