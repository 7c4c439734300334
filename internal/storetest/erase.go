package storetest

import (
	"sync"
	"testing"

	"github.com/bizy-auth/bizy/internal/tasks"
)

// testEraseUser: a deleted user's tasks and goals go; other users' stay;
// of twenty copies erasing at once one records it, and the rows are
// deleted once between them; a row written after is deleted by the next
// call.
func testEraseUser(t *testing.T, s tasks.Store) {
	gone, kept := newUserID(), newUserID()
	g := mustCreateGoal(t, s, newGoal(gone))
	task := newTask(gone)
	task.GoalID = g.ID
	mustCreateTask(t, s, task)
	mustCreateTask(t, s, newTask(gone))
	other := mustCreateTask(t, s, newTask(kept))

	var wg sync.WaitGroup
	results := make(chan tasks.Erasure, 20)
	for range 20 {
		wg.Go(func() {
			e, err := s.EraseUser(t.Context(), gone, epoch)
			if err != nil {
				t.Errorf("EraseUser: %v", err)
			}
			results <- e
		})
	}
	wg.Wait()
	close(results)
	done, deletedTasks, deletedGoals := 0, 0, 0
	for e := range results {
		if e.Done {
			done++
		}
		deletedTasks, deletedGoals = deletedTasks+e.Tasks, deletedGoals+e.Goals
	}
	if done != 1 || deletedTasks != 2 || deletedGoals != 1 {
		t.Fatalf("20 concurrent erasures: %d recorded it, deleted %d tasks and %d goals; want 1, 2, 1", done, deletedTasks, deletedGoals)
	}
	st, err := s.Stats(t.Context())
	if err != nil || st.Tasks != 1 || st.Goals != 0 || st.Users != 1 {
		t.Fatalf("Stats after erasure = %+v, %v; want only the other user's task", st, err)
	}
	wantTask(t, s, other)

	// A request that raced the deletion wrote a task after the erasure.
	mustCreateTask(t, s, newTask(gone))
	if e, err := s.EraseUser(t.Context(), gone, epoch); err != nil || e.Done || e.Tasks != 1 {
		t.Fatalf("EraseUser again = %+v, %v; want the straggler deleted, not recorded again", e, err)
	}
}
