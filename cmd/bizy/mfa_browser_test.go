package main

import (
	"net"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/webauthn"
	"github.com/chromedp/chromedp"
	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
)

// TestSecondFactorsInBrowser is the walk of issue 11 in Chromium: an
// admin, with ADMIN_REQUIRE_MFA, is refused the console after a password
// alone; enrols TOTP (QR page, first code, recovery codes) and a passkey
// (the DevTools virtual authenticator) on the account page; signs out and
// signs in with password + code (the console opens), with a recovery code
// once, and with the passkey alone. The pages are served at localhost,
// which WebAuthn accepts as a relying party (an IP address it does not).
func TestSecondFactorsInBrowser(t *testing.T) {
	share(t)
	browser := newBrowser(t)
	dir := dataDir(t)
	authAddr, apiAddr := freeAddr(t), freeAddr(t)
	_, port, _ := net.SplitHostPort(apiAddr)
	api := "http://localhost:" + port
	startCmd(t, "http://"+apiAddr+"/health", "serve", "--auth-addr", authAddr, "--api-addr", apiAddr,
		"--data-dir", dir, "--bcrypt-cost", "10", "--public-url", api, "--admin-require-mfa")
	if _, err := runCmd(t, "", "user", "create", "--data-dir", dir, "--bcrypt-cost", "10", "--admin", "--verified",
		"--username", "ada", "--email", "ada@example.com", "--password", browserPassword); err != nil {
		t.Fatal(err)
	}
	b := tab{t, browser}
	_, err := chromedp.Call(b.ctx, webauthn.Enable, webauthn.EnableParams{})
	b.must(err)
	_, err = chromedp.Call(b.ctx, webauthn.AddVirtualAuthenticator, webauthn.AddVirtualAuthenticatorParams{
		Options: &webauthn.VirtualAuthenticatorOptions{Protocol: webauthn.AuthenticatorProtocolCtap2,
			Ctap2version: webauthn.Ctap2versionCtap21, Transport: webauthn.AuthenticatorTransportInternal,
			HasResidentKey: true, HasUserVerification: true, IsUserVerified: true, AutomaticPresenceSimulation: true}})
	b.must(err)

	signIn(b, api, "ada", browserPassword)
	b.wantStatus("console after a password alone", b.open(api+"/ui/admin"), 403)
	b.see("console after a password alone", "Sign in with a second factor")

	// TOTP: the QR page, a first code, the recovery codes.
	b.open(api + "/ui/account")
	b.wantStatus("start TOTP", b.submit("#totp-start"), 200)
	if w := eval[int](b, `document.getElementById('totp-qr').naturalWidth`); w < 200 {
		t.Errorf("the QR image did not load under the page's policy (width %d)", w)
	}
	b.shot("totp-enrol")
	secret := eval[string](b, `document.getElementById('totp-secret').textContent`)
	b.fill("code", totpAt(t, secret, time.Now()))
	b.wantStatus("confirm TOTP", b.submit("form[action='/ui/account/totp/confirm'] button"), 200)
	b.see("recovery codes", "Your recovery codes")
	codes := strings.Fields(eval[string](b, `document.getElementById('recovery-codes').innerText`))
	if len(codes) != 10 {
		t.Fatalf("recovery codes on the page: %q", codes)
	}
	b.shot("recovery-codes")

	// A passkey, named.
	b.open(api + "/ui/account")
	b.fill("passkey-name", "Test laptop")
	b.must(chromedp.Do(b.ctx, chromedp.Click(chromedp.ID("passkey-add"))))
	waitText(b, "Your passkey was added.")
	b.see("passkey added", "Test laptop", "On")
	b.shot("account-mfa")
	signOut(b, api)

	// Password + code; the next step's code, since the enrolment spent this one.
	b.open(api + "/ui/login")
	b.fill("login", "ada")
	b.fill("password", browserPassword)
	b.wantStatus("password step", b.submit("form button[type=submit]"), 200)
	b.see("second step", "Second step")
	b.shot("login-code")
	b.fill("code", totpAt(t, secret, time.Now().Add(30*time.Second)))
	b.wantStatus("code step", b.submit("form[action='/ui/login/mfa'] button"), 200)
	b.see("signed in with a code", "Your account", "New recovery codes")
	b.wantStatus("console at aal2", b.open(api+"/ui/admin"), 200)
	signOut(b, api)

	// Password + a recovery code, which then no longer works.
	for i, want := range []string{"Your account", "That code is wrong"} {
		b.open(api + "/ui/login")
		b.fill("login", "ada")
		b.fill("password", browserPassword)
		b.submit("form button[type=submit]")
		b.must(chromedp.Do(b.ctx, chromedp.Click(chromedp.CSS("details summary"))))
		b.fill("recovery_code", codes[0])
		b.submit("form[action='/ui/login/mfa'] button")
		b.see("recovery code, try "+string(rune('1'+i)), want)
		if i == 0 {
			signOut(b, api)
		}
	}

	// The passkey alone: no username.
	b.open(api + "/ui/login")
	b.shot("login-passkey")
	b.must(chromedp.Do(b.ctx, chromedp.Click(chromedp.ID("passkey-signin"))))
	waitText(b, "Your account")
	b.see("signed in with a passkey", "ada@example.com", "New recovery codes")
	b.wantStatus("console after a passkey", b.open(api+"/ui/admin"), 200)
}

func totpAt(t *testing.T, secret string, at time.Time) string {
	t.Helper()
	c, err := totp.GenerateCodeCustom(secret, at, totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// waitText waits until the page's main text holds s: after a script
// navigates (the passkey buttons), there is no response to wait for.
func waitText(b tab, s string) {
	b.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if text, err := chromedp.Run(b.ctx, chromedp.Text(chromedp.CSS("main"))); err == nil && strings.Contains(text, s) {
			return
		}
		if text, err := chromedp.Run(b.ctx, chromedp.Text(chromedp.ID("passkey-error"))); err == nil && text != "" {
			b.fatalf("waiting for %q, the page says: %s", s, text)
		}
		time.Sleep(200 * time.Millisecond)
	}
	b.fatalf("waited 30 s for %q", s)
}

func signOut(b tab, api string) {
	b.t.Helper()
	b.open(api + "/ui/logout")
	b.wantStatus("sign out", b.submit("header form button"), 200)
	b.see("signed out", "You are signed out")
}
