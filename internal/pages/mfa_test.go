package pages

import (
	"net/http"
	"net/url"
	"regexp"
	"testing"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
)

var secretShown = regexp.MustCompile(`id="totp-secret" class="mono">([A-Z2-7]+)<`)

func (f *fixture) code(secret string) string {
	f.t.Helper()
	c, err := totp.GenerateCodeCustom(secret, f.clock.Now(), totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		f.t.Fatal(err)
	}
	return c
}

// enrolTOTP turns TOTP on from the account page and returns the secret.
func (b *browser) enrolTOTP() string {
	t := b.f.t
	t.Helper()
	a := b.post("/ui/account/totp", nil)
	want(t, "start TOTP", a, http.StatusOK, `src="data:image/png;base64,`, `action="/ui/account/totp/confirm"`)
	if csp := a.header.Get("Content-Security-Policy"); csp == "" || !regexp.MustCompile(`img-src 'self' data:`).MatchString(csp) {
		t.Errorf("enrolment page CSP %q does not allow its QR image", csp)
	}
	m := secretShown.FindStringSubmatch(a.body)
	if m == nil {
		t.Fatalf("no secret on the page:\n%s", a.body)
	}
	want(t, "wrong first code", b.post("/ui/account/totp/confirm", url.Values{"code": {"000000"}}),
		http.StatusUnprocessableEntity, "That code is wrong", m[1])
	want(t, "confirm", b.post("/ui/account/totp/confirm", url.Values{"code": {b.f.code(m[1])}}),
		http.StatusOK, "Your recovery codes", `id="recovery-codes"`)
	return m[1]
}

// signInWithCode signs b in with the password and then a code.
func (b *browser) signInWithCode(name, secret string) {
	t := b.f.t
	t.Helper()
	b.get("/ui/login")
	a := b.post("/ui/login", url.Values{"login": {name}, "password": {goodPassword}})
	want(t, "password step", a, http.StatusOK, "Second step", `name="mfa_token"`)
	token := regexp.MustCompile(`name="mfa_token" value="([^"]+)"`).FindStringSubmatch(a.body)[1]
	want(t, "wrong code", b.post("/ui/login/mfa", url.Values{"mfa_token": {token}, "code": {"000000"}}),
		http.StatusUnauthorized, "That code is wrong")
	b.f.clock.Advance(30 * time.Second)
	a = b.post("/ui/login/mfa", url.Values{"mfa_token": {token}, "code": {b.f.code(secret)}})
	if a.status != http.StatusSeeOther || a.location() != "/ui/account" {
		t.Fatalf("code step = %d %q\n%s", a.status, a.location(), a.body)
	}
	b.get("/ui/account")
}

func TestPagesTOTP(t *testing.T) {
	f := newFixture(t, Config{AdminRequireMFA: true})
	f.user("olga", true)
	b := f.browser()
	b.signIn("olga")
	want(t, "admin at aal1", b.get("/ui/admin"), http.StatusForbidden, "Sign in with a second factor")
	secret := b.enrolTOTP()
	want(t, "account with TOTP", b.get("/ui/account"), http.StatusOK, `id="totp-on"`, "10 recovery codes left",
		"Sign in with your code to make new recovery codes")
	want(t, "recovery codes at aal1", b.post("/ui/account/recovery-codes", nil), http.StatusForbidden)

	b = f.browser()
	b.signInWithCode("olga", secret)
	want(t, "admin at aal2", b.get("/ui/admin"), http.StatusOK)
	want(t, "new recovery codes", b.post("/ui/account/recovery-codes", nil), http.StatusOK, `id="recovery-codes"`)
	b.get("/ui/account")
	want(t, "turn off, wrong password", b.post("/ui/account/totp/remove", url.Values{"password": {"nope"}}),
		http.StatusBadRequest, "The password is incorrect")
	a := b.post("/ui/account/totp/remove", url.Values{"password": {goodPassword}})
	if a.status != http.StatusSeeOther || a.location() != "/ui/account?m=totp_removed" {
		t.Fatalf("turn off = %d %q", a.status, a.location())
	}
}

func TestPagesAdminRemovesFactors(t *testing.T) {
	f := newFixture(t, Config{})
	f.user("root", true)
	u := f.user("pia", false)
	pia := f.browser()
	pia.signIn("pia")
	pia.enrolTOTP()
	admin := f.browser()
	admin.signIn("root")
	want(t, "user page", admin.get("/ui/admin/users/"+u.ID), http.StatusOK, ">MFA<", "Remove second factors")
	want(t, "confirm", admin.post("/ui/admin/users/"+u.ID+"/remove-mfa", nil), http.StatusOK, "Remove every second factor")
	a := admin.post("/ui/admin/users/"+u.ID+"/remove-mfa", url.Values{"confirm": {"yes"}})
	if a.status != http.StatusSeeOther {
		t.Fatalf("remove-mfa = %d\n%s", a.status, a.body)
	}
	pia = f.browser()
	pia.signIn("pia") // the password alone again
}
