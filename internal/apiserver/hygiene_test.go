package apiserver

import (
	"net/http"
	"strings"
	"testing"

	"github.com/bizy-auth/bizy/internal/webtest"
)

// TestTextWithBadBytesRefused: a title or description PostgreSQL can't
// store (NUL; invalid UTF-8 never survives JSON decoding, which makes it
// U+FFFD) is a 422 naming the field, on every store.
func TestTextWithBadBytesRefused(t *testing.T) {
	for name, open := range tasksStoresUnderTest() {
		t.Run(name, func(t *testing.T) {
			f := newFixture(t, options{tasksStore: open})
			_, tok := f.mustUser("alice", false)
			task := f.mustCreateTask(tok, map[string]string{"title": "t"})
			goal := f.mustCreateGoal(tok, map[string]string{"title": "g"})
			for _, tc := range []struct {
				method, path string
				body         map[string]string
				field        string
			}{
				{"POST", "/api/tasks", map[string]string{"title": "a\x00b"}, "title"},
				{"POST", "/api/tasks", map[string]string{"title": "t", "description": "a\x00b"}, "description"},
				{"PATCH", "/api/tasks/" + task.ID, map[string]string{"title": "a\x00b"}, "title"},
				{"PATCH", "/api/tasks/" + task.ID, map[string]string{"description": "\x00"}, "description"},
				{"POST", "/api/goals", map[string]string{"title": "a\x00b"}, "title"},
				{"POST", "/api/goals", map[string]string{"title": "g", "description": "a\x00b"}, "description"},
				{"PATCH", "/api/goals/" + goal.ID, map[string]string{"title": "\x00"}, "title"},
				{"PATCH", "/api/goals/" + goal.ID, map[string]string{"description": "a\x00"}, "description"},
			} {
				wantFields(t, f.do(tc.method, tc.path, tc.body, tok), tc.field)
			}
			// Raw invalid UTF-8 arrives as U+FFFD and is stored as such.
			rec := f.do("POST", "/api/tasks", "{\"title\":\"a\xffb\"}", tok)
			if rec.Code != http.StatusCreated || !strings.Contains(rec.Body.String(), "a\uFFFDb") {
				t.Fatalf("title with invalid UTF-8 = %d %s", rec.Code, rec.Body)
			}
		})
	}
}

// TestProxyKeepsPathEscaped: an escaped "/" in a path segment reaches the
// auth service still escaped, as part of the one segment the API routed
// on, not as "../" that the auth service's mux would clean into another
// route.
func TestProxyKeepsPathEscaped(t *testing.T) {
	f := newFixture(t, options{})
	target, _ := f.mustUser("target", false)
	_, tok := f.mustUser("mallory", false)
	for _, id := range []string{
		"..%2F..%2Fadmin%2Fusers%2F" + target.ID,
		"..%2F..%2Frevocations",
		"ab%00c",
		"%2e%2e",
	} {
		rec := f.do("DELETE", "/api/auth/sessions/"+id, nil, tok)
		webtest.WantProblem(t, rec, http.StatusNotFound)
		if loc := rec.Header().Get("Location"); loc != "" {
			t.Errorf("DELETE sessions/%s: redirected to %s", id, loc)
		}
		var got *http.Request
		f.authRec.mu.Lock()
		if n := len(f.authRec.reqs); n > 0 {
			got = f.authRec.reqs[n-1]
		}
		f.authRec.mu.Unlock()
		if got == nil || got.URL.EscapedPath() != "/sessions/"+id {
			t.Fatalf("auth service saw %v, want /sessions/%s", got.URL, id)
		}
	}
	if f.authRec.count("/admin/users/"+target.ID) != 0 || f.authRec.count("/revocations") != 0 {
		t.Fatal("a session id reached another route")
	}
	// Ordinary paths are unchanged.
	if rec := f.do("GET", "/api/auth/sessions", nil, tok); rec.Code != http.StatusOK {
		t.Fatalf("sessions = %d %s", rec.Code, rec.Body)
	}
	if got := f.authRec.last("/sessions"); got == nil || got.URL.EscapedPath() != "/sessions" {
		t.Fatalf("auth service saw %v", got)
	}
}

func TestAuthPath(t *testing.T) {
	for in, want := range map[string]string{
		"/api/auth/login":                 "/login",
		"/api/auth/sessions/a%2Fb":        "/sessions/a%2Fb",
		"/api/%61uth/login":               "/login",
		"/api/auth":                       "/",
		"":                                "/",
		"/api/auth/sessions/..%2F..%2Fx/": "/sessions/..%2F..%2Fx/",
	} {
		if got := authPath(in); got != want {
			t.Errorf("authPath(%q) = %q, want %q", in, got, want)
		}
	}
}
