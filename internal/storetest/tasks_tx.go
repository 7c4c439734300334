package storetest

import (
	"errors"
	"reflect"
	"testing"

	"github.com/bizy-auth/bizy/internal/tasks"
)

// wantStats fails t unless s's Stats are want, with every status key
// present.
func wantStats(t *testing.T, s tasks.Store, want tasks.Stats) {
	t.Helper()
	got, err := s.Stats(t.Context())
	if err != nil {
		t.Fatalf("Stats: %v", err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("Stats = %+v, want %+v", got, want)
	}
}

func testStatsEmpty(t *testing.T, s tasks.Store) {
	wantStats(t, s, tasks.Stats{
		TasksByStatus: map[string]int{tasks.StatusTodo: 0, tasks.StatusInProgress: 0, tasks.StatusDone: 0},
		GoalsByStatus: map[string]int{tasks.GoalActive: 0, tasks.GoalAchieved: 0, tasks.GoalAbandoned: 0},
	})
}

func testStatsCounts(t *testing.T, s tasks.Store) {
	alice, bob, carol := newUserID(), newUserID(), newUserID()
	ga := mustCreateGoal(t, s, newGoal(alice))
	mustCreateTasks(t, s, alice, 3, func(i int, task *tasks.Task) {
		task.Status = []string{tasks.StatusTodo, tasks.StatusTodo, tasks.StatusDone}[i]
		task.GoalID = ga.ID
	})
	mustCreateTasks(t, s, bob, 1, func(_ int, task *tasks.Task) { task.Status = tasks.StatusInProgress })
	gc := newGoal(carol) // a user with a goal and no task counts too
	gc.Status = tasks.GoalAbandoned
	mustCreateGoal(t, s, gc)
	wantStats(t, s, tasks.Stats{
		Tasks:         4,
		TasksByStatus: map[string]int{tasks.StatusTodo: 2, tasks.StatusInProgress: 1, tasks.StatusDone: 1},
		Goals:         2,
		GoalsByStatus: map[string]int{tasks.GoalActive: 1, tasks.GoalAchieved: 0, tasks.GoalAbandoned: 1},
		Users:         3,
	})
}

func testTasksTxCommits(t *testing.T, s tasks.Store) {
	user := newUserID()
	g, task := newGoal(user), newTask(user)
	task.GoalID = g.ID
	err := s.Tx(t.Context(), func(tx tasks.Store) error {
		if err := tx.CreateGoal(t.Context(), g); err != nil {
			return err
		}
		// The transaction sees its own writes.
		if _, err := tx.Goal(t.Context(), user, g.ID); err != nil {
			return err
		}
		return tx.CreateTask(t.Context(), task)
	})
	if err != nil {
		t.Fatalf("Tx: %v", err)
	}
	wantGoal(t, s, g)
	wantTask(t, s, task)
}

func testTasksTxRollsBack(t *testing.T, s tasks.Store) {
	user := newUserID()
	old := mustCreateTask(t, s, newTask(user))
	g, task := newGoal(user), newTask(user)
	err := s.Tx(t.Context(), func(tx tasks.Store) error {
		if err := tx.CreateGoal(t.Context(), g); err != nil {
			return err
		}
		if err := tx.CreateTask(t.Context(), task); err != nil {
			return err
		}
		changed := old
		changed.Title, changed.GoalID = "Changed", g.ID
		if err := tx.UpdateTask(t.Context(), changed); err != nil {
			return err
		}
		return errAbort
	})
	if !errors.Is(err, errAbort) {
		t.Fatalf("Tx = %v, want fn's error", err)
	}
	_, err = s.Goal(t.Context(), user, g.ID)
	wantMissing(t, "Goal after rollback", err)
	_, err = s.Task(t.Context(), user, task.ID)
	wantMissing(t, "Task after rollback", err)
	wantTask(t, s, old)
}

func testTasksTxNested(t *testing.T, s tasks.Store) {
	user := newUserID()
	a, b := newTask(user), newTask(user)
	err := s.Tx(t.Context(), func(tx tasks.Store) error {
		if err := tx.CreateTask(t.Context(), a); err != nil {
			return err
		}
		err := tx.Tx(t.Context(), func(inner tasks.Store) error {
			if _, err := inner.Task(t.Context(), user, a.ID); err != nil {
				return err
			}
			return inner.CreateTask(t.Context(), b)
		})
		if err != nil {
			return err
		}
		return errAbort
	})
	if !errors.Is(err, errAbort) {
		t.Fatalf("Tx = %v, want fn's error", err)
	}
	// The inner Tx belonged to the outer one, so both tasks are gone.
	for _, id := range []string{a.ID, b.ID} {
		_, err := s.Task(t.Context(), user, id)
		wantMissing(t, "Task after rollback", err)
	}
}

// testTasksTxDeleteGoal checks that DeleteGoal, which needs a transaction of
// its own, joins the caller's and is undone with it.
func testTasksTxDeleteGoal(t *testing.T, s tasks.Store) {
	user := newUserID()
	g := mustCreateGoal(t, s, newGoal(user))
	task := newTask(user)
	task.GoalID = g.ID
	mustCreateTask(t, s, task)
	err := s.Tx(t.Context(), func(tx tasks.Store) error {
		if err := tx.DeleteGoal(t.Context(), user, g.ID); err != nil {
			return err
		}
		got, err := tx.Task(t.Context(), user, task.ID)
		if err != nil {
			return err
		}
		if got.GoalID != "" {
			t.Errorf("inside Tx: GoalID = %q after DeleteGoal, want \"\"", got.GoalID)
		}
		return errAbort
	})
	if !errors.Is(err, errAbort) {
		t.Fatalf("Tx = %v, want fn's error", err)
	}
	wantGoal(t, s, g)
	wantTask(t, s, task)
}

// testTasksPing checks that a fresh store answers, and a store inside Tx too.
func testTasksPing(t *testing.T, s tasks.Store) {
	if err := s.Ping(t.Context()); err != nil {
		t.Fatalf("Ping: %v", err)
	}
	if err := s.Tx(t.Context(), func(tx tasks.Store) error { return tx.Ping(t.Context()) }); err != nil {
		t.Fatalf("Ping inside Tx: %v", err)
	}
}
