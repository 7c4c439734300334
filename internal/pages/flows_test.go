package pages

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/bizy-auth/bizy/internal/auth"
)

// TestSignUpConfirmSignIn walks a newcomer: register, the mail's link
// (whose GET spends nothing), confirm, sign in, account, change password,
// sign out.
func TestSignUpConfirmSignIn(t *testing.T) {
	f := newFixture(t, Config{})
	b := f.browser()
	// A page that is a form puts the focus in its first field.
	want(t, "register page", b.get("/ui/register"), http.StatusOK, `action="/ui/register"`,
		`id="username" name="username" type="text" autocomplete="username" required aria-describedby="username-hint" autofocus>`)
	a := b.post("/ui/register", url.Values{"username": {"nina"}, "email": {"Nina@Example.com"}, "password": {goodPassword}})
	want(t, "register", a, http.StatusCreated, "Check your email", "nina@example.com")

	tok := f.mail.token(f.mail.verify, "nina@example.com")
	if tok == "" {
		t.Fatal("no verification mail")
	}
	a = b.post("/ui/login", url.Values{"login": {"nina"}, "password": {goodPassword}})
	want(t, "sign in before confirming", a, http.StatusForbidden, "Confirm your email address first", `href="/ui/verify-email"`)

	for range 2 { // a mail scanner, then the person
		want(t, "link", b.get("/ui/verify-email?token="+url.QueryEscape(tok)), http.StatusOK, "Confirm my email")
	}
	want(t, "confirm", b.post("/ui/verify-email", url.Values{"token": {tok}}), http.StatusOK, "Email address confirmed")
	want(t, "confirm again", b.post("/ui/verify-email", url.Values{"token": {tok}}), http.StatusBadRequest, "This link does not work")

	b.signIn("nina")
	a = b.get("/ui/account")
	want(t, "account", a, http.StatusOK, "nina@example.com", "This browser", "Verified")
	if strings.Contains(a.body, "autofocus") {
		t.Error("the account page, not a form alone, takes the focus into a field")
	}

	// Change password: this session stays, another is signed out.
	other, err := f.svc.Login(context.Background(), "nina", goodPassword, auth.Client{})
	if err != nil {
		t.Fatal(err)
	}
	a = b.post("/ui/account/password", url.Values{"current_password": {"Wrong!Pass1"}, "new_password": {"N3w!Horse-Pass"}})
	want(t, "wrong current password", a, http.StatusBadRequest, "Current password is incorrect", `aria-invalid="true"`)
	a = b.post("/ui/account/password", url.Values{"current_password": {goodPassword}, "new_password": {"weak"}})
	want(t, "weak new password", a, http.StatusUnprocessableEntity, "New password must be at least 8 characters")
	a = b.post("/ui/account/password", url.Values{"current_password": {goodPassword}, "new_password": {"N3w!Horse-Pass"}})
	if a.status != http.StatusSeeOther || a.location() != "/ui/account?m=password_changed" {
		t.Fatalf("change password = %d %q\n%s", a.status, a.location(), a.body)
	}
	want(t, "account after the change", b.get("/ui/account?m=password_changed"), http.StatusOK, "Your password was changed")
	if err := f.svc.CheckSession(context.Background(), other.User.ID, other.SessionID); err == nil {
		t.Error("the other session outlived the password change")
	}

	want(t, "sign-out page", b.get("/ui/logout"), http.StatusOK, "Sign out?")
	a = b.post("/ui/logout", nil)
	if a.status != http.StatusSeeOther || a.location() != "/ui/login?m=signed_out" {
		t.Fatalf("sign out = %d %q", a.status, a.location())
	}
	if a := b.get("/ui/account"); a.status != http.StatusSeeOther || !strings.HasPrefix(a.location(), "/ui/login") {
		t.Fatalf("account after signing out = %d %q", a.status, a.location())
	}
	if _, err := f.svc.PageLogin(context.Background(), "nina", "N3w!Horse-Pass", auth.Client{}); err != nil {
		t.Fatalf("the new password does not work: %v", err)
	}
}

// TestForgotAndReset: the same answer for a known and an unknown address;
// the link's page spends nothing; a weak password keeps the token; the
// reset signs every session out.
func TestForgotAndReset(t *testing.T) {
	f := newFixture(t, Config{})
	f.user("rosa", false)
	signedIn := f.browser()
	signedIn.signIn("rosa")

	b := f.browser()
	b.get("/ui/forgot-password")
	known := b.post("/ui/forgot-password", url.Values{"email": {"rosa@example.com"}})
	unknown := b.post("/ui/forgot-password", url.Values{"email": {"nobody@example.com"}})
	want(t, "forgot", known, http.StatusOK, "If that address belongs to an account")
	if stripCSRF(known.body) != stripCSRF(unknown.body) || known.status != unknown.status {
		t.Fatal("forgot-password answers differ for a known and an unknown address")
	}
	f.svc.Wait()
	tok := f.mail.token(f.mail.reset, "rosa@example.com")
	if tok == "" {
		t.Fatal("no reset mail")
	}
	want(t, "reset page", b.get("/ui/reset-password?token="+url.QueryEscape(tok)), http.StatusOK, "Choose a new password")
	want(t, "old link", b.get("/reset-password?token="+url.QueryEscape(tok)), http.StatusSeeOther)
	a := b.post("/ui/reset-password", url.Values{"token": {tok}, "password": {"Password1!"}})
	want(t, "weak password", a, http.StatusUnprocessableEntity, "Password is too common", `aria-invalid="true"`, `value="`+tok+`"`)
	a = b.post("/ui/reset-password", url.Values{"token": {tok}, "password": {"N3w!Horse-Pass"}})
	want(t, "reset", a, http.StatusOK, "Password changed")
	want(t, "reuse", b.post("/ui/reset-password", url.Values{"token": {tok}, "password": {"An0ther!Horse"}}),
		http.StatusBadRequest, "This link does not work")
	if a := signedIn.get("/ui/account"); a.status != http.StatusSeeOther {
		t.Fatalf("a page session outlived the reset: %d", a.status)
	}
}

var csrfValue = regexp.MustCompile(`name="csrf" value="[^"]+"`)

func stripCSRF(s string) string { return csrfValue.ReplaceAllString(s, "") }

// TestSignInAnswers: an unknown name and a wrong password get the same
// page; the fifth failure locks the name, answered 423 with Retry-After;
// the errors are next to their fields, marked for assistive technology,
// and the first one takes the focus.
func TestSignInAnswers(t *testing.T) {
	f := newFixture(t, Config{})
	f.user("lena", false)
	b := f.browser()
	b.get("/ui/login")
	wrong := b.post("/ui/login", url.Values{"login": {"lena"}, "password": {"Wrong!Pass1"}})
	unknown := b.post("/ui/login", url.Values{"login": {"lina"}, "password": {"Wrong!Pass1"}})
	want(t, "wrong password", wrong, http.StatusUnauthorized, "The username or password is incorrect")
	if wrong.status != unknown.status || stripCSRF(strings.Replace(wrong.body, "lena", "lina", 1)) != stripCSRF(unknown.body) {
		t.Fatalf("wrong password and unknown name differ:\n%s\n---\n%s", wrong.body, unknown.body)
	}
	// The error sits with the password field, which gets the focus; the
	// password itself is never sent back.
	for _, s := range []string{
		`<input id="password" name="password" type="password" autocomplete="current-password" required aria-invalid="true" aria-describedby="password-error" autofocus>`,
		`<p class="error" id="password-error">`, `<a href="#password">`, `role="alert"`,
		`<input id="login" name="login" type="text" value="lena"`,
	} {
		if !strings.Contains(wrong.body, s) {
			t.Errorf("wrong-password page lacks %s", s)
		}
	}
	a := b.post("/ui/login", url.Values{"login": {""}, "password": {""}})
	want(t, "empty form", a, http.StatusUnprocessableEntity, "Enter your username or email", "Enter your password")
	if !strings.Contains(a.body, `name="login" type="text" autocomplete="username" required aria-invalid="true" aria-describedby="login-error" autofocus`) {
		t.Errorf("the first error does not take the focus:\n%s", a.body)
	}

	for range 4 {
		b.post("/ui/login", url.Values{"login": {"lena"}, "password": {"Wrong!Pass1"}})
	}
	a = b.post("/ui/login", url.Values{"login": {"lena"}, "password": {goodPassword}})
	want(t, "locked", a, http.StatusLocked, "Too many failed sign-ins")
	if a.header.Get("Retry-After") == "" {
		t.Error("423 without Retry-After")
	}
}

// TestPageHeaders: the pages' own security policy replaces the JSON one,
// nothing personal is cached, and the cookies are as SPEC has them.
func TestPageHeaders(t *testing.T) {
	f := newFixture(t, Config{PublicURL: "https://bizy.example", CookieDomain: "bizy.example"})
	f.user("hana", false)
	b := f.browser()
	a := b.get("/ui/login")
	for k, v := range map[string]string{
		"Content-Security-Policy": "default-src 'self'; base-uri 'none'; frame-ancestors 'none'",
		"Cache-Control":           "no-store",
		"X-Frame-Options":         "DENY",
		"X-Content-Type-Options":  "nosniff",
	} {
		if got := a.header.Get(k); got != v {
			t.Errorf("%s = %q, want %q", k, got, v)
		}
	}
	if strings.Contains(a.body, "<script") || strings.Contains(a.body, "style=") || strings.Contains(a.body, "<style") {
		t.Error("a page carries inline script or style")
	}
	// The cookies are Secure (PUBLIC_URL is https), so the jar keeps them
	// from this http test server: send the one the page set by hand.
	anon := (&http.Response{Header: a.header}).Cookies()
	if len(anon) != 1 || !anon[0].Secure || !anon[0].HttpOnly {
		t.Fatalf("form cookie = %+v", anon)
	}
	a = b.post("/ui/login", url.Values{"login": {"hana"}, "password": {goodPassword}}, "Cookie", anon[0].Name+"="+anon[0].Value)
	if a.status != http.StatusSeeOther {
		t.Fatalf("sign in = %d\n%s", a.status, a.body)
	}
	var c *http.Cookie
	for _, ck := range (&http.Response{Header: a.header}).Cookies() {
		if ck.Name == SessionCookie {
			c = ck
		}
	}
	if c == nil || !c.HttpOnly || !c.Secure || c.SameSite != http.SameSiteLaxMode || c.Path != "/" ||
		c.Domain != "bizy.example" || len(c.Value) != 43 || c.Expires.Before(time.Now().Add(29*24*time.Hour)) {
		t.Fatalf("session cookie = %+v", c)
	}
	ps, err := f.svc.ResumePageSession(context.Background(), c.Value)
	if err != nil || strings.Contains(c.Value, ps.Session.ID) {
		t.Fatalf("the cookie names session %v (%v); it must hold a secret, not the id", ps.Session.ID, err)
	}

	css := b.get("/ui/static/style.css?v=" + f.pagesCSSVersion(t))
	if css.status != http.StatusOK || !strings.HasPrefix(css.header.Get("Content-Type"), "text/css") ||
		!strings.Contains(css.header.Get("Cache-Control"), "immutable") {
		t.Fatalf("stylesheet = %d %v", css.status, css.header)
	}
	if a := b.get("/ui/static/nope.css"); a.status != http.StatusNotFound {
		t.Errorf("unknown static file = %d", a.status)
	}
}

// pagesCSSVersion reads the stylesheet version off the sign-in page.
func (f *fixture) pagesCSSVersion(t *testing.T) string {
	a := f.browser().get("/ui/login")
	m := regexp.MustCompile(`style\.css\?v=([0-9a-f]+)`).FindStringSubmatch(a.body)
	if m == nil {
		t.Fatal("no stylesheet link")
	}
	return m[1]
}

// TestBadForms: a body past the limit, one that is not a form, and a
// session id that is not one get their own answers, never a 500.
func TestBadForms(t *testing.T) {
	f := newFixture(t, Config{})
	f.user("bo_b", false)
	b := f.browser()
	b.signIn("bo_b")
	big := url.Values{"csrf": {b.csrf}, "pad": {strings.Repeat("x", 1<<20)}}
	want(t, "huge form", b.post("/ui/account/password", big), http.StatusRequestEntityTooLarge)
	req, _ := http.NewRequest("POST", f.srv.URL+"/ui/logout", strings.NewReader("%zz"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	want(t, "unreadable form", b.do(req), http.StatusBadRequest, "Something is wrong with the form")
	b.get("/ui/account")
	want(t, "bad session id", b.post("/ui/account/sessions/%ff%00/revoke", nil), http.StatusNotFound)
}

// TestUnknownPage: a person who mistypes a page address gets a page.
func TestUnknownPage(t *testing.T) {
	f := newFixture(t, Config{})
	a := f.browser().get("/ui/nope")
	want(t, "unknown page", a, http.StatusNotFound, "Not found")
	if !strings.HasPrefix(a.header.Get("Content-Type"), "text/html") {
		t.Errorf("Content-Type %q", a.header.Get("Content-Type"))
	}
}
