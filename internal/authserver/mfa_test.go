package authserver

import (
	"bytes"
	"encoding/base64"
	"image/png"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/bizy-auth/bizy/internal/auth"
	"github.com/bizy-auth/bizy/internal/webtest"
)

// totpCode computes the code of secret at t, as an authenticator app.
func totpCode(t *testing.T, secret string, at time.Time) string {
	t.Helper()
	c, err := totp.GenerateCodeCustom(secret, at, totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// enrolTOTP turns TOTP on over HTTP for the bearer's user and returns the
// secret and the recovery codes.
func (f *fixture) enrolTOTP(bearer string) (string, []string) {
	f.t.Helper()
	rec := f.do("POST", "/mfa/totp", nil, bearer)
	if rec.Code != http.StatusOK {
		f.t.Fatalf("POST /mfa/totp = %d %s", rec.Code, rec.Body)
	}
	var start struct {
		Secret     string `json:"secret"`
		OTPAuthURI string `json:"otpauth_uri"`
		QRPNG      string `json:"qr_png"`
	}
	webtest.Decode(f.t, rec, &start)
	raw, err := base64.StdEncoding.DecodeString(start.QRPNG)
	if err != nil {
		f.t.Fatal(err)
	}
	if _, err := png.Decode(bytes.NewReader(raw)); err != nil || !strings.HasPrefix(start.OTPAuthURI, "otpauth://totp/") {
		f.t.Fatalf("qr_png not a PNG (%v) or uri %q", err, start.OTPAuthURI)
	}
	rec = f.do("POST", "/mfa/totp/confirm", map[string]string{"code": "000000"}, bearer)
	if rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), `"invalid_code"`) {
		f.t.Fatalf("confirm with a wrong code = %d %s", rec.Code, rec.Body)
	}
	rec = f.do("POST", "/mfa/totp/confirm", map[string]string{"code": totpCode(f.t, start.Secret, f.clock.Now())}, bearer)
	if rec.Code != http.StatusOK {
		f.t.Fatalf("confirm = %d %s", rec.Code, rec.Body)
	}
	var done struct {
		RecoveryCodes []string `json:"recovery_codes"`
	}
	webtest.Decode(f.t, rec, &done)
	if len(done.RecoveryCodes) != 10 {
		f.t.Fatalf("recovery codes = %v", done.RecoveryCodes)
	}
	return start.Secret, done.RecoveryCodes
}

// passwordStep posts the password and returns the mfa_token.
func (f *fixture) passwordStep(login string) string {
	f.t.Helper()
	rec := f.do("POST", "/login", map[string]string{"username": login, "password": goodPassword}, "")
	var body struct {
		MFARequired bool     `json:"mfa_required"`
		MFAToken    string   `json:"mfa_token"`
		Methods     []string `json:"methods"`
		Token       string   `json:"token"`
	}
	webtest.Decode(f.t, rec, &body)
	if rec.Code != http.StatusOK || !body.MFARequired || body.MFAToken == "" || body.Token != "" ||
		strings.Join(body.Methods, ",") != "totp,recovery_code" {
		f.t.Fatalf("login with TOTP on = %d %s", rec.Code, rec.Body)
	}
	return body.MFAToken
}

func TestMFAOverHTTP(t *testing.T) {
	f := newFixture(t, options{})
	f.mustRegister("mia", "mia@example.com", goodPassword, true)
	weak := f.mustLogin("mia", goodPassword)
	if rec := f.do("POST", "/mfa/recovery-codes", nil, weak); rec.Code != http.StatusForbidden ||
		!strings.Contains(rec.Body.String(), `"mfa_required"`) {
		t.Errorf("recovery codes at aal1 = %d %s", rec.Code, rec.Body)
	}
	secret, codes := f.enrolTOTP(weak)

	rec := f.do("GET", "/mfa", nil, weak)
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `"totp":true`) ||
		!strings.Contains(rec.Body.String(), `"recovery_codes_left":10`) || !strings.Contains(rec.Body.String(), `"passkeys":[]`) {
		t.Errorf("GET /mfa = %d %s", rec.Code, rec.Body)
	}

	mfaToken := f.passwordStep("mia")
	if rec := f.do("GET", "/profile", nil, mfaToken); rec.Code != http.StatusUnauthorized {
		t.Errorf("the mfa_token used as an access token = %d", rec.Code)
	}
	rec = f.do("POST", "/login/mfa", map[string]string{"mfa_token": mfaToken, "code": "000000"}, "")
	if rec.Code != http.StatusUnauthorized || !strings.Contains(rec.Body.String(), `"invalid_code"`) {
		t.Errorf("wrong code = %d %s", rec.Code, rec.Body)
	}
	f.clock.Advance(30 * time.Second)
	rec = f.do("POST", "/login/mfa", map[string]string{"mfa_token": mfaToken, "code": totpCode(t, secret, f.clock.Now())}, "")
	if rec.Code != http.StatusOK {
		t.Fatalf("right code = %d %s", rec.Code, rec.Body)
	}
	var body struct{ Token string }
	webtest.Decode(t, rec, &body)
	strong := body.Token

	if rec := f.do("POST", "/mfa/recovery-codes", nil, strong); rec.Code != http.StatusOK {
		t.Errorf("recovery codes at aal2 = %d %s", rec.Code, rec.Body)
	}
	mfaToken = f.passwordStep("mia")
	if rec := f.do("POST", "/login/mfa", map[string]string{"mfa_token": mfaToken, "recovery_code": codes[0]}, ""); rec.Code != http.StatusUnauthorized {
		t.Errorf("a recovery code of the replaced set = %d %s", rec.Code, rec.Body)
	}
	for _, bad := range []map[string]string{{"code": "1"}, {"mfa_token": "x"}, {"mfa_token": "x", "code": "1", "recovery_code": "2"}} {
		if rec := f.do("POST", "/login/mfa", bad, ""); rec.Code != http.StatusUnprocessableEntity && rec.Code != http.StatusBadRequest {
			t.Errorf("POST /login/mfa %v = %d %s", bad, rec.Code, rec.Body)
		}
	}
	if rec := f.do("DELETE", "/mfa/totp", map[string]string{"password": "nope"}, strong); rec.Code != http.StatusBadRequest {
		t.Errorf("remove with a wrong password = %d %s", rec.Code, rec.Body)
	}
	if rec := f.do("DELETE", "/mfa/totp", map[string]string{"password": goodPassword}, strong); rec.Code != http.StatusNoContent {
		t.Errorf("remove = %d %s", rec.Code, rec.Body)
	}
	if rec := f.do("GET", "/mfa", nil, weak); rec.Code != http.StatusUnauthorized {
		t.Errorf("another session after removal = %d, want it ended", rec.Code)
	}
	f.mustLogin("mia", goodPassword)
}

func TestAdminRequireMFA(t *testing.T) {
	f := newFixture(t, options{adminRequireMFA: true})
	admin := f.mustRegister("root", "root@example.com", goodPassword, true)
	if _, err := f.svc.SetAdmin(t.Context(), admin.ID, true, auth.Client{}); err != nil {
		t.Fatal(err)
	}
	user := f.mustRegister("ned", "ned@example.com", goodPassword, true)
	weak := f.mustLogin("root", goodPassword)
	if rec := f.do("GET", "/admin/users", nil, weak); rec.Code != http.StatusForbidden || !strings.Contains(rec.Body.String(), `"mfa_required"`) {
		t.Fatalf("admin at aal1 = %d %s", rec.Code, rec.Body)
	}
	secret, _ := f.enrolTOTP(weak)
	f.clock.Advance(30 * time.Second)
	rec := f.do("POST", "/login/mfa", map[string]string{"mfa_token": f.passwordStep("root"), "code": totpCode(t, secret, f.clock.Now())}, "")
	var body struct{ Token string }
	webtest.Decode(t, rec, &body)
	if rec := f.do("GET", "/admin/users", nil, body.Token); rec.Code != http.StatusOK {
		t.Fatalf("admin at aal2 = %d %s", rec.Code, rec.Body)
	}
	// An admin removes a user's factors.
	userTok := f.mustLogin("ned", goodPassword)
	f.enrolTOTP(userTok)
	if rec := f.do("DELETE", "/admin/users/"+user.ID+"/mfa", nil, body.Token); rec.Code != http.StatusNoContent {
		t.Fatalf("admin remove mfa = %d %s", rec.Code, rec.Body)
	}
	f.mustLogin("ned", goodPassword) // no second step any more
}
