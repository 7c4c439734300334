package apiserver

import (
	"net/http"
	"testing"

	"github.com/bizy-auth/bizy/internal/webtest"
)

// mustCreateGoal creates a goal through the API and returns it.
func (f *fixture) mustCreateGoal(tok string, body any) goalView {
	f.t.Helper()
	rec := f.do("POST", "/api/goals", body, tok)
	if rec.Code != http.StatusCreated {
		f.t.Fatalf("create goal: %d %s", rec.Code, rec.Body)
	}
	var v goalView
	webtest.Decode(f.t, rec, &v)
	return v
}

func (f *fixture) mustGetGoal(tok, id string) goalView {
	f.t.Helper()
	rec := f.do("GET", "/api/goals/"+id, nil, tok)
	if rec.Code != http.StatusOK {
		f.t.Fatalf("get goal %s: %d %s", id, rec.Code, rec.Body)
	}
	var v goalView
	webtest.Decode(f.t, rec, &v)
	return v
}

func TestGoalCRUD(t *testing.T) {
	f := newFixture(t, options{})
	_, tok := f.mustUser("alice", false)

	rec := f.do("POST", "/api/goals", map[string]string{"title": "Run a marathon"}, tok)
	if rec.Code != http.StatusCreated {
		t.Fatalf("create = %d %s", rec.Code, rec.Body)
	}
	var raw map[string]any
	webtest.Decode(t, rec, &raw)
	if len(raw) != 7 || raw["status"] != "active" || raw["target_date"] != nil || raw["description"] != "" ||
		raw["created_at"] == nil || raw["updated_at"] == nil {
		t.Fatalf("created goal = %s", rec.Body)
	}
	id := raw["id"].(string)

	g := f.mustCreateGoal(tok, map[string]string{"title": "Learn Go", "status": "achieved", "target_date": "2030-06-01", "description": "d"})
	if g.Status != "achieved" || g.TargetDate == nil || *g.TargetDate != "2030-06-01" {
		t.Fatalf("created = %+v", g)
	}
	rec = f.do("PATCH", "/api/goals/"+g.ID, `{"target_date": null, "status": "abandoned"}`, tok)
	var patched goalView
	webtest.Decode(t, rec, &patched)
	if rec.Code != http.StatusOK || patched.TargetDate != nil || patched.Status != "abandoned" || patched.Title != "Learn Go" {
		t.Fatalf("patch = %d %s", rec.Code, rec.Body)
	}
	if got := f.mustGetGoal(tok, g.ID); !same(got, patched) {
		t.Fatalf("stored = %+v, answered %+v", got, patched)
	}

	var p page[goalView]
	rec = f.do("GET", "/api/goals?status=active", nil, tok)
	webtest.Decode(t, rec, &p)
	if len(p.Items) != 1 || p.Items[0].ID != id {
		t.Fatalf("list active = %s", rec.Body)
	}
	rec = f.do("GET", "/api/goals?limit=1", nil, tok)
	webtest.Decode(t, rec, &p)
	if len(p.Items) != 1 || p.Items[0].ID != g.ID || p.NextCursor == "" {
		t.Fatalf("first page = %s", rec.Body)
	}
	rec = f.do("GET", "/api/goals?limit=1&cursor="+p.NextCursor, nil, tok)
	webtest.Decode(t, rec, &p)
	if len(p.Items) != 1 || p.Items[0].ID != id || p.NextCursor != "" {
		t.Fatalf("second page = %s", rec.Body)
	}

	if rec := f.do("DELETE", "/api/goals/"+id, nil, tok); rec.Code != http.StatusNoContent {
		t.Fatalf("delete = %d %s", rec.Code, rec.Body)
	}
	webtest.WantProblem(t, f.do("GET", "/api/goals/"+id, nil, tok), http.StatusNotFound)
}

func TestGoalValidation(t *testing.T) {
	f := newFixture(t, options{})
	_, tok := f.mustUser("alice", false)
	g := f.mustCreateGoal(tok, map[string]string{"title": "g"})
	for _, tc := range []struct {
		name, method, path string
		body               any
		wantFields         []string
	}{
		{"title missing", "POST", "/api/goals", map[string]string{}, []string{"title"}},
		{"bad status", "POST", "/api/goals", map[string]string{"title": "g", "status": "done"}, []string{"status"}},
		{"bad date", "POST", "/api/goals", map[string]string{"title": "g", "target_date": "2030-13-01"}, []string{"target_date"}},
		{"patch title null", "PATCH", "/api/goals/" + g.ID, `{"title": null}`, []string{"title"}},
		{"patch status null", "PATCH", "/api/goals/" + g.ID, `{"status": null}`, []string{"status"}},
		{"patch bad status", "PATCH", "/api/goals/" + g.ID, `{"status": "todo"}`, []string{"status"}},
		{"list limit 0", "GET", "/api/goals?limit=0", nil, []string{"limit"}},
		{"list limit 101", "GET", "/api/goals?limit=101", nil, []string{"limit"}},
		{"list limit abc", "GET", "/api/goals?limit=abc", nil, []string{"limit"}},
		{"list bad cursor", "GET", "/api/goals?cursor=%21%21", nil, []string{"cursor"}},
		{"list bad status", "GET", "/api/goals?status=todo", nil, []string{"status"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wantFields(t, f.do(tc.method, tc.path, tc.body, tok), tc.wantFields...)
		})
	}
	if got := f.mustGetGoal(tok, g.ID); !same(got, g) {
		t.Fatalf("goal after failed patches = %+v, want %+v", got, g)
	}
}

func TestDeletingGoalUnlinksTasks(t *testing.T) {
	f := newFixture(t, options{})
	_, tok := f.mustUser("alice", false)
	g := f.mustCreateGoal(tok, map[string]string{"title": "g"})
	other := f.mustCreateGoal(tok, map[string]string{"title": "other"})
	linked := f.mustCreateTask(tok, map[string]string{"title": "linked", "goal_id": g.ID})
	kept := f.mustCreateTask(tok, map[string]string{"title": "kept", "goal_id": other.ID})

	if rec := f.do("DELETE", "/api/goals/"+g.ID, nil, tok); rec.Code != http.StatusNoContent {
		t.Fatalf("delete goal = %d %s", rec.Code, rec.Body)
	}
	if got := f.mustGetTask(tok, linked.ID); got.GoalID != nil || got.Title != "linked" {
		t.Fatalf("task of the deleted goal = %+v, want it kept without goal_id", got)
	}
	if got := f.mustGetTask(tok, kept.ID); got.GoalID == nil || *got.GoalID != other.ID {
		t.Fatalf("task of another goal = %+v", got)
	}
	if p := taskPage(t, f.do("GET", "/api/tasks?goal_id="+g.ID, nil, tok)); len(p.Items) != 0 {
		t.Fatalf("tasks still listed under the deleted goal: %+v", p.Items)
	}
}
