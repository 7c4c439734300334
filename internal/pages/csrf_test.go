package pages

import (
	"context"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/bizy-auth/bizy/internal/auth"
)

// TestCrossSiteFormsRefused: a form sent from another site is refused by
// http.CrossOriginProtection (Sec-Fetch-Site, or Origin when a browser
// sends no Sec-Fetch-Site), and one without the session's token by the
// token check; neither changes anything.
func TestCrossSiteFormsRefused(t *testing.T) {
	f := newFixture(t, Config{PublicURL: "http://bizy.example"})
	u := f.user("cora", false)
	b := f.browser()
	b.signIn("cora")
	token := b.csrf

	for _, tc := range []struct {
		name    string
		form    url.Values
		headers []string
	}{
		{"cross-site", url.Values{"csrf": {token}}, []string{"Sec-Fetch-Site", "cross-site"}},
		{"same-site, another origin", url.Values{"csrf": {token}}, []string{"Sec-Fetch-Site", "same-site"}},
		{"foreign Origin", url.Values{"csrf": {token}}, []string{"Origin", "https://evil.example"}},
		{"no token", url.Values{"csrf": {""}}, nil},
		{"another browser's token", url.Values{"csrf": {deriveCSRF(newCookieSecret())}}, nil},
		{"garbage token", url.Values{"csrf": {"x"}}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.form.Set("all", "true")
			a := b.post("/ui/logout", tc.form, tc.headers...)
			if a.status != http.StatusForbidden {
				t.Fatalf("POST /ui/logout = %d, want 403\n%s", a.status, a.body)
			}
			if live, err := f.svc.Sessions(context.Background(), u.ID); err != nil || len(live) != 1 {
				t.Fatalf("sessions after a refused sign-out: %d, %v", len(live), err)
			}
		})
	}
	// The Origin of PUBLIC_URL is trusted, as a browser behind the API's
	// proxy sends it while the Host is the auth service's.
	a := b.post("/ui/logout", url.Values{"csrf": {token}}, "Origin", "http://bizy.example")
	if a.status != http.StatusSeeOther {
		t.Fatalf("same-origin sign-out = %d\n%s", a.status, a.body)
	}
}

// TestPageSessionEndsWithItsSession: the cookie names a row of the
// sessions table, so the API's sign-out everywhere, a revocation from
// another device and an admin's revocation all end the page session, and
// the page clears the cookie.
func TestPageSessionEndsWithItsSession(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, Config{})
	u := f.user("ezra", false)
	admin := f.user("ada", true)
	ends := []struct {
		name string
		end  func(sid string) error
	}{
		{"POST /logout?all=true", func(string) error {
			api, err := f.svc.Login(ctx, "ezra", goodPassword, auth.Client{})
			if err != nil {
				return err
			}
			return f.svc.Logout(ctx, u.ID, api.SessionID, true, auth.Client{})
		}},
		{"DELETE /sessions/{id}", func(sid string) error { return f.svc.RevokeUserSession(ctx, u.ID, sid, auth.Client{}) }},
		{"admin revoke-sessions", func(string) error { return f.svc.AdminRevokeSessions(ctx, admin.ID, u.ID, auth.Client{}) }},
	}
	for _, e := range ends {
		t.Run(e.name, func(t *testing.T) {
			b := f.browser()
			b.signIn("ezra")
			sessions, err := f.svc.Sessions(ctx, u.ID)
			if err != nil || len(sessions) == 0 {
				t.Fatalf("the page session is not among the user's sessions: %v", err)
			}
			if err := e.end(sessions[0].ID); err != nil {
				t.Fatal(err)
			}
			a := b.get("/ui/account")
			if a.status != http.StatusSeeOther || a.location() != "/ui/login?return_to=%2Fui%2Faccount" {
				t.Fatalf("account after %s = %d %q", e.name, a.status, a.location())
			}
			cleared := false
			for _, c := range (&http.Response{Header: a.header}).Cookies() {
				cleared = cleared || (c.Name == SessionCookie && c.MaxAge < 0)
			}
			if !cleared {
				t.Errorf("the dead session's cookie was not cleared: %v", a.header["Set-Cookie"])
			}
		})
	}

	t.Run("expiry", func(t *testing.T) {
		b := f.browser()
		b.signIn("ezra")
		f.clock.Advance(721 * time.Hour)
		if a := b.get("/ui/account"); a.status != http.StatusSeeOther {
			t.Fatalf("account after the session expired = %d", a.status)
		}
	})

	t.Run("sign out one session from the account page", func(t *testing.T) {
		b, other := f.browser(), f.browser()
		other.signIn("ezra")
		b.signIn("ezra")
		sessions, _ := f.svc.Sessions(ctx, u.ID)
		var otherID string
		for _, s := range sessions {
			if ps := visitorCookie(t, other); s.ID != ps {
				continue
			}
			otherID = s.ID
		}
		a := b.post("/ui/account/sessions/"+otherID+"/revoke", nil)
		if a.status != http.StatusSeeOther || a.location() != "/ui/account?m=session_revoked" {
			t.Fatalf("revoke = %d %q\n%s", a.status, a.location(), a.body)
		}
		if a := other.get("/ui/account"); a.status != http.StatusSeeOther {
			t.Fatalf("the signed-out browser still sees its account: %d", a.status)
		}
		if a := b.get("/ui/account"); a.status != http.StatusOK {
			t.Fatalf("this browser lost its session: %d", a.status)
		}
	})
}

// visitorCookie returns the id of the session b's cookie names.
func visitorCookie(t *testing.T, b *browser) string {
	t.Helper()
	u, _ := url.Parse(b.f.srv.URL)
	for _, c := range b.c.Jar.Cookies(u) {
		if c.Name == SessionCookie {
			ps, err := b.f.svc.ResumePageSession(context.Background(), c.Value)
			if err != nil {
				t.Fatal(err)
			}
			return ps.Session.ID
		}
	}
	t.Fatal("no session cookie")
	return ""
}
