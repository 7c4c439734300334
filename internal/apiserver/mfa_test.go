package apiserver

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/bizy-auth/bizy/internal/webtest"
)

// TestSecondFactorThroughTheAPI enrols TOTP and signs in with it through
// the API's proxy; verify-token shows the level, and with
// ADMIN_REQUIRE_MFA the API's admin routes want aal2.
func TestSecondFactorThroughTheAPI(t *testing.T) {
	f := newFixture(t, options{adminRequireMFA: true})
	_, weak := f.mustUser("root", true)
	var v struct{ AAL string }
	webtest.Decode(t, f.do("GET", "/api/auth/verify-token", nil, weak), &v)
	if v.AAL != "aal1" {
		t.Errorf("verify-token aal = %q, want aal1", v.AAL)
	}
	if rec := f.do("GET", "/api/admin/stats", nil, weak); rec.Code != http.StatusForbidden {
		t.Errorf("admin stats at aal1 = %d %s", rec.Code, rec.Body)
	}
	rec := f.do("POST", "/api/auth/mfa/totp", nil, weak)
	var start struct{ Secret string }
	webtest.Decode(t, rec, &start)
	code := func() string {
		c, err := totp.GenerateCodeCustom(start.Secret, f.clock.Now(), totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	if rec := f.do("POST", "/api/auth/mfa/totp/confirm", map[string]string{"code": code()}, weak); rec.Code != http.StatusOK {
		t.Fatalf("confirm = %d %s", rec.Code, rec.Body)
	}
	rec = f.do("POST", "/api/auth/login", map[string]string{"username": "root", "password": goodPassword}, "")
	var step struct {
		MFAToken string `json:"mfa_token"`
	}
	webtest.Decode(t, rec, &step)
	f.clock.Advance(30 * time.Second)
	rec = f.do("POST", "/api/auth/login/mfa", map[string]string{"mfa_token": step.MFAToken, "code": code()}, "")
	if rec.Code != http.StatusOK {
		t.Fatalf("login/mfa = %d %s", rec.Code, rec.Body)
	}
	var login struct{ Token string }
	webtest.Decode(t, rec, &login)
	webtest.Decode(t, f.do("GET", "/api/auth/verify-token", nil, login.Token), &v)
	if v.AAL != "aal2" {
		t.Errorf("verify-token aal = %q, want aal2", v.AAL)
	}
	if rec := f.do("GET", "/api/admin/stats", nil, login.Token); rec.Code != http.StatusOK {
		t.Errorf("admin stats at aal2 = %d %s", rec.Code, rec.Body)
	}
	if rec := f.do("GET", "/api/auth/mfa", nil, login.Token); rec.Code != http.StatusOK {
		t.Errorf("GET /api/auth/mfa = %d %s", rec.Code, rec.Body)
	}
}

// TestPasskeyRoutesAreProxied: the passkey paths reach the auth service
// (which, without a relying party here, answers passkeys_unavailable).
func TestPasskeyRoutesAreProxied(t *testing.T) {
	f := newFixture(t, options{})
	_, tok := f.mustUser("pax", false)
	for _, c := range []struct{ method, path, bearer string }{
		{"POST", "/api/auth/login/passkey/begin", ""},
		{"POST", "/api/auth/passkeys/register/begin", tok},
	} {
		rec := f.do(c.method, c.path, nil, c.bearer)
		if rec.Code != http.StatusNotFound || !strings.Contains(rec.Body.String(), "passkeys_unavailable") {
			t.Errorf("%s %s = %d %s", c.method, c.path, rec.Code, rec.Body)
		}
	}
	if rec := f.do("POST", "/api/auth/passkeys/register/begin", nil, ""); rec.Code != http.StatusUnauthorized {
		t.Errorf("register without a token = %d", rec.Code)
	}
}
