package pages

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/bizy-auth/bizy/internal/auth"
)

// TestAdminConsoleAccess: a signed-out visitor is sent to sign in and
// brought back; a member gets 403; the role is read from the database on
// each request, not as it was at sign-in.
func TestAdminConsoleAccess(t *testing.T) {
	f := newFixture(t, Config{})
	f.user("moe", false)
	boss := f.user("boss", true)
	for _, path := range []string{"/ui/admin", "/ui/admin/users", "/ui/admin/events", "/ui/admin/users/" + boss.ID} {
		a := f.browser().get(path)
		if a.status != http.StatusSeeOther || a.location() != "/ui/login?return_to="+url.QueryEscape(path) {
			t.Errorf("signed out, GET %s = %d %q", path, a.status, a.location())
		}
	}
	member := f.browser()
	member.signIn("moe")
	for _, path := range []string{"/ui/admin", "/ui/admin/users", "/ui/admin/events", "/ui/admin/users/" + boss.ID} {
		want(t, "member, GET "+path, member.get(path), http.StatusForbidden, "Admins only")
	}
	a := member.post("/ui/admin/users/"+boss.ID+"/delete", url.Values{"confirm": {"yes"}})
	want(t, "member deleting", a, http.StatusForbidden)
	if strings.Contains(member.get("/ui/account").body, `href="/ui/admin"`) {
		t.Error("a member's header links to the console")
	}

	b := f.browser()
	b.signIn("boss")
	want(t, "admin console", b.get("/ui/admin"), http.StatusOK, `<svg class="chart"`, "Logins per hour")
	// Demoted in the database alone (no session ended): refused at once.
	u, _ := f.svc.User(context.Background(), boss.ID)
	u.IsAdmin = false
	if err := f.store.UpdateUser(context.Background(), u); err != nil {
		t.Fatal(err)
	}
	want(t, "demoted admin", b.get("/ui/admin"), http.StatusForbidden)
}

// TestAdminUserActions: find a user, lock and unlock them, then every
// action of the admin API, destructive ones only after confirmation.
func TestAdminUserActions(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, Config{})
	boss := f.user("boss", true)
	vic := f.user("victor", false)
	f.user("vera", false)
	b := f.browser()
	b.signIn("boss")

	a := b.get("/ui/admin/users?q=VIC")
	want(t, "search", a, http.StatusOK, "victor@example.com", `href="/ui/admin/users/`+vic.ID+`"`)
	if strings.Contains(a.body, "vera@example.com") {
		t.Error("the search lists a user it does not match")
	}
	for range 5 {
		f.svc.Login(ctx, "victor", "Wrong!Pass1", auth.Client{})
	}
	want(t, "locked user listed", b.get("/ui/admin/users?q=victor"), http.StatusOK, ">Locked<")
	want(t, "user page", b.get("/ui/admin/users/"+vic.ID), http.StatusOK, "Locked until")
	act := func(action string, form url.Values) answer {
		t.Helper()
		b.get("/ui/admin/users/" + vic.ID)
		return b.post("/ui/admin/users/"+vic.ID+"/"+action, form)
	}
	if a := act("unlock", nil); a.status != http.StatusSeeOther || a.location() != "/ui/admin/users/"+vic.ID+"?m=done" {
		t.Fatalf("unlock = %d %q\n%s", a.status, a.location(), a.body)
	}
	want(t, "after unlock", b.get("/ui/admin/users/"+vic.ID+"?m=done"), http.StatusOK, "Not locked", "Done.")
	if _, err := f.svc.Login(ctx, "victor", goodPassword, auth.Client{}); err != nil {
		t.Fatalf("sign-in after the unlock: %v", err)
	}

	// Destructive: a confirmation page first, nothing done yet.
	a = act("disable", nil)
	want(t, "disable, unconfirmed", a, http.StatusOK, "Are you sure?", `name="confirm" value="yes"`)
	if u, _ := f.svc.User(ctx, vic.ID); u.Disabled {
		t.Fatal("disabled without confirmation")
	}
	b.post("/ui/admin/users/"+vic.ID+"/disable", url.Values{"confirm": {"yes"}})
	if u, _ := f.svc.User(ctx, vic.ID); !u.Disabled {
		t.Fatal("not disabled after confirmation")
	}
	if live, _ := f.svc.Sessions(ctx, vic.ID); len(live) != 0 {
		t.Errorf("a disabled user keeps %d sessions", len(live))
	}
	want(t, "disabled listed", b.get("/ui/admin/users?q=victor"), http.StatusOK, ">Disabled<")

	steps := []struct {
		action  string
		confirm bool
		check   func(auth.User) bool
	}{
		{"enable", false, func(u auth.User) bool { return !u.Disabled }},
		{"unverify", false, func(u auth.User) bool { return !u.EmailVerified }},
		{"verify", false, func(u auth.User) bool { return u.EmailVerified }},
		{"grant-admin", true, func(u auth.User) bool { return u.IsAdmin }},
		{"revoke-admin", true, func(u auth.User) bool { return !u.IsAdmin }},
	}
	for _, s := range steps {
		form := url.Values{}
		if s.confirm {
			form.Set("confirm", "yes")
		}
		if a := act(s.action, form); a.status != http.StatusSeeOther {
			t.Fatalf("%s = %d\n%s", s.action, a.status, a.body)
		}
		if u, _ := f.svc.User(ctx, vic.ID); !s.check(u) {
			t.Fatalf("after %s: %+v", s.action, u)
		}
	}
	f.svc.Login(ctx, "victor", goodPassword, auth.Client{})
	act("revoke-sessions", url.Values{"confirm": {"yes"}})
	if live, _ := f.svc.Sessions(ctx, vic.ID); len(live) != 0 {
		t.Errorf("%d sessions after revoke-sessions", len(live))
	}

	// An admin can't delete themselves: 409 on their own page.
	b.get("/ui/admin/users/" + boss.ID)
	a = b.post("/ui/admin/users/"+boss.ID+"/delete", url.Values{"confirm": {"yes"}})
	want(t, "delete self", a, http.StatusConflict, "another admin must")

	a = act("delete", url.Values{"confirm": {"yes"}})
	if a.status != http.StatusSeeOther || a.location() != "/ui/admin/users?m=user_deleted" {
		t.Fatalf("delete = %d %q", a.status, a.location())
	}
	if _, err := f.svc.User(ctx, vic.ID); err == nil {
		t.Fatal("the user is still there")
	}
	want(t, "deleted user's page", b.get("/ui/admin/users/"+vic.ID), http.StatusNotFound)
	want(t, "unknown action", b.post("/ui/admin/users/"+boss.ID+"/explode", nil), http.StatusNotFound)

	// Each action is in the event log with the acting admin.
	evs, _, err := f.svc.Events(ctx, auth.EventFilter{UserID: vic.ID, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	for _, e := range evs {
		if strings.Contains(e.Detail, "admin_id="+boss.ID) {
			seen[e.Type]++
		}
	}
	if seen[auth.EventAdminUnlock] != 1 || seen[auth.EventAdminUserUpdated] != 6 || seen[auth.EventAdminSessionsRevoked] != 1 ||
		seen[auth.EventAdminUserDeleted] != 1 {
		t.Errorf("admin events = %v", seen)
	}
}

// TestAdminUsersPaging: the list pages through every user, newest first.
func TestAdminUsersPaging(t *testing.T) {
	f := newFixture(t, Config{})
	f.user("boss", true)
	for i := range adminPageSize + 2 {
		f.user("u"+string(rune('a'+i%26))+strings.Repeat("x", i/26+1), false)
	}
	b := f.browser()
	b.signIn("boss")
	a := b.get("/ui/admin/users")
	want(t, "first page", a, http.StatusOK, "Next page")
	next := hrefOf(t, a.body, `rel="next"`)
	a = b.get(next)
	want(t, "second page", a, http.StatusOK, "First page", "boss")
	if strings.Contains(a.body, `rel="next"`) {
		t.Error("the last page links further")
	}
	want(t, "bad cursor", b.get("/ui/admin/users?cursor=garbage"), http.StatusUnprocessableEntity, "not valid")
}

// hrefOf returns the href of the link whose tag holds marker.
func hrefOf(t *testing.T, body, marker string) string {
	t.Helper()
	i := strings.Index(body, marker)
	if i < 0 {
		t.Fatalf("no link with %s", marker)
	}
	start := strings.LastIndex(body[:i], `href="`) + len(`href="`)
	end := strings.Index(body[start:], `"`)
	return strings.ReplaceAll(body[start:start+end], "&amp;", "&")
}

// TestAdminEvents: the filters (user by name, type, IP, time range) and
// their errors.
func TestAdminEvents(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, Config{})
	f.user("boss", true)
	gus := f.user("gus", false)
	now := f.clock.Now()
	for i, e := range []auth.Event{
		{Type: auth.EventLoginFailure, UserID: gus.ID, LoginName: "gus", IP: "203.0.113.5", CreatedAt: now.Add(-3 * time.Hour)},
		{Type: auth.EventLoginFailure, LoginName: "ghost", IP: "203.0.113.50", CreatedAt: now.Add(-2 * time.Hour)},
		{Type: auth.EventLoginSuccess, UserID: gus.ID, LoginName: "gus", IP: "2001:db8::5", CreatedAt: now.Add(-time.Hour)},
	} {
		e.ID = "ev-" + string(rune('a'+i))
		if err := f.store.AddEvent(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	b := f.browser()
	b.signIn("boss")
	count := func(q string) int {
		t.Helper()
		a := b.get("/ui/admin/events?" + q)
		want(t, "events?"+q, a, http.StatusOK)
		return strings.Count(a.body, `<span class="badge ev`)
	}
	ts := func(d time.Duration) string { return now.Add(d).UTC().Format(timeLayout) }
	for q, n := range map[string]int{
		"user=gus&type=login_failure":  1,
		"user=" + gus.ID:               3, // and the registration
		"ip=203.0.113.5":               1,
		"ip=2001:0db8:0:0:0:0:0:5":     1, // the same address, written out
		"type=login_failure":           2,
		"from=" + ts(-150*time.Minute): 5, // ghost, gus's success, and now: two sign-ups and boss's sign-in
		"from=" + ts(-4*time.Hour) + "&to=" + ts(-90*time.Minute) + "&type=login_failure": 2,
	} {
		if got := count(q); got != n {
			t.Errorf("events?%s lists %d, want %d", q, got, n)
		}
	}
	a := b.get("/ui/admin/events?ip=not-an-ip&type=nope&user=nobody&from=yesterday")
	want(t, "bad filters", a, http.StatusUnprocessableEntity, "Enter an IPv4 or IPv6 address", "Choose a type from the list",
		"No user has that id, username or email", "Enter a date and time")
	if strings.Count(a.body, `aria-invalid="true"`) != 4 {
		t.Errorf("want 4 fields marked invalid:\n%s", a.body)
	}
	want(t, "a user name no store can hold", b.get("/ui/admin/events?user=%00%ff"), http.StatusUnprocessableEntity,
		"No user has that id")
}
