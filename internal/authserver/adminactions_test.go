package authserver

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/bizy-auth/bizy/internal/auth"
	"github.com/bizy-auth/bizy/internal/webtest"
)

// adminUserBody is the answer about one user.
type adminUserBody struct {
	User struct {
		ID            string `json:"id"`
		Username      string `json:"username"`
		EmailVerified bool   `json:"email_verified"`
		IsAdmin       bool   `json:"is_admin"`
		Disabled      bool   `json:"disabled"`
		UpdatedAt     string `json:"updated_at"`
	} `json:"user"`
}

// patchUser sends PATCH /admin/users/{id} and decodes a 200 answer.
func (f *fixture) patchUser(tok, id string, body any) adminUserBody {
	f.t.Helper()
	rec := f.do("PATCH", "/admin/users/"+id, body, tok)
	if rec.Code != http.StatusOK {
		f.t.Fatalf("PATCH %v = %d %s", body, rec.Code, rec.Body)
	}
	var b adminUserBody
	webtest.Decode(f.t, rec, &b)
	return b
}

// events returns the events of type typ about userID, newest first.
func (f *fixture) events(typ, userID string) []auth.Event {
	f.t.Helper()
	evs, _, err := f.svc.Events(context.Background(), auth.EventFilter{Type: typ, UserID: userID, Limit: 100})
	if err != nil {
		f.t.Fatal(err)
	}
	return evs
}

// revocationFeedHas reports whether GET /revocations names sid.
func (f *fixture) revocationFeedHas(sid string) bool {
	f.t.Helper()
	rec := f.do("GET", "/revocations", nil, "")
	if rec.Code != http.StatusOK {
		f.t.Fatalf("revocations = %d", rec.Code)
	}
	return strings.Contains(rec.Body.String(), `"sid":"`+sid+`"`)
}

func TestAdminPatchUser(t *testing.T) {
	f := newFixture(t, options{})
	admin, tok := f.mustAdmin("root")
	u := f.mustRegister("erin", "erin@example.com", goodPassword, false)

	b := f.patchUser(tok, u.ID, map[string]bool{"email_verified": true})
	if b.User.ID != u.ID || b.User.Username != "erin" || !b.User.EmailVerified || b.User.IsAdmin || b.User.Disabled {
		t.Fatalf("after email_verified: %+v", b.User)
	}
	b = f.patchUser(tok, u.ID, map[string]bool{"is_admin": true})
	if !b.User.IsAdmin || !b.User.EmailVerified {
		t.Fatalf("after is_admin: %+v", b.User)
	}
	b = f.patchUser(tok, u.ID, map[string]any{"disabled": true, "is_admin": false, "email_verified": nil})
	if !b.User.Disabled || b.User.IsAdmin || !b.User.EmailVerified {
		t.Fatalf("after disabled, is_admin false: %+v", b.User)
	}
	b = f.patchUser(tok, u.ID, map[string]bool{"disabled": false})
	if b.User.Disabled {
		t.Fatalf("after re-enabling: %+v", b.User)
	}
	stored, _ := f.svc.User(context.Background(), u.ID)
	if stored.Disabled || stored.IsAdmin || !stored.EmailVerified {
		t.Fatalf("stored = %+v", stored)
	}
	// An empty PATCH changes nothing and records nothing.
	before := len(f.events(auth.EventAdminUserUpdated, u.ID))
	f.patchUser(tok, u.ID, map[string]any{})
	evs := f.events(auth.EventAdminUserUpdated, u.ID)
	if len(evs) != before || before != 4 {
		t.Fatalf("admin_user_updated events = %d then %d, want 4 both times", before, len(evs))
	}
	if d := evs[1].Detail; !strings.Contains(d, "admin_id="+admin.ID) || !strings.Contains(d, "disabled=true") ||
		!strings.Contains(d, "is_admin=false") || strings.Contains(d, "email_verified") {
		t.Errorf("event detail = %q", d)
	}

	webtest.WantProblem(t, f.do("PATCH", "/admin/users/"+u.ID, map[string]string{"is_admin": "yes"}, tok), http.StatusUnprocessableEntity)
	webtest.WantProblem(t, f.do("PATCH", "/admin/users/"+u.ID, "{", tok), http.StatusBadRequest)
	webtest.WantProblem(t, f.do("PATCH", "/admin/users/nobody", map[string]bool{"disabled": true}, tok), http.StatusNotFound)
}

func TestAdminCannotLockThemselvesOut(t *testing.T) {
	f := newFixture(t, options{})
	admin, tok := f.mustAdmin("root")
	for _, body := range []map[string]bool{{"is_admin": false}, {"disabled": true}, {"email_verified": false},
		{"disabled": true, "email_verified": false}, {"is_admin": true, "email_verified": false}} {
		p := webtest.WantProblem(t, f.do("PATCH", "/admin/users/"+admin.ID, body, tok), http.StatusConflict)
		if p.Code != "self_action_forbidden" {
			t.Errorf("%v: code %q", body, p.Code)
		}
	}
	p := webtest.WantProblem(t, f.do("DELETE", "/admin/users/"+admin.ID, nil, tok), http.StatusConflict)
	if p.Code != "self_action_forbidden" {
		t.Errorf("delete self: code %q", p.Code)
	}
	// Harmless changes to oneself are fine.
	if b := f.patchUser(tok, admin.ID, map[string]bool{"is_admin": true, "disabled": false, "email_verified": true}); !b.User.IsAdmin {
		t.Fatalf("self no-op: %+v", b.User)
	}
	u, err := f.svc.User(context.Background(), admin.ID)
	if err != nil || !u.IsAdmin || u.Disabled {
		t.Fatalf("admin after refused changes = %+v, %v", u, err)
	}
	if rec := f.do("GET", "/profile", nil, tok); rec.Code != http.StatusOK {
		t.Fatalf("admin's own session after refused changes = %d", rec.Code)
	}
}

func TestAdminDisableUser(t *testing.T) {
	f := newFixture(t, options{})
	admin, tok := f.mustAdmin("root")
	u := f.mustRegister("fred", "fred@example.com", goodPassword, true)
	t1, r1 := f.loginTokens("fred", goodPassword)
	t2 := f.mustLogin("fred@example.com", goodPassword)

	f.patchUser(tok, u.ID, map[string]bool{"disabled": true})
	for _, userTok := range []string{t1, t2} {
		webtest.WantProblem(t, f.do("GET", "/profile", nil, userTok), http.StatusUnauthorized)
		if sid := f.sessionOf(userTok); !f.revocationFeedHas(sid) {
			t.Errorf("session %s not in the revocation feed", sid)
		}
	}
	webtest.WantProblem(t, f.refresh(r1), http.StatusUnauthorized)
	p := webtest.WantProblem(t, f.do("POST", "/login", map[string]string{"username": "fred", "password": goodPassword}, ""), http.StatusForbidden)
	if p.Code != "account_disabled" {
		t.Errorf("login code = %q", p.Code)
	}
	// The wrong password still gets the uniform 401.
	webtest.WantProblem(t, f.do("POST", "/login", map[string]string{"username": "fred", "password": "Wr0ng!pass"}, ""), http.StatusUnauthorized)
	if evs := f.events(auth.EventAdminUserUpdated, u.ID); len(evs) != 1 || !strings.Contains(evs[0].Detail, admin.ID) {
		t.Fatalf("events = %+v", evs)
	}

	f.patchUser(tok, u.ID, map[string]bool{"disabled": false})
	if f.loginStatus("fred", goodPassword) != http.StatusOK {
		t.Fatal("re-enabled user cannot log in")
	}
}

func TestAdminDemoteRevokesSessions(t *testing.T) {
	f := newFixture(t, options{})
	_, tok := f.mustAdmin("root")
	other, otherTok := f.mustAdmin("second")
	f.patchUser(tok, other.ID, map[string]bool{"is_admin": false})
	// The token's is_admin claim is stale; its session is gone everywhere.
	webtest.WantProblem(t, f.do("GET", "/profile", nil, otherTok), http.StatusUnauthorized)
	if !f.revocationFeedHas(f.sessionOf(otherTok)) {
		t.Error("demoted admin's session not in the revocation feed")
	}
	fresh := f.mustLogin("second", goodPassword)
	webtest.WantProblem(t, f.do("GET", "/admin/users", nil, fresh), http.StatusForbidden)
	// Granting the role needs no new login on the auth service.
	f.patchUser(tok, other.ID, map[string]bool{"is_admin": true})
	if rec := f.do("GET", "/admin/users", nil, fresh); rec.Code != http.StatusOK {
		t.Fatalf("re-granted admin = %d", rec.Code)
	}
}

func TestAdminDeleteUser(t *testing.T) {
	f := newFixture(t, options{})
	admin, tok := f.mustAdmin("root")
	u := f.mustRegister("gina", "gina@example.com", goodPassword, true)
	userTok := f.mustLogin("gina", goodPassword)
	sid := f.sessionOf(userTok)

	rec := f.do("DELETE", "/admin/users/"+u.ID, nil, tok)
	if rec.Code != http.StatusNoContent || rec.Body.Len() != 0 {
		t.Fatalf("DELETE = %d %s", rec.Code, rec.Body)
	}
	webtest.WantProblem(t, f.do("GET", "/admin/users/"+u.ID, nil, tok), http.StatusNotFound)
	webtest.WantProblem(t, f.do("DELETE", "/admin/users/"+u.ID, nil, tok), http.StatusNotFound)
	webtest.WantProblem(t, f.do("GET", "/profile", nil, userTok), http.StatusUnauthorized)
	p := webtest.WantProblem(t, f.do("POST", "/login", map[string]string{"username": "gina", "password": goodPassword}, ""), http.StatusUnauthorized)
	if p.Code != "invalid_credentials" {
		t.Errorf("login code = %q", p.Code)
	}
	// API copies that only poll still learn the session died.
	if !f.revocationFeedHas(sid) {
		t.Error("deleted user's session not in the revocation feed")
	}
	// The log keeps the user's history, and names who deleted them.
	evs := f.events(auth.EventAdminUserDeleted, u.ID)
	if len(evs) != 1 || !strings.Contains(evs[0].Detail, "admin_id="+admin.ID) || evs[0].LoginName != "gina" {
		t.Fatalf("delete events = %+v", evs)
	}
	if len(f.events(auth.EventLoginSuccess, u.ID)) != 1 {
		t.Error("the deleted user's login event is gone")
	}
	// The name is free again.
	f.mustRegister("gina", "gina@example.com", goodPassword, true)
}

func TestAdminUnlock(t *testing.T) {
	f := newFixture(t, options{lockoutThreshold: 3})
	admin, tok := f.mustAdmin("root")
	u := f.mustRegister("hank", "hank@example.com", goodPassword, true)
	for range 3 {
		f.loginStatus("hank", "Wr0ng!pass")
	}
	for range 3 {
		f.loginStatus("hank@example.com", "Wr0ng!pass")
	}
	if got := f.loginStatus("hank", goodPassword); got != http.StatusLocked {
		t.Fatalf("locked login = %d", got)
	}
	rec := f.do("POST", "/admin/users/"+u.ID+"/unlock", nil, tok)
	if rec.Code != http.StatusNoContent {
		t.Fatalf("unlock = %d %s", rec.Code, rec.Body)
	}
	for _, login := range []string{"hank", "HANK", "hank@example.com"} {
		if got := f.loginStatus(login, goodPassword); got != http.StatusOK {
			t.Errorf("login %s after unlock = %d", login, got)
		}
	}
	if evs := f.events(auth.EventAdminUnlock, u.ID); len(evs) != 1 || !strings.Contains(evs[0].Detail, admin.ID) {
		t.Fatalf("unlock events = %+v", evs)
	}
	webtest.WantProblem(t, f.do("POST", "/admin/users/nobody/unlock", nil, tok), http.StatusNotFound)
}

func TestAdminRevokeSessions(t *testing.T) {
	f := newFixture(t, options{})
	admin, tok := f.mustAdmin("root")
	u := f.mustRegister("iris", "iris@example.com", goodPassword, true)
	t1, r1 := f.loginTokens("iris", goodPassword)
	t2 := f.mustLogin("iris", goodPassword)
	bystander := f.mustRegister("jack", "jack@example.com", goodPassword, true)
	jackTok := f.mustLogin("jack", goodPassword)

	rec := f.do("POST", "/admin/users/"+u.ID+"/revoke-sessions", nil, tok)
	if rec.Code != http.StatusNoContent {
		t.Fatalf("revoke-sessions = %d %s", rec.Code, rec.Body)
	}
	for _, userTok := range []string{t1, t2} {
		webtest.WantProblem(t, f.do("GET", "/profile", nil, userTok), http.StatusUnauthorized)
		if !f.revocationFeedHas(f.sessionOf(userTok)) {
			t.Error("revoked session not in the feed")
		}
	}
	webtest.WantProblem(t, f.refresh(r1), http.StatusUnauthorized)
	if rec := f.do("GET", "/profile", nil, jackTok); rec.Code != http.StatusOK {
		t.Errorf("another user's session = %d", rec.Code)
	}
	// The user may log in again: revoking is not disabling.
	if f.loginStatus("iris", goodPassword) != http.StatusOK {
		t.Error("login after revoke-sessions refused")
	}
	if evs := f.events(auth.EventAdminSessionsRevoked, u.ID); len(evs) != 1 || !strings.Contains(evs[0].Detail, admin.ID) {
		t.Fatalf("events = %+v", evs)
	}
	if len(f.events(auth.EventAdminSessionsRevoked, bystander.ID)) != 0 {
		t.Error("event about the bystander")
	}
	webtest.WantProblem(t, f.do("POST", "/admin/users/nobody/revoke-sessions", nil, tok), http.StatusNotFound)
}

// eventPage is the answer of GET /admin/events.
type eventPage struct {
	Items []struct {
		ID        string  `json:"id"`
		Type      string  `json:"type"`
		UserID    *string `json:"user_id"`
		LoginName string  `json:"login_name"`
		IP        string  `json:"ip"`
		UserAgent string  `json:"user_agent"`
		Detail    string  `json:"detail"`
		CreatedAt string  `json:"created_at"`
	} `json:"items"`
	NextCursor string `json:"next_cursor"`
}

func (f *fixture) listEvents(tok, query string) eventPage {
	f.t.Helper()
	rec := f.do("GET", "/admin/events?"+query, nil, tok)
	if rec.Code != http.StatusOK {
		f.t.Fatalf("GET /admin/events?%s = %d %s", query, rec.Code, rec.Body)
	}
	var p eventPage
	webtest.Decode(f.t, rec, &p)
	return p
}

func TestAdminEvents(t *testing.T) {
	f := newFixture(t, options{})
	admin, tok := f.mustAdmin("root")
	u := f.mustRegister("kate", "kate@example.com", goodPassword, true)
	f.loginStatus("kate", "Wr0ng!pass")
	f.loginStatus("ghost", "Wr0ng!pass")
	for range 3 {
		f.loginStatus("kate", goodPassword)
	}
	if rec := f.do("POST", "/admin/users/"+u.ID+"/unlock", nil, tok); rec.Code != http.StatusNoContent {
		t.Fatal(rec.Code)
	}

	p := f.listEvents(tok, "type=admin_unlock")
	if len(p.Items) != 1 || p.NextCursor != "" {
		t.Fatalf("admin_unlock events = %+v", p)
	}
	e := p.Items[0]
	if e.Type != "admin_unlock" || e.UserID == nil || *e.UserID != u.ID || e.LoginName != "kate" ||
		e.Detail != "admin_id="+admin.ID || e.ID == "" || e.CreatedAt == "" || e.IP == "" {
		t.Errorf("event = %+v", e)
	}
	p = f.listEvents(tok, "type=login_failure")
	if len(p.Items) != 2 || p.Items[0].LoginName != "ghost" || p.Items[0].UserID != nil || p.Items[1].UserID == nil {
		t.Errorf("login_failure events = %+v", p.Items)
	}
	p = f.listEvents(tok, "type=login_success&user_id="+u.ID)
	if len(p.Items) != 3 {
		t.Errorf("kate's logins = %d, want 3", len(p.Items))
	}
	var types []string
	for _, it := range f.listEvents(tok, "user_id="+u.ID).Items {
		if it.UserID == nil || *it.UserID != u.ID {
			t.Errorf("event of another user: %+v", it)
		}
		types = append(types, it.Type)
	}
	if !slices.Contains(types, "register") || types[0] != "admin_unlock" {
		t.Errorf("kate's events, newest first = %v", types)
	}

	// Pages: kate's five success/failure/unlock events and her register, two at a time.
	var got []string
	cursor := ""
	for range 10 {
		p := f.listEvents(tok, "user_id="+u.ID+"&limit=2&cursor="+cursor)
		for _, it := range p.Items {
			got = append(got, it.ID)
		}
		if cursor = p.NextCursor; cursor == "" {
			break
		}
	}
	if len(got) != len(types) {
		t.Errorf("paged %d events, want %d", len(got), len(types))
	}

	for _, tc := range []struct{ query, field string }{
		{"limit=0", "limit"}, {"limit=101", "limit"}, {"limit=abc", "limit"}, {"cursor=garbage", "cursor"},
	} {
		p := webtest.WantProblem(t, f.do("GET", "/admin/events?"+tc.query, nil, tok), http.StatusUnprocessableEntity)
		if !slices.Equal(p.Fields(), []string{tc.field}) {
			t.Errorf("%s: fields %v", tc.query, p.Fields())
		}
	}
}
