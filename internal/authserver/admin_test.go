package authserver

import (
	"context"
	"encoding/base64"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/bizy-auth/bizy/internal/auth"
	"github.com/bizy-auth/bizy/internal/webtest"
)

// mustAdmin registers a verified user, makes them an admin and returns them
// with an access token that says so.
func (f *fixture) mustAdmin(username string) (auth.User, string) {
	f.t.Helper()
	u := f.mustRegister(username, username+"@example.com", goodPassword, true)
	u, err := f.svc.SetAdmin(context.Background(), u.ID, true, auth.Client{})
	if err != nil {
		f.t.Fatal(err)
	}
	return u, f.mustLogin(username, goodPassword)
}

// adminUserPage is the answer of GET /admin/users.
type adminUserPage struct {
	Items []struct {
		ID        string  `json:"id"`
		Username  string  `json:"username"`
		Disabled  *bool   `json:"disabled"`
		UpdatedAt *string `json:"updated_at"`
	} `json:"items"`
	NextCursor string `json:"next_cursor"`
}

// listUsers gets one page of /admin/users with the given query string.
func (f *fixture) listUsers(tok, query string) adminUserPage {
	f.t.Helper()
	rec := f.do("GET", "/admin/users?"+query, nil, tok)
	if rec.Code != http.StatusOK {
		f.t.Fatalf("GET /admin/users?%s = %d %s", query, rec.Code, rec.Body)
	}
	var p adminUserPage
	webtest.Decode(f.t, rec, &p)
	return p
}

// usernames lists the usernames of a page, in order.
func (p adminUserPage) usernames() []string {
	names := []string{}
	for _, it := range p.Items {
		names = append(names, it.Username)
	}
	return names
}

// adminRoutes is every admin route, with a user id for those that take one.
func adminRoutes(userID string) []struct{ method, path string } {
	return []struct{ method, path string }{
		{"GET", "/admin/users"},
		{"GET", "/admin/users/" + userID},
		{"PATCH", "/admin/users/" + userID},
		{"DELETE", "/admin/users/" + userID},
		{"POST", "/admin/users/" + userID + "/unlock"},
		{"POST", "/admin/users/" + userID + "/revoke-sessions"},
		{"GET", "/admin/events"},
	}
}

func TestAdminRoutesRefuseNonAdmins(t *testing.T) {
	f := newFixture(t, options{})
	_, adminTok := f.mustAdmin("root")
	target := f.mustRegister("target", "target@example.com", goodPassword, true)
	f.mustRegister("plain", "plain@example.com", goodPassword, true)
	plainTok := f.mustLogin("plain", goodPassword)
	demoted, staleTok := f.mustAdmin("demoted")
	// Withdrawn in the database only (as by hand in SQL; SetAdmin would
	// also end the session): the token still says is_admin and its session
	// is live, yet the database's word is the one that counts.
	demoted.IsAdmin = false
	if err := f.store.UpdateUser(context.Background(), demoted); err != nil {
		t.Fatal(err)
	}
	disabledAdmin, disabledTok := f.mustAdmin("offadmin")
	disabledAdmin.Disabled = true
	if err := f.store.UpdateUser(context.Background(), disabledAdmin); err != nil {
		t.Fatal(err)
	}

	for _, r := range adminRoutes(target.ID) {
		body := any(nil)
		if r.method == "PATCH" {
			body = map[string]bool{"email_verified": false}
		}
		t.Run(r.method+" "+r.path, func(t *testing.T) {
			rec := f.do(r.method, r.path, body, "")
			webtest.WantProblem(t, rec, http.StatusUnauthorized)
			if rec.Header().Get("WWW-Authenticate") == "" {
				t.Error("401 without WWW-Authenticate")
			}
			webtest.WantProblem(t, f.do(r.method, r.path, body, "not.a.token"), http.StatusUnauthorized)
			for name, tok := range map[string]string{"non-admin": plainTok, "revoked admin role": staleTok, "disabled admin": disabledTok} {
				p := webtest.WantProblem(t, f.do(r.method, r.path, body, tok), http.StatusForbidden)
				if p.Code != "admin_required" {
					t.Errorf("%s: code = %q, want admin_required", name, p.Code)
				}
			}
		})
	}
	// None of the refused calls did anything.
	if u, err := f.svc.User(context.Background(), target.ID); err != nil || !u.EmailVerified {
		t.Fatalf("target after refused calls = %+v, %v", u, err)
	}
	// And the admin gets through; the answer is never cached.
	rec := f.do("GET", "/admin/users/"+target.ID, nil, adminTok)
	if rec.Code != http.StatusOK || rec.Header().Get("Cache-Control") != "no-store" {
		t.Fatalf("admin GET = %d (Cache-Control %q) %s", rec.Code, rec.Header().Get("Cache-Control"), rec.Body)
	}
}

func TestAdminLoggedOutTokenRefused(t *testing.T) {
	f := newFixture(t, options{})
	_, tok := f.mustAdmin("root")
	if rec := f.do("POST", "/logout", nil, tok); rec.Code != http.StatusNoContent {
		t.Fatalf("logout = %d", rec.Code)
	}
	webtest.WantProblem(t, f.do("GET", "/admin/users", nil, tok), http.StatusUnauthorized)
}

func TestAdminListUsers(t *testing.T) {
	f := newFixture(t, options{})
	_, tok := f.mustAdmin("root")
	for _, name := range []string{"Alice", "bob", "MALICE", "ab_cd", "abXcd", "carol"} {
		f.mustRegister(name, strings.ToLower(name)+"@example.org", goodPassword, false)
	}

	all := f.listUsers(tok, "")
	want := []string{"carol", "abXcd", "ab_cd", "MALICE", "bob", "Alice", "root"} // newest first
	if got := all.usernames(); !slices.Equal(got, want) || all.NextCursor != "" {
		t.Fatalf("all users = %v (next %q), want %v", got, all.NextCursor, want)
	}
	if it := all.Items[0]; it.Disabled == nil || it.UpdatedAt == nil || it.ID == "" {
		t.Errorf("admin view lacks disabled or updated_at: %+v", it)
	}
	for _, tc := range []struct {
		q    string
		want []string
	}{
		{"alice", []string{"MALICE", "Alice"}},
		{"ALI", []string{"MALICE", "Alice"}},
		{"BOB@EXAMPLE.ORG", []string{"bob"}}, // email, any case
		{"example.com", []string{"root"}},
		{"b_c", []string{"ab_cd"}}, // '_' is no wildcard
		{"_", []string{"ab_cd"}},
		{"%", []string{}}, // nor is '%'
		{"a%d", []string{}},
		{"nobody", []string{}},
	} {
		if got := f.listUsers(tok, "q="+url.QueryEscape(tc.q)).usernames(); !slices.Equal(got, tc.want) {
			t.Errorf("q=%q: %v, want %v", tc.q, got, tc.want)
		}
	}
}

func TestAdminListUsersPages(t *testing.T) {
	f := newFixture(t, options{})
	_, tok := f.mustAdmin("root")
	want := []string{"root"}
	for _, name := range []string{"u1", "u2", "u3", "u4", "u5", "u6"} {
		f.mustRegister(name+"x", name+"@example.com", goodPassword, true)
		want = append([]string{name + "x"}, want...)
	}
	var got []string
	cursor, pages := "", 0
	for {
		p := f.listUsers(tok, "limit=3&cursor="+url.QueryEscape(cursor))
		pages++
		if len(p.Items) > 3 || pages > 5 {
			t.Fatalf("page %d has %d items", pages, len(p.Items))
		}
		got = append(got, p.usernames()...)
		if p.NextCursor == "" {
			break
		}
		cursor = p.NextCursor
	}
	if !slices.Equal(got, want) || pages != 3 {
		t.Fatalf("paged users = %v over %d pages, want %v over 3", got, pages, want)
	}
	// The default page holds them all; the query narrows pages too.
	if n := len(f.listUsers(tok, "").Items); n != 7 {
		t.Errorf("default page = %d users, want 7", n)
	}
	p := f.listUsers(tok, "q=u&limit=5")
	if len(p.Items) != 5 || p.NextCursor == "" {
		t.Fatalf("q=u&limit=5: %v next %q", p.usernames(), p.NextCursor)
	}
	if rest := f.listUsers(tok, "q=u&limit=5&cursor="+p.NextCursor).usernames(); !slices.Equal(rest, []string{"u1x"}) {
		t.Errorf("second page of q=u = %v, want [u1x]", rest)
	}
}

func TestAdminListUsersRejects(t *testing.T) {
	f := newFixture(t, options{})
	_, tok := f.mustAdmin("root")
	notUUID := base64.RawURLEncoding.EncodeToString([]byte("not-a-uuid"))
	for _, tc := range []struct{ query, field string }{
		{"limit=0", "limit"},
		{"limit=101", "limit"},
		{"limit=abc", "limit"},
		{"limit=-5", "limit"},
		{"cursor=%21%21", "cursor"},
		{"cursor=" + notUUID, "cursor"},
		{"q=" + strings.Repeat("x", 255), "q"},
	} {
		p := webtest.WantProblem(t, f.do("GET", "/admin/users?"+tc.query, nil, tok), http.StatusUnprocessableEntity)
		if !slices.Equal(p.Fields(), []string{tc.field}) {
			t.Errorf("%s: fields %v, want [%s]", tc.query, p.Fields(), tc.field)
		}
	}
	for _, q := range []string{"limit=1", "limit=100"} {
		if rec := f.do("GET", "/admin/users?"+q, nil, tok); rec.Code != http.StatusOK {
			t.Errorf("%s = %d", q, rec.Code)
		}
	}
}

func TestAdminGetUser(t *testing.T) {
	f := newFixture(t, options{})
	_, tok := f.mustAdmin("root")
	u := f.mustRegister("dora", "dora@example.com", goodPassword, false)
	rec := f.do("GET", "/admin/users/"+u.ID, nil, tok)
	if rec.Code != http.StatusOK {
		t.Fatalf("GET = %d %s", rec.Code, rec.Body)
	}
	var body struct {
		User map[string]any `json:"user"`
	}
	webtest.Decode(t, rec, &body)
	for k, want := range map[string]any{"id": u.ID, "username": "dora", "email": "dora@example.com",
		"email_verified": false, "is_admin": false, "disabled": false} {
		if body.User[k] != want {
			t.Errorf("user[%s] = %v, want %v", k, body.User[k], want)
		}
	}
	for _, k := range []string{"created_at", "updated_at"} {
		if _, ok := body.User[k].(string); !ok {
			t.Errorf("user[%s] missing: %v", k, body.User)
		}
	}
	if _, ok := body.User["password_hash"]; ok {
		t.Error("admin view carries the password hash")
	}
	webtest.WantProblem(t, f.do("GET", "/admin/users/0190c5a6-0000-7000-8000-000000000000", nil, tok), http.StatusNotFound)
	webtest.WantProblem(t, f.do("GET", "/admin/users/garbage", nil, tok), http.StatusNotFound)
}
