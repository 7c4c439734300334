package apiserver

import (
	"net/http"
	"strings"
	"testing"

	"github.com/bizy-auth/bizy/internal/webtest"
)

// A body without Content-Type: application/json is refused with a 415
// problem, by the API's own routes and, passed through the proxy, by the
// auth service's: a cross-site form or a bare fetch (no preflight) reaches
// neither. A bodiless POST needs no Content-Type.
func TestJSONBodiesNeedJSONContentType(t *testing.T) {
	f := newFixture(t, options{})
	_, tok := f.mustUser("kate", false)
	for _, tc := range []struct{ method, path, body string }{
		{"POST", "/api/tasks", `{"title":"t"}`},
		{"POST", "/api/goals", `{"title":"g"}`},
		{"POST", "/api/auth/login", `{"username":"kate","password":"` + goodPassword + `"}`},
		{"POST", "/api/auth/register", `{"username":"leo","email":"leo@example.com","password":"` + goodPassword + `"}`},
		{"POST", "/api/auth/forgot-password", `{"email":"kate@example.com"}`},
	} {
		for _, ct := range []string{"", "text/plain", "application/x-www-form-urlencoded"} {
			req := f.request(tc.method, tc.path, tc.body, tok)
			req.Header.Del("Content-Type")
			if ct != "" {
				req.Header.Set("Content-Type", ct)
			}
			p := webtest.WantProblem(t, f.serve(req), http.StatusUnsupportedMediaType)
			if p.Code != "unsupported_media_type" {
				t.Errorf("%s %s with Content-Type %q: code %q", tc.method, tc.path, ct, p.Code)
			}
		}
	}
	if rec := f.do("POST", "/api/tasks", map[string]string{"title": "t"}, tok); rec.Code != http.StatusCreated {
		t.Fatalf("task with JSON = %d %s", rec.Code, rec.Body)
	}
	req := f.request("POST", "/api/auth/logout", nil, tok)
	if rec := f.serve(req); rec.Code != http.StatusNoContent {
		t.Fatalf("bodiless logout = %d %s", rec.Code, rec.Body)
	}
	if strings.Contains(req.Header.Get("Content-Type"), "json") {
		t.Fatal("the logout request carried a Content-Type")
	}
}
