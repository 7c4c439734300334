package storetest

import (
	"sync"
	"testing"

	"github.com/bizy-auth/bizy/internal/tasks"
)

// testEraseUser: a deleted user's tasks and goals go, once; other users'
// stay; twenty copies erasing at once erase once between them.
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
	done := 0
	for e := range results {
		if e.Done {
			done++
			if e.Tasks != 2 || e.Goals != 1 {
				t.Errorf("the erasure = %+v, want 2 tasks and 1 goal", e)
			}
		}
	}
	if done != 1 {
		t.Fatalf("%d of 20 concurrent erasures did the work, want 1", done)
	}
	st, err := s.Stats(t.Context())
	if err != nil || st.Tasks != 1 || st.Goals != 0 || st.Users != 1 {
		t.Fatalf("Stats after erasure = %+v, %v; want only the other user's task", st, err)
	}
	wantTask(t, s, other)
}
