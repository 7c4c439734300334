package apiserver

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/bizy-auth/bizy/internal/webtest"
)

// mustCreateTask creates a task through the API and returns it.
func (f *fixture) mustCreateTask(tok string, body any) taskView {
	f.t.Helper()
	rec := f.do("POST", "/api/tasks", body, tok)
	if rec.Code != http.StatusCreated {
		f.t.Fatalf("create task: %d %s", rec.Code, rec.Body)
	}
	var v taskView
	webtest.Decode(f.t, rec, &v)
	return v
}

// mustGetTask reads a task through the API, failing unless it answers 200.
func (f *fixture) mustGetTask(tok, id string) taskView {
	f.t.Helper()
	rec := f.do("GET", "/api/tasks/"+id, nil, tok)
	if rec.Code != http.StatusOK {
		f.t.Fatalf("get task %s: %d %s", id, rec.Code, rec.Body)
	}
	var v taskView
	webtest.Decode(f.t, rec, &v)
	return v
}

func taskPage(t *testing.T, rec *httptest.ResponseRecorder) page[taskView] {
	t.Helper()
	if rec.Code != http.StatusOK {
		t.Fatalf("list = %d %s", rec.Code, rec.Body)
	}
	var p page[taskView]
	webtest.Decode(t, rec, &p)
	return p
}

func TestTaskCRUD(t *testing.T) {
	f := newFixture(t, options{})
	_, tok := f.mustUser("alice", false)

	rec := f.do("POST", "/api/tasks", map[string]string{"title": "  Write the API  "}, tok)
	if rec.Code != http.StatusCreated {
		t.Fatalf("create = %d %s", rec.Code, rec.Body)
	}
	// The wire form, key by key: nulls for the unset date and goal.
	var raw map[string]any
	webtest.Decode(t, rec, &raw)
	for _, k := range []string{"id", "title", "description", "status", "priority", "due_date", "goal_id", "created_at", "updated_at"} {
		if _, ok := raw[k]; !ok {
			t.Errorf("task JSON lacks %q: %s", k, rec.Body)
		}
	}
	if len(raw) != 9 || raw["due_date"] != nil || raw["goal_id"] != nil || raw["status"] != "todo" ||
		raw["priority"] != "medium" || raw["title"] != "Write the API" {
		t.Fatalf("created task = %s", rec.Body)
	}
	created, err := time.Parse(time.RFC3339, raw["created_at"].(string))
	if err != nil || created.Location() != time.UTC || !strings.HasSuffix(raw["created_at"].(string), "Z") {
		t.Fatalf("created_at = %v (%v)", raw["created_at"], err)
	}
	id := raw["id"].(string)

	got := f.mustGetTask(tok, id)
	if got.ID != id || got.Title != "Write the API" {
		t.Fatalf("get = %+v", got)
	}

	full := f.mustCreateTask(tok, map[string]any{"title": "Ship", "description": "all of it", "status": "in_progress",
		"priority": "high", "due_date": "2030-01-31"})
	if full.Status != "in_progress" || full.Priority != "high" || full.DueDate == nil || *full.DueDate != "2030-01-31" ||
		full.Description != "all of it" || full.GoalID != nil {
		t.Fatalf("created = %+v", full)
	}

	f.clock.Advance(time.Minute)
	rec = f.do("PATCH", "/api/tasks/"+id, map[string]any{"status": "done", "unknown_field": "ignored"}, tok)
	if rec.Code != http.StatusOK {
		t.Fatalf("patch = %d %s", rec.Code, rec.Body)
	}
	var patched taskView
	webtest.Decode(t, rec, &patched)
	created, errC := time.Parse(time.RFC3339Nano, patched.CreatedAt)
	updated, errU := time.Parse(time.RFC3339Nano, patched.UpdatedAt)
	if patched.Status != "done" || patched.Title != "Write the API" || patched.Priority != "medium" ||
		errC != nil || errU != nil || !updated.After(created) {
		t.Fatalf("patched = %+v", patched)
	}

	p := taskPage(t, f.do("GET", "/api/tasks", nil, tok))
	if len(p.Items) != 2 || p.Items[0].ID != full.ID || p.Items[1].ID != id || p.NextCursor != "" {
		t.Fatalf("list = %+v", p)
	}
	p = taskPage(t, f.do("GET", "/api/tasks?status=done", nil, tok))
	if len(p.Items) != 1 || p.Items[0].ID != id {
		t.Fatalf("list status=done = %+v", p)
	}

	rec = f.do("DELETE", "/api/tasks/"+id, nil, tok)
	if rec.Code != http.StatusNoContent || rec.Body.Len() != 0 {
		t.Fatalf("delete = %d %s", rec.Code, rec.Body)
	}
	webtest.WantProblem(t, f.do("GET", "/api/tasks/"+id, nil, tok), http.StatusNotFound)
	webtest.WantProblem(t, f.do("DELETE", "/api/tasks/"+id, nil, tok), http.StatusNotFound)
	webtest.WantProblem(t, f.do("PATCH", "/api/tasks/"+id, map[string]string{"title": "x"}, tok), http.StatusNotFound)
	webtest.WantProblem(t, f.do("GET", "/api/tasks/not-a-uuid", nil, tok), http.StatusNotFound)
}

func TestEmptyListIsAnEmptyArray(t *testing.T) {
	f := newFixture(t, options{})
	_, tok := f.mustUser("alice", false)
	for _, path := range []string{"/api/tasks", "/api/goals"} {
		rec := f.do("GET", path, nil, tok)
		if rec.Code != http.StatusOK || strings.TrimSpace(rec.Body.String()) != `{"items":[],"next_cursor":""}` {
			t.Errorf("%s = %d %s", path, rec.Code, rec.Body)
		}
	}
}

func TestTaskValidation(t *testing.T) {
	f := newFixture(t, options{})
	_, tok := f.mustUser("alice", false)
	task := f.mustCreateTask(tok, map[string]string{"title": "t"})
	long := strings.Repeat("é", 201)
	for _, tc := range []struct {
		name, method, path string
		body               any
		wantStatus         int
		wantFields         []string
	}{
		{"title missing", "POST", "/api/tasks", map[string]string{}, 422, []string{"title"}},
		{"title blank", "POST", "/api/tasks", map[string]string{"title": "   "}, 422, []string{"title"}},
		{"title too long", "POST", "/api/tasks", map[string]string{"title": long}, 422, []string{"title"}},
		{"description too long", "POST", "/api/tasks", map[string]string{"title": "t", "description": strings.Repeat("x", 5001)}, 422, []string{"description"}},
		{"bad status", "POST", "/api/tasks", map[string]string{"title": "t", "status": "doing"}, 422, []string{"status"}},
		{"bad priority", "POST", "/api/tasks", map[string]string{"title": "t", "priority": "urgent"}, 422, []string{"priority"}},
		{"bad date", "POST", "/api/tasks", map[string]string{"title": "t", "due_date": "31/01/2030"}, 422, []string{"due_date"}},
		{"impossible date", "POST", "/api/tasks", map[string]string{"title": "t", "due_date": "2030-02-30"}, 422, []string{"due_date"}},
		{"unknown goal", "POST", "/api/tasks", map[string]string{"title": "t", "goal_id": "0190a0b0-0000-7000-8000-000000000000"}, 422, []string{"goal_id"}},
		{"goal not a uuid", "POST", "/api/tasks", map[string]string{"title": "t", "goal_id": "nope"}, 422, []string{"goal_id"}},
		{"several at once", "POST", "/api/tasks", map[string]string{"status": "x", "priority": "y"}, 422, []string{"priority", "status", "title"}},
		{"wrong type", "POST", "/api/tasks", `{"title": 5}`, 422, []string{"title"}},
		{"malformed JSON", "POST", "/api/tasks", `{"title": `, 400, nil},
		{"empty body", "POST", "/api/tasks", ``, 400, nil},
		{"over 1 MiB", "POST", "/api/tasks", `{"title":"` + strings.Repeat("a", 1<<20) + `"}`, 413, nil},
		{"patch title null", "PATCH", "/api/tasks/" + task.ID, `{"title": null}`, 422, []string{"title"}},
		{"patch status and priority null", "PATCH", "/api/tasks/" + task.ID, `{"status": null, "priority": null}`, 422, []string{"priority", "status"}},
		{"patch bad status", "PATCH", "/api/tasks/" + task.ID, map[string]string{"status": "nope"}, 422, []string{"status"}},
		{"patch title too long", "PATCH", "/api/tasks/" + task.ID, map[string]string{"title": long}, 422, []string{"title"}},
		{"patch bad date", "PATCH", "/api/tasks/" + task.ID, map[string]string{"due_date": "tomorrow"}, 422, []string{"due_date"}},
		{"patch wrong type", "PATCH", "/api/tasks/" + task.ID, `{"due_date": 20300101}`, 422, []string{"due_date"}},
		{"list limit 0", "GET", "/api/tasks?limit=0", nil, 422, []string{"limit"}},
		{"list limit 101", "GET", "/api/tasks?limit=101", nil, 422, []string{"limit"}},
		{"list limit abc", "GET", "/api/tasks?limit=abc", nil, 422, []string{"limit"}},
		{"list limit -1", "GET", "/api/tasks?limit=-1", nil, 422, []string{"limit"}},
		{"list limit 1.5", "GET", "/api/tasks?limit=1.5", nil, 422, []string{"limit"}},
		{"list bad cursor", "GET", "/api/tasks?cursor=not-ours", nil, 422, []string{"cursor"}},
		{"list bad status", "GET", "/api/tasks?status=doing", nil, 422, []string{"status"}},
		{"list bad goal_id", "GET", "/api/tasks?goal_id=nope", nil, 422, []string{"goal_id"}},
		{"list limit 1", "GET", "/api/tasks?limit=1", nil, 200, nil},
		{"list limit 100", "GET", "/api/tasks?limit=100", nil, 200, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := f.do(tc.method, tc.path, tc.body, tok)
			switch {
			case tc.wantStatus == 422:
				wantFields(t, rec, tc.wantFields...)
			case tc.wantStatus >= 400:
				webtest.WantProblem(t, rec, tc.wantStatus)
			case rec.Code != tc.wantStatus:
				t.Fatalf("status = %d, want %d; %s", rec.Code, tc.wantStatus, rec.Body)
			}
		})
	}
	// None of the failed PATCHes changed the task.
	if got := f.mustGetTask(tok, task.ID); !same(got, task) {
		t.Fatalf("task after failed patches = %+v, want %+v", got, task)
	}
}

func TestTaskPatchNullClears(t *testing.T) {
	f := newFixture(t, options{})
	_, tok := f.mustUser("alice", false)
	g := f.mustCreateGoal(tok, map[string]string{"title": "g"})
	task := f.mustCreateTask(tok, map[string]string{"title": "t", "description": "d", "due_date": "2030-01-01", "goal_id": g.ID})

	patch := func(body string) taskView {
		t.Helper()
		rec := f.do("PATCH", "/api/tasks/"+task.ID, body, tok)
		if rec.Code != http.StatusOK {
			t.Fatalf("patch %s = %d %s", body, rec.Code, rec.Body)
		}
		var v taskView
		webtest.Decode(t, rec, &v)
		return v
	}
	v := patch(`{}`)
	if v.DueDate == nil || v.GoalID == nil || *v.GoalID != g.ID || v.Description != "d" {
		t.Fatalf("empty patch changed fields: %+v", v)
	}
	v = patch(`{"due_date": null}`)
	if v.DueDate != nil || v.GoalID == nil || *v.GoalID != g.ID {
		t.Fatalf("after due_date null: %+v", v)
	}
	v = patch(`{"due_date": "2031-12-31", "goal_id": null, "description": null}`)
	if v.DueDate == nil || *v.DueDate != "2031-12-31" || v.GoalID != nil || v.Description != "" || v.Title != "t" {
		t.Fatalf("after goal_id null: %+v", v)
	}
	v = patch(`{"goal_id": "` + g.ID + `", "priority": "low"}`)
	if v.GoalID == nil || *v.GoalID != g.ID || v.Priority != "low" {
		t.Fatalf("after relinking: %+v", v)
	}
	// What the PATCH answered is what is stored.
	if got := f.mustGetTask(tok, task.ID); !same(got, v) {
		t.Fatalf("stored = %+v, answered %+v", got, v)
	}
}

// TestTaskPagination walks every page and expects each task once, newest
// first, in the same order as one big page.
func TestTaskPagination(t *testing.T) {
	f := newFixture(t, options{})
	_, tok := f.mustUser("alice", false)
	g := f.mustCreateGoal(tok, map[string]string{"title": "g"})
	var want []string
	for i := range 7 {
		body := map[string]string{"title": "task " + string(rune('a'+i))}
		if i%2 == 0 {
			body["goal_id"] = g.ID
		}
		want = append(want, f.mustCreateTask(tok, body).ID)
	}
	slices.Reverse(want)

	walk := func(query string) []string {
		var ids []string
		cursor := ""
		for pages := 0; ; pages++ {
			if pages > 10 {
				t.Fatal("pagination does not end")
			}
			p := taskPage(t, f.do("GET", "/api/tasks?limit=3"+query+"&cursor="+cursor, nil, tok))
			if len(p.Items) > 3 {
				t.Fatalf("page of %d with limit 3", len(p.Items))
			}
			for _, it := range p.Items {
				ids = append(ids, it.ID)
			}
			if p.NextCursor == "" {
				return ids
			}
			cursor = p.NextCursor
		}
	}
	if got := walk(""); !slices.Equal(got, want) {
		t.Fatalf("pages = %v, want %v", got, want)
	}
	one := taskPage(t, f.do("GET", "/api/tasks", nil, tok))
	if len(one.Items) != 7 || one.NextCursor != "" {
		t.Fatalf("default page = %d items, cursor %q", len(one.Items), one.NextCursor)
	}
	var linked []string
	for i, id := range want {
		if (6-i)%2 == 0 {
			linked = append(linked, id)
		}
	}
	if got := walk("&goal_id=" + g.ID); !slices.Equal(got, linked) {
		t.Fatalf("goal pages = %v, want %v", got, linked)
	}
}

func TestTaskJSONRoundTrip(t *testing.T) {
	// A client may PATCH back what it read; read-only fields are ignored.
	f := newFixture(t, options{})
	_, tok := f.mustUser("alice", false)
	task := f.mustCreateTask(tok, map[string]string{"title": "t"})
	b, _ := json.Marshal(task)
	rec := f.do("PATCH", "/api/tasks/"+task.ID, string(b), tok)
	if rec.Code != http.StatusOK {
		t.Fatalf("patch with the whole object = %d %s", rec.Code, rec.Body)
	}
}
