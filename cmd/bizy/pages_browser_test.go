package main

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

const (
	browserPassword = "Tr1cky!Horse"
	newPassword     = "N3w!Horse-Pass"
	resetPassword   = "R3set!Horse-Pass"
)

// TestPagesInBrowser is the newcomer's walk and the admin's, in a real
// Chromium against `bizy serve`, everything through the API's origin (the
// default PUBLIC_URL): sign up, the mail file's link, confirm, sign in,
// account, change password, sign out; forgot and reset; the console's
// user actions and chart; a cross-site form refused; a page session ended
// by POST /logout?all=true from the API. Each page is saved as a
// screenshot under test-output/screenshots.
func TestPagesInBrowser(t *testing.T) {
	share(t)
	browser := newBrowser(t)
	dir := dataDir(t)
	_, api := startServe(t, "--data-dir", dir, "--bcrypt-cost", "10")
	b := tab{t, browser}

	// Sign up.
	// A person opening the API lands on the sign-in page.
	b.wantStatus("the API's root", b.open(api+"/"), 200)
	b.see("the API's root", "Sign in", "Create an account")
	b.shot("login")
	b.open(api + "/ui/register")
	b.fill("username", "mia")
	b.fill("email", "mia@example.com")
	b.fill("password", "short")
	b.wantStatus("weak password", b.submit("form button[type=submit]"), 422)
	b.see("weak password", "There is a problem", "Password must be at least 8 characters")
	focused := eval[string](b, `document.activeElement.id`)
	if focused != "password" || eval[string](b, `document.getElementById('password').getAttribute('aria-invalid')`) != "true" {
		t.Errorf("after the error the focus is on %q, want the invalid password field", focused)
	}
	b.shot("register-error")
	b.fill("password", browserPassword)
	b.wantStatus("register", b.submit("form button[type=submit]"), 201)
	b.see("register", "Check your email", "mia@example.com")
	b.shot("register-done")

	// The link from the mail file: its page spends nothing, its button does.
	link := waitMail(t, dir, "mia@example.com", "Verify")
	if !strings.HasPrefix(link, api+"/ui/verify-email?token=") {
		t.Fatalf("link %q, want a page on the API's origin %s", link, api)
	}
	b.open(link)
	b.see("verify link", "Confirm your email address")
	b.shot("verify-email")
	b.wantStatus("confirm", b.submit("form button[type=submit]"), 200)
	b.see("confirmed", "Email address confirmed")
	b.shot("verify-email-done")

	// Sign in, account.
	b.open(api + "/ui/login")
	b.fill("login", "mia")
	b.fill("password", "Wrong!Pass1")
	b.wantStatus("wrong password", b.submit("form button[type=submit]"), 401)
	b.see("wrong password", "The username or password is incorrect")
	b.shot("login-error")
	b.fill("password", browserPassword)
	b.wantStatus("sign in", b.submit("form button[type=submit]"), 200)
	b.see("account", "Your account", "mia@example.com", "Verified", "This browser")
	if got := eval[string](b, `getComputedStyle(document.querySelector('.card')).borderRadius`); got != "12px" {
		t.Errorf("the stylesheet did not apply under the page's policy (card radius %q)", got)
	}
	b.shot("account")
	b.phone()
	b.shot("account-phone")
	b.desktop()

	// Change password, then sign out from the header.
	b.fill("current_password", browserPassword)
	b.fill("new_password", newPassword)
	b.wantStatus("change password", b.submit("form[action='/ui/account/password'] button"), 200)
	b.see("password changed", "Your password was changed")
	b.open(api + "/ui/logout")
	b.see("sign-out page", "Sign out?", "Sign out on every device")
	b.shot("logout")
	b.wantStatus("sign out", b.submit("header form button"), 200)
	b.see("signed out", "You are signed out", "Sign in")
	signIn(b, api, "mia", newPassword)

	// Forgot and reset, in another tab (another person's browser).
	r := tab{t, newTab(t, browser)}
	r.open(api + "/ui/forgot-password")
	r.shot("forgot-password")
	r.fill("email", "mia@example.com")
	r.wantStatus("forgot", r.submit("form button[type=submit]"), 200)
	r.see("forgot", "If that address belongs to an account")
	link = waitMail(t, dir, "mia@example.com", "Reset")
	r.open(link)
	r.see("reset link", "Choose a new password")
	r.shot("reset-password")
	r.fill("password", resetPassword)
	r.wantStatus("reset", r.submit("form button[type=submit]"), 200)
	r.see("reset", "Password changed")
	r.shot("reset-password-done")
	// The unlock link's page acts only on its POST; a made-up token is
	// refused like any dead link.
	r.open(api + "/ui/unlock?token=made-up")
	r.shot("unlock")
	r.wantStatus("unlock", r.submit("form button[type=submit]"), 400)
	r.see("unlock", "This link does not work")
	// The reset signed mia's first browser out.
	b.open(api + "/ui/account")
	b.see("after the reset", "Sign in")
	signIn(r, api, "mia", resetPassword)

	adminWalk(t, browser, dir, api)
	// The admin disabled and enabled mia, which signed her out: again.
	signIn(r, api, "mia", resetPassword)
	r.wantStatus("a member opening the console", r.open(api+"/ui/admin"), 403)
	r.see("a member opening the console", "Admins only")

	// A form from another origin of the same site is refused, though the
	// cookie goes along (SameSite=Lax), and the session stays.
	evil := evilSite(t, api+"/ui/logout")
	r.open(evil)
	r.wantStatus("cross-site form", r.submit("#prize"), 403)
	r.see("cross-site form", "This form came from another site")
	r.shot("cross-site-refused")
	r.open(api + "/ui/account")
	r.see("after the refused form", "Your account")

	// Sign-out everywhere from the API ends the page session.
	res, body := sendJSON(t, "POST", api+"/api/auth/login", "", `{"username":"mia","password":"`+resetPassword+`"}`)
	wantStatus(t, "API login", res, body, 200)
	if code := postBearer(t, api+"/api/auth/logout?all=true", body["token"].(string)); code != 204 {
		t.Fatalf("POST /logout?all=true = %d", code)
	}
	r.open(api + "/ui/account")
	r.see("after logout everywhere", "Sign in")
	if got := eval[string](r, `location.pathname + location.search`); got != "/ui/login?return_to="+url.QueryEscape("/ui/account") {
		t.Errorf("after logout everywhere the browser is at %q", got)
	}
}

// postBearer sends a bodiless POST with a bearer token and returns the
// status.
func postBearer(t *testing.T, url, bearer string) int {
	t.Helper()
	req, err := http.NewRequest("POST", url, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+bearer)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res.StatusCode
}

// signIn signs the tab in through the sign-in page.
func signIn(b tab, api, login, password string) {
	b.t.Helper()
	b.open(api + "/ui/login")
	b.fill("login", login)
	b.fill("password", password)
	b.wantStatus("sign in as "+login, b.submit("form button[type=submit]"), 200)
	b.see("signed in as "+login, "Your account")
}

// adminWalk: `bizy user create --admin`, then the console: the chart of
// the sign-ins so far, find mia, lock (by failed sign-ins) and unlock her,
// disable her after the confirmation and enable her again, her events.
func adminWalk(t *testing.T, browser context.Context, dir, api string) {
	if _, err := runCmd(t, "", "user", "create", "--data-dir", dir, "--bcrypt-cost", "10", "--admin", "--verified",
		"--username", "boss", "--email", "boss@example.com", "--password", browserPassword); err != nil {
		t.Fatal(err)
	}
	for i := range 6 { // five failures lock mia's name; the sixth try is refused by the lock
		res, body := sendJSON(t, "POST", api+"/api/auth/login", "", `{"username":"mia","password":"Wrong!Pass1"}`)
		if want := map[bool]int{true: 423, false: 401}[i == 5]; res.StatusCode != want {
			t.Fatalf("failed login %d = %d %v, want %d", i+1, res.StatusCode, body, want)
		}
	}
	a := tab{t, newTab(t, browser)}
	signIn(a, api, "boss", browserPassword)
	a.open(api + "/ui/admin")
	a.see("console", "Overview", "Logins per hour", "Success", "Failure", "Locked", "Rate limited")
	for class, atLeast := range map[string]int{"o-success": 1, "o-failure": 1, "o-locked": 1} {
		if n := eval[int](a, `document.querySelectorAll('svg.chart .bars rect.`+class+`').length`); n < atLeast {
			t.Errorf("the chart draws %d %s bars, want at least %d", n, class, atLeast)
		}
	}
	if n := eval[int](a, `document.querySelectorAll('svg.chart .grid text, svg.chart .xlabels text, svg.chart .legend text').length`); n < 10 {
		t.Errorf("the chart has %d axis and legend labels", n)
	}
	a.shot("admin-overview")
	a.open(api + "/ui/admin?range=7d")
	if n := eval[int](a, `document.querySelectorAll('svg.chart .bars > g').length`); n != 168 {
		t.Errorf("the 7-day chart has %d hours, want 168", n)
	}
	a.shot("admin-overview-7d")
	a.phone()
	a.shot("admin-overview-phone")
	a.desktop()

	a.open(api + "/ui/admin/users")
	a.fill("q", "mia")
	a.wantStatus("search", a.submit("form.search button"), 200)
	a.see("search", "mia@example.com", "Locked")
	a.shot("admin-users")
	a.wantStatus("open mia", a.submit("a[href^='/ui/admin/users/']"), 200)
	a.see("mia's page", "Locked until", "Latest events", "login_failure")
	a.shot("admin-user")
	a.wantStatus("unlock", a.submit("form[action$='/unlock'] button"), 200)
	a.see("unlocked", "Not locked", "Done.")
	res, body := sendJSON(t, "POST", api+"/api/auth/login", "", `{"username":"mia","password":"`+resetPassword+`"}`)
	wantStatus(t, "mia's login after the unlock", res, body, 200)

	a.wantStatus("disable", a.submit("form[action$='/disable'] button"), 200)
	a.see("confirmation", "Are you sure?", "Disable this account?")
	a.shot("admin-confirm")
	a.wantStatus("confirm disable", a.submit(".confirm button.danger"), 200)
	a.see("disabled", "Disabled")
	res, body = sendJSON(t, "POST", api+"/api/auth/login", "", `{"username":"mia","password":"`+resetPassword+`"}`)
	wantStatus(t, "a disabled user's login", res, body, 403)
	a.wantStatus("enable", a.submit("form[action$='/enable'] button"), 200)
	a.see("enabled", "Enabled")

	a.open(api + "/ui/admin/events?user=mia&type=login_failure")
	if n := eval[int](a, `document.querySelectorAll('table.events tbody tr').length`); n != 6 { // one typo in the browser, five here
		t.Errorf("mia's failed logins listed: %d, want 6", n)
	}
	a.shot("admin-events")
}
