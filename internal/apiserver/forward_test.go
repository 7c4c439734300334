package apiserver

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"github.com/bizy-auth/bizy/internal/auth"
	"github.com/bizy-auth/bizy/internal/revocation"
	"github.com/bizy-auth/bizy/internal/webtest"
)

// forward sends GET /api/auth/forward with the given bearer token, session
// cookie and extra headers.
func (f *fixture) forward(bearer, cookie string, header map[string]string) *httptest.ResponseRecorder {
	f.t.Helper()
	req := f.request("GET", "/api/auth/forward", nil, bearer)
	if cookie != "" {
		req.AddCookie(&http.Cookie{Name: "bizy_session", Value: cookie})
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	return f.serve(req)
}

// wantIdentity checks a 200 answer's X-Bizy-* headers.
func wantIdentity(t *testing.T, rec *httptest.ResponseRecorder, u auth.User, admin string) {
	t.Helper()
	if rec.Code != http.StatusOK {
		t.Fatalf("forward = %d %s, want 200", rec.Code, rec.Body)
	}
	for k, want := range map[string]string{
		"X-Bizy-User-Id": u.ID, "X-Bizy-Username": u.Username, "X-Bizy-Email": u.Email,
		"X-Bizy-Admin": admin, "X-Bizy-AAL": "aal1", "Cache-Control": "no-store",
	} {
		if got := rec.Header().Get(k); got != want {
			t.Errorf("%s = %q, want %q", k, got, want)
		}
	}
}

// TestForwardBearer: a valid token passes with its identity; a revoked
// session, a bad token and none at all are refused, a bad token even with
// a good cookie beside it.
func TestForwardBearer(t *testing.T) {
	list := revocation.NewList(revocation.ListConfig{})
	f := newFixture(t, options{revoked: list})
	u, tok := f.mustUser("ada", true)
	wantIdentity(t, f.forward(tok, "", nil), u, "true")

	ps, err := f.authSvc.PageLogin(context.Background(), "ada", goodPassword, auth.Client{})
	if err != nil {
		t.Fatal(err)
	}
	rec := f.forward(tok+"x", ps.Secret, nil)
	webtest.WantProblem(t, rec, http.StatusUnauthorized)
	if rec.Header().Get("WWW-Authenticate") != "Bearer" {
		t.Errorf("WWW-Authenticate = %q", rec.Header().Get("WWW-Authenticate"))
	}

	list.Add(sessionOf(t, tok), f.clock.Now().Add(15*time.Minute))
	webtest.WantProblem(t, f.forward(tok, "", nil), http.StatusUnauthorized)
	webtest.WantProblem(t, f.forward("", "", nil), http.StatusUnauthorized)
}

// TestForwardCookie: a page session cookie passes with its user's
// identity; answers are cached, so the auth service is asked once per
// pageSessionTTL; a revocation the feed reports is honoured at once, cache
// or no cache; and a logout the feed has not reported yet is honoured once
// the cached answer expires.
func TestForwardCookie(t *testing.T) {
	list := revocation.NewList(revocation.ListConfig{})
	f := newFixture(t, options{revoked: list})
	u, _ := f.mustUser("bea", false)
	login := func() auth.PageSession {
		ps, err := f.authSvc.PageLogin(context.Background(), "bea", goodPassword, auth.Client{})
		if err != nil {
			t.Fatal(err)
		}
		return ps
	}
	ps := login()
	for range 3 {
		wantIdentity(t, f.forward("", ps.Secret, nil), u, "false")
	}
	if n := f.authRec.count("/page-session"); n != 1 {
		t.Fatalf("auth service asked %d times, want 1 (cached)", n)
	}
	if c := f.authRec.last("/page-session").Header.Get("Cookie"); c != "bizy_session="+ps.Secret {
		t.Errorf("the auth service got Cookie %q, want only the session cookie", c)
	}

	// Revoked through the feed: refused on the next check, though cached.
	list.Add(ps.Session.ID, f.clock.Now().Add(15*time.Minute))
	webtest.WantProblem(t, f.forward("", ps.Secret, nil), http.StatusUnauthorized)

	// Logged out where the feed has not said so yet: refused once the
	// cached answer is older than pageSessionTTL.
	other := login()
	wantIdentity(t, f.forward("", other.Secret, nil), u, "false")
	if err := f.authSvc.Logout(context.Background(), u.ID, other.Session.ID, false, auth.Client{}); err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(pageSessionTTL)
	webtest.WantProblem(t, f.forward("", other.Secret, nil), http.StatusUnauthorized)

	// A cookie that names nothing is refused, and the refusal is cached.
	before := f.authRec.count("/page-session")
	for range 3 {
		webtest.WantProblem(t, f.forward("", "no-such-secret", nil), http.StatusUnauthorized)
	}
	if n := f.authRec.count("/page-session") - before; n != 1 {
		t.Errorf("a dead cookie cost %d auth calls, want 1", n)
	}
}

// TestForwardSendsBrowsersToSignIn: without a credential a browser gets
// 302 to PUBLIC_URL/ui/login with the original URL as return_to, when the
// return_to rule accepts it; anything else gets 401; both name the sign-in
// page in X-Bizy-Login-URL.
func TestForwardSendsBrowsersToSignIn(t *testing.T) {
	f := newFixture(t, options{})
	const html = "text/html,application/xhtml+xml;q=0.9,*/*;q=0.8"
	login := publicURL + "/ui/login"
	withReturn := func(u string) string { return login + "?return_to=" + url.QueryEscape(u) }
	for _, tc := range []struct {
		name   string
		header map[string]string
		want   string
	}{
		{"X-Original-URL", map[string]string{"X-Original-URL": "https://app.example.com/a/b?c=d&e=f"},
			withReturn("https://app.example.com/a/b?c=d&e=f")},
		{"X-Forwarded-*", map[string]string{"X-Forwarded-Proto": "https", "X-Forwarded-Host": "app.example.com",
			"X-Forwarded-Uri": "/reports?y=2026"}, withReturn("https://app.example.com/reports?y=2026")},
		{"PUBLIC_URL's origin", map[string]string{"X-Original-URL": publicURL + "/ui/account"},
			withReturn(publicURL + "/ui/account")},
		{"origin not allowed", map[string]string{"X-Original-URL": "https://evil.example/"}, login},
		{"look-alike", map[string]string{"X-Original-URL": "https://app.example.com.evil.example/"}, login},
		{"scheme-relative", map[string]string{"X-Original-URL": "//evil.example/"}, login},
		{"javascript", map[string]string{"X-Original-URL": "javascript:alert(1)"}, login},
		{"forwarded URI not a path", map[string]string{"X-Forwarded-Proto": "https", "X-Forwarded-Host": "app.example.com",
			"X-Forwarded-Uri": "@evil.example/"}, login},
		{"nothing", nil, login},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := map[string]string{"Accept": html}
			for k, v := range tc.header {
				h[k] = v
			}
			rec := f.forward("", "", h)
			if rec.Code != http.StatusFound || rec.Header().Get("Location") != tc.want {
				t.Fatalf("browser: %d Location %q, want 302 %q", rec.Code, rec.Header().Get("Location"), tc.want)
			}
			h["Accept"] = "application/json"
			rec = f.forward("", "", h)
			webtest.WantProblem(t, rec, http.StatusUnauthorized)
			if got := rec.Header().Get("X-Bizy-Login-URL"); got != tc.want {
				t.Errorf("X-Bizy-Login-URL = %q, want %q", got, tc.want)
			}
		})
	}
}

// TestForwardAuthServiceDown: a cookie the API has no answer for cannot be
// judged while the auth service is down: 503, not a wrong 401 or 200.
// Tokens are still checked locally.
func TestForwardAuthServiceDown(t *testing.T) {
	f := newFixture(t, options{hs256: true})
	u, tok := f.mustUser("cid", false)
	ps, err := f.authSvc.PageLogin(context.Background(), "cid", goodPassword, auth.Client{})
	if err != nil {
		t.Fatal(err)
	}
	f.authSrv.Close()
	p := webtest.WantProblem(t, f.forward("", ps.Secret, nil), http.StatusServiceUnavailable)
	if p.Code != "auth_unavailable" {
		t.Errorf("problem = %+v", p)
	}
	wantIdentity(t, f.forward(tok, "", nil), u, "false")
}
