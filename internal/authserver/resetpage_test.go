package authserver

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/bizy-auth/bizy/internal/auth"
)

// mustResetToken stores a reset token for u directly, as the mail flow
// would, and returns it.
func (f *fixture) mustResetToken(u auth.User, tok string) string {
	f.t.Helper()
	now := f.clock.Now().UTC()
	err := f.store.CreateUserToken(context.Background(), auth.UserToken{Hash: auth.HashSecret(tok), UserID: u.ID,
		Purpose: auth.PurposeResetPassword, CreatedAt: now, ExpiresAt: now.Add(time.Hour)})
	if err != nil {
		f.t.Fatal(err)
	}
	return tok
}

func TestResetPasswordPage(t *testing.T) {
	f := newFixture(t, options{})
	u := f.mustRegister("nora", "nora@example.com", goodPassword, true)
	tok := f.mustResetToken(u, "page-token-1234567890")

	rec := f.do("GET", "/reset-password?token="+tok, nil, "")
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `name="token" value="`+tok+`"`) ||
		!strings.Contains(rec.Header().Get("Content-Security-Policy"), "form-action 'self'") {
		t.Fatalf("form page = %d %s %v", rec.Code, rec.Body, rec.Header())
	}
	if rec := f.do("GET", "/reset-password", nil, ""); rec.Code != http.StatusBadRequest {
		t.Fatalf("page without token = %d", rec.Code)
	}

	post := func(password string) *http.Response {
		form := url.Values{"token": {tok}, "password": {password}}.Encode()
		return f.doRaw("POST", "/reset-password", "application/x-www-form-urlencoded", form).Result()
	}
	if res := post("weak"); res.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("weak password from the form = %d", res.StatusCode)
	}
	if res := post("N3w!Horse-Pass"); res.StatusCode != http.StatusOK {
		t.Fatalf("good password from the form = %d", res.StatusCode)
	}
	f.mustLogin("nora", "N3w!Horse-Pass")
	if res := post("An0ther!Horse"); res.StatusCode != http.StatusBadRequest {
		t.Fatalf("used token from the form = %d", res.StatusCode)
	}
}
