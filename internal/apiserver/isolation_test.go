package apiserver

import (
	"net/http"
	"testing"

	"github.com/bizy-auth/bizy/internal/webtest"
)

// TestIsolationMatrix: user B can neither read, change, delete nor list
// user A's tasks and goals, nor link A's goal to a task of B's; each try
// looks exactly like an unknown id. It runs on every tasks store.
func TestIsolationMatrix(t *testing.T) {
	for name, open := range tasksStoresUnderTest() {
		t.Run(name, func(t *testing.T) {
			f := newFixture(t, options{tasksStore: open})
			_, tokA := f.mustUser("alice", false)
			_, tokB := f.mustUser("bob", false)
			goalA := f.mustCreateGoal(tokA, map[string]string{"title": "A's goal", "target_date": "2030-01-01"})
			taskA := f.mustCreateTask(tokA, map[string]string{"title": "A's task", "due_date": "2030-01-01", "goal_id": goalA.ID})
			taskB := f.mustCreateTask(tokB, map[string]string{"title": "B's task"})
			const unknown = "0190a0b0-0000-7000-8000-000000000000"

			for _, tc := range []struct {
				name, method, path string
				body               any
			}{
				{"get task", "GET", "/api/tasks/" + taskA.ID, nil},
				{"patch task", "PATCH", "/api/tasks/" + taskA.ID, map[string]string{"title": "mine now"}},
				{"patch task to clear", "PATCH", "/api/tasks/" + taskA.ID, `{"due_date": null, "goal_id": null}`},
				{"delete task", "DELETE", "/api/tasks/" + taskA.ID, nil},
				{"get goal", "GET", "/api/goals/" + goalA.ID, nil},
				{"patch goal", "PATCH", "/api/goals/" + goalA.ID, map[string]string{"status": "abandoned"}},
				{"delete goal", "DELETE", "/api/goals/" + goalA.ID, nil},
			} {
				t.Run(tc.name, func(t *testing.T) {
					theirs := f.do(tc.method, tc.path, tc.body, tokB)
					webtest.WantProblem(t, theirs, http.StatusNotFound)
					// Indistinguishable from an id that does not exist.
					path := tc.path[:len(tc.path)-len(unknown)] + unknown
					none := f.do(tc.method, path, tc.body, tokB)
					if none.Code != theirs.Code || none.Body.String() != theirs.Body.String() {
						t.Fatalf("another user's id: %d %s\nunknown id:        %d %s", theirs.Code, theirs.Body, none.Code, none.Body)
					}
				})
			}
			if got := f.mustGetTask(tokA, taskA.ID); !same(got, taskA) {
				t.Errorf("A's task after B's tries = %+v, want %+v", got, taskA)
			}
			if got := f.mustGetGoal(tokA, goalA.ID); !same(got, goalA) {
				t.Errorf("A's goal after B's tries = %+v, want %+v", got, goalA)
			}

			// B's lists show only B's own objects.
			if p := taskPage(t, f.do("GET", "/api/tasks", nil, tokB)); len(p.Items) != 1 || p.Items[0].ID != taskB.ID {
				t.Errorf("B's tasks = %+v", p.Items)
			}
			if p := taskPage(t, f.do("GET", "/api/tasks?goal_id="+goalA.ID, nil, tokB)); len(p.Items) != 0 {
				t.Errorf("B's tasks under A's goal = %+v", p.Items)
			}
			var goals page[goalView]
			webtest.Decode(t, f.do("GET", "/api/goals", nil, tokB), &goals)
			if len(goals.Items) != 0 {
				t.Errorf("B's goals = %+v", goals.Items)
			}

			// B cannot link A's goal, creating or patching.
			wantFields(t, f.do("POST", "/api/tasks", map[string]string{"title": "sneaky", "goal_id": goalA.ID}, tokB), "goal_id")
			wantFields(t, f.do("PATCH", "/api/tasks/"+taskB.ID, map[string]string{"goal_id": goalA.ID}, tokB), "goal_id")
			if got := f.mustGetTask(tokB, taskB.ID); !same(got, taskB) {
				t.Errorf("B's task after the failed link = %+v", got)
			}
			// A cursor taken from A's list shows B nothing of A's.
			f.mustCreateTask(tokA, map[string]string{"title": "A's second task"})
			pa := taskPage(t, f.do("GET", "/api/tasks?limit=1", nil, tokA))
			if pa.NextCursor == "" {
				t.Fatal("A's first page has no cursor")
			}
			for _, it := range taskPage(t, f.do("GET", "/api/tasks?cursor="+pa.NextCursor, nil, tokB)).Items {
				if it.ID != taskB.ID {
					t.Errorf("B saw %+v with A's cursor", it)
				}
			}
		})
	}
}
