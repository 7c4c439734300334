package authserver

import (
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/bizy-auth/bizy/internal/auth"
	"github.com/bizy-auth/bizy/internal/webtest"
)

// Client bytes that PostgreSQL refuses in text columns (NUL, invalid UTF-8)
// must never reach a store: SQLite takes them, so these tests run on every
// store under test, PostgreSQL included.

// doUA is do with the given User-Agent.
func (f *fixture) doUA(method, path string, body any, bearer, ua string) *httptest.ResponseRecorder {
	f.t.Helper()
	req := webtest.NewRequest(f.t, method, path, body, bearer)
	req.Header.Set("User-Agent", ua)
	rec := httptest.NewRecorder()
	f.h.ServeHTTP(rec, req)
	return rec
}

func wantFieldProblem(t *testing.T, rec *httptest.ResponseRecorder, field string) {
	t.Helper()
	p := webtest.WantProblem(t, rec, http.StatusUnprocessableEntity)
	if !slices.Contains(p.Fields(), field) {
		t.Fatalf("422 names %v, want %q", p.Fields(), field)
	}
}

func TestBadBytesInLoginNames(t *testing.T) {
	for name, open := range storesUnderTest(t) {
		t.Run(name, func(t *testing.T) {
			f := newFixture(t, options{store: open})
			f.mustRegister("alice", "alice@example.com", goodPassword, true)
			wrong := f.do("POST", "/login", map[string]string{"username": "alice", "password": "Wrong!Pass1"}, "")
			webtest.WantProblem(t, wrong, http.StatusUnauthorized)
			for _, login := range []string{"al\x00ice", "alice@example.com\x00", "\x00"} {
				rec := f.do("POST", "/login", map[string]string{"username": login, "password": "Wrong!Pass1"}, "")
				if rec.Code != http.StatusUnauthorized || rec.Body.String() != wrong.Body.String() {
					t.Fatalf("login %q = %d %s\nwant the wrong-password answer %d %s", login, rec.Code, rec.Body, wrong.Code, wrong.Body)
				}
			}
			// Raw invalid UTF-8 in JSON becomes U+FFFD when decoded; it is
			// just an unknown name.
			rec := f.doRaw("POST", "/login", "application/json", "{\"username\":\"al\xffice\",\"password\":\"x\"}")
			if rec.Code != http.StatusUnauthorized || rec.Body.String() != wrong.Body.String() {
				t.Fatalf("login with invalid UTF-8 = %d %s", rec.Code, rec.Body)
			}
			// The account is still fine.
			f.mustLogin("alice", goodPassword)

			for _, path := range []string{"/forgot-password", "/resend-verification"} {
				for _, email := range []string{"alice@example.com\x00", "a\x00@example.com"} {
					if rec := f.do("POST", path, map[string]string{"email": email}, ""); rec.Code != http.StatusAccepted {
						t.Fatalf("%s %q = %d %s", path, email, rec.Code, rec.Body)
					}
				}
			}
		})
	}
}

func TestRegisterRefusesBadBytes(t *testing.T) {
	for name, open := range storesUnderTest(t) {
		t.Run(name, func(t *testing.T) {
			f := newFixture(t, options{store: open})
			wantFieldProblem(t, f.do("POST", "/register",
				map[string]string{"username": "bo\x00b", "email": "bob@example.com", "password": goodPassword}, ""), "username")
			wantFieldProblem(t, f.do("POST", "/register",
				map[string]string{"username": "bob", "email": "b\x00ob@example.com", "password": goodPassword}, ""), "email")
			// A bad User-Agent is cleaned, not refused.
			rec := f.doUA("POST", "/register",
				map[string]string{"username": "bob", "email": "bob@example.com", "password": goodPassword}, "", "\xff")
			if rec.Code != http.StatusCreated {
				t.Fatalf("register with User-Agent \\xff = %d %s", rec.Code, rec.Body)
			}
		})
	}
}

func TestBadUserAgentIsCleanedAndStored(t *testing.T) {
	for name, open := range storesUnderTest(t) {
		t.Run(name, func(t *testing.T) {
			f := newFixture(t, options{store: open})
			u := f.mustRegister("carol", "carol@example.com", goodPassword, true)

			// A failed login with a bad User-Agent is still in the event log.
			rec := f.doUA("POST", "/login", map[string]string{"username": "carol", "password": "Wrong!Pass1"}, "", "x\xff")
			webtest.WantProblem(t, rec, http.StatusUnauthorized)
			evs := f.events(auth.EventLoginFailure, u.ID)
			if len(evs) != 1 || evs[0].UserAgent != "x\uFFFD" {
				t.Fatalf("login_failure events = %+v, want one with User-Agent %q", evs, "x\uFFFD")
			}

			// A good login with one opens a session.
			rec = f.doUA("POST", "/login", map[string]string{"username": "carol", "password": goodPassword}, "", "\xff\x00")
			if rec.Code != http.StatusOK {
				t.Fatalf("login with User-Agent \\xff = %d %s", rec.Code, rec.Body)
			}
			// A long multi-byte one is cut on a rune boundary.
			long := "a" + strings.Repeat("é", 400)
			rec = f.doUA("POST", "/login", map[string]string{"username": "carol", "password": goodPassword}, "", long)
			if rec.Code != http.StatusOK {
				t.Fatalf("login with a long User-Agent = %d %s", rec.Code, rec.Body)
			}
			var body struct{ Token string }
			webtest.Decode(t, rec, &body)
			var sessions struct {
				Items []struct {
					UserAgent string `json:"user_agent"`
				} `json:"items"`
			}
			webtest.Decode(t, f.do("GET", "/sessions", nil, body.Token), &sessions)
			var uas []string
			for _, s := range sessions.Items {
				uas = append(uas, s.UserAgent)
				if !utf8.ValidString(s.UserAgent) || len(s.UserAgent) > 512 {
					t.Errorf("stored User-Agent %q: invalid or over 512 bytes", s.UserAgent)
				}
			}
			if !slices.Contains(uas, "\uFFFD") || !slices.Contains(uas, long[:511]) {
				t.Errorf("stored User-Agents = %q", uas)
			}
		})
	}
}

func TestBadIDsAndCursors(t *testing.T) {
	for name, open := range storesUnderTest(t) {
		t.Run(name, func(t *testing.T) {
			f := newFixture(t, options{store: open})
			u := f.mustRegister("dave", "dave@example.com", goodPassword, true)
			_, admin := f.mustAdmin("root")
			tok := f.mustLogin("dave", goodPassword)

			b64 := base64.RawURLEncoding.EncodeToString
			for _, c := range []string{"0:a\x00b", "0:\xff", "0:not-a-uuid"} {
				wantFieldProblem(t, f.do("GET", "/revocations?since="+b64([]byte(c)), nil, ""), "since")
			}

			for _, id := range []string{"ab%00c", "%ff", "not-a-uuid", strings.ToUpper(u.ID)} {
				webtest.WantProblem(t, f.do("DELETE", "/sessions/"+id, nil, tok), http.StatusNotFound)
				webtest.WantProblem(t, f.do("GET", "/admin/users/"+id, nil, admin), http.StatusNotFound)
				webtest.WantProblem(t, f.do("PATCH", "/admin/users/"+id, map[string]bool{"disabled": true}, admin), http.StatusNotFound)
				webtest.WantProblem(t, f.do("DELETE", "/admin/users/"+id, nil, admin), http.StatusNotFound)
				webtest.WantProblem(t, f.do("POST", "/admin/users/"+id+"/unlock", nil, admin), http.StatusNotFound)
				webtest.WantProblem(t, f.do("POST", "/admin/users/"+id+"/revoke-sessions", nil, admin), http.StatusNotFound)
			}

			for _, q := range []string{"%00", "%ff", "da%00ve"} {
				wantFieldProblem(t, f.do("GET", "/admin/users?q="+q, nil, admin), "q")
			}
			for _, q := range []string{"%00", "%ff", "not-a-uuid"} {
				wantFieldProblem(t, f.do("GET", "/admin/events?user_id="+q, nil, admin), "user_id")
			}
			for _, q := range []string{"%00", "%ff", "Login_failure", strings.Repeat("a", 65)} {
				wantFieldProblem(t, f.do("GET", "/admin/events?type="+q, nil, admin), "type")
			}
			for _, c := range []string{"0:a\x00b", "0:\xff", "0:"} {
				wantFieldProblem(t, f.do("GET", "/admin/events?cursor="+url.QueryEscape(b64([]byte(c))), nil, admin), "cursor")
			}

			// Good values still work.
			for _, path := range []string{
				"/admin/users?q=dave", "/admin/users/" + u.ID,
				"/admin/events?user_id=" + u.ID + "&type=" + auth.EventLoginSuccess,
			} {
				if rec := f.do("GET", path, nil, admin); rec.Code != http.StatusOK {
					t.Fatalf("GET %s = %d %s", path, rec.Code, rec.Body)
				}
			}
			page := f.listEvents(admin, "limit=1")
			if page.NextCursor == "" {
				t.Fatal("no next cursor")
			}
			if rec := f.do("GET", "/admin/events?limit=1&cursor="+page.NextCursor, nil, admin); rec.Code != http.StatusOK {
				t.Fatalf("next page = %d %s", rec.Code, rec.Body)
			}
		})
	}
}
