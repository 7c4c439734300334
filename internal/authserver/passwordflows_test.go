package authserver

import (
	"context"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/bizy-auth/bizy/internal/auth"
	"github.com/bizy-auth/bizy/internal/webtest"
	"github.com/bizy-auth/bizy/token"
)

const newPassword = "N3w!Horse-Battery"

// sessionOf returns the session (sid) an access token was issued under.
func (f *fixture) sessionOf(access string) string {
	f.t.Helper()
	v, err := token.NewVerifier(token.Config{Algorithm: "EdDSA", Keys: f.keys, Issuer: "bizy-auth", Audience: "bizy", Now: f.clock.Now})
	if err != nil {
		f.t.Fatal(err)
	}
	c, err := v.Verify(context.Background(), access)
	if err != nil || c.SessionID == "" {
		f.t.Fatalf("verify access token: %v %+v", err, c)
	}
	return c.SessionID
}

// revoked reports whether session sid has been revoked.
func (f *fixture) revoked(sid string) bool {
	f.t.Helper()
	s, err := f.store.Session(context.Background(), sid)
	if err != nil {
		f.t.Fatal(err)
	}
	return !s.RevokedAt.IsZero()
}

func (f *fixture) loginStatus(login, password string) int {
	f.t.Helper()
	return f.do("POST", "/login", map[string]string{"username": login, "password": password}, "").Code
}

// forgot asks for a reset of email and returns the answer's body.
func (f *fixture) forgot(email string) string {
	f.t.Helper()
	rec := f.do("POST", "/forgot-password", map[string]string{"email": email}, "")
	if rec.Code != http.StatusAccepted {
		f.t.Fatalf("forgot-password %s = %d %s", email, rec.Code, rec.Body)
	}
	return rec.Body.String()
}

func wantNotice(t *testing.T, msg received) {
	t.Helper()
	if !strings.Contains(msg.Subject, "password was changed") || strings.Contains(msg.Text+msg.HTML, "token=") {
		t.Fatalf("notice: subject %q, text:\n%s", msg.Subject, msg.Text)
	}
}

func TestForgotAndResetPassword(t *testing.T) {
	f, mb := newMailFixture(t, options{})
	u := f.mustRegister("rita", "rita@example.com", goodPassword, true)
	sid := f.sessionOf(f.mustLogin("rita", goodPassword))

	known, unknown := f.forgot("Rita@Example.com"), f.forgot("nobody@example.com")
	if known != unknown {
		t.Fatalf("answers differ:\nknown:   %s\nunknown: %s", known, unknown)
	}
	msg := mb.deliverOne("rita@example.com")
	if !strings.Contains(msg.Subject, "Reset") || !strings.Contains(msg.Text, "1 hour") {
		t.Errorf("reset mail: subject %q, text:\n%s", msg.Subject, msg.Text)
	}
	tok := linkToken(t, msg, "/reset-password")
	wantEvents(t, f, auth.EventResetRequested, u.ID, 1)
	if evs := wantEvents(t, f, auth.EventResetRequested, "", 1); evs[0].LoginName != "nobody@example.com" {
		t.Errorf("unknown-address event = %+v", evs[0])
	}

	// A weak password is refused and leaves the token usable.
	p := webtest.WantProblem(t, f.do("POST", "/reset-password", map[string]string{"token": tok, "password": "password"}, ""), 422)
	if !slices.Contains(p.Fields(), "password") {
		t.Fatalf("weak password problem names %v", p.Fields())
	}
	if f.revoked(sid) {
		t.Fatal("a refused reset revoked the session")
	}
	rec := f.do("POST", "/reset-password", map[string]string{"token": tok, "password": newPassword}, "")
	if rec.Code != http.StatusOK {
		t.Fatalf("reset = %d %s", rec.Code, rec.Body)
	}
	if !f.revoked(sid) {
		t.Error("session opened before the reset is still live")
	}
	if code := f.loginStatus("rita", goodPassword); code != 401 {
		t.Errorf("login with the old password = %d", code)
	}
	f.mustLogin("rita", newPassword)
	if p := webtest.WantProblem(t, f.do("POST", "/reset-password", map[string]string{"token": tok, "password": "An0ther!Horse"}, ""), 400); p.Code != "invalid_token" {
		t.Errorf("reused reset token: code %q", p.Code)
	}
	wantNotice(t, mb.deliverOne("rita@example.com"))
	wantEvents(t, f, auth.EventPasswordReset, u.ID, 1)
}

func TestResetTokenLifetime(t *testing.T) {
	f, mb := newMailFixture(t, options{})
	f.mustRegister("tess", "tess@example.com", goodPassword, true)
	f.forgot("tess@example.com")
	expired := linkToken(t, mb.deliverOne("tess@example.com"), "/reset-password")
	f.clock.Advance(time.Hour + time.Second)
	webtest.WantProblem(t, f.do("POST", "/reset-password", map[string]string{"token": expired, "password": newPassword}, ""), 400)

	// A newer link kills the older one.
	f.forgot("tess@example.com")
	older := linkToken(t, mb.deliverOne("tess@example.com"), "/reset-password")
	f.forgot("tess@example.com")
	newer := linkToken(t, mb.deliverOne("tess@example.com"), "/reset-password")
	webtest.WantProblem(t, f.do("POST", "/reset-password", map[string]string{"token": older, "password": newPassword}, ""), 400)
	f.clock.Advance(time.Hour - time.Second)
	if rec := f.do("POST", "/reset-password", map[string]string{"token": newer, "password": newPassword}, ""); rec.Code != 200 {
		t.Fatalf("reset just before expiry = %d %s", rec.Code, rec.Body)
	}
	f.mustLogin("tess", newPassword)
}

// TestResetPasswordVerifiesAddress: the reset link proves the address is
// read, so an unverified user can log in after a reset.
func TestResetPasswordVerifiesAddress(t *testing.T) {
	f, mb := newMailFixture(t, options{})
	f.mustRegister("ursula", "ursula@example.com", goodPassword, false)
	verifyTok := linkToken(t, mb.deliverOne("ursula@example.com"), "/verify-email") // left unused
	f.forgot("ursula@example.com")
	tok := linkToken(t, mb.deliverOne("ursula@example.com"), "/reset-password")
	// A token is good only for its own purpose.
	webtest.WantProblem(t, f.do("POST", "/reset-password", map[string]string{"token": verifyTok, "password": newPassword}, ""), 400)
	webtest.WantProblem(t, f.do("POST", "/verify-email", map[string]string{"token": tok}, ""), 400)
	if rec := f.do("POST", "/reset-password", map[string]string{"token": tok, "password": newPassword}, ""); rec.Code != 200 {
		t.Fatalf("reset = %d %s", rec.Code, rec.Body)
	}
	f.mustLogin("ursula", newPassword)
}

// TestResetPasswordLiftsLock: the reset link proves who the user is, so
// it ends a lock on their login names.
func TestResetPasswordLiftsLock(t *testing.T) {
	f, mb := newMailFixture(t, options{lockoutThreshold: 2})
	f.mustRegister("lena", "lena@example.com", goodPassword, true)
	for range 2 {
		f.loginStatus("lena", "Wrong!Pass1")
	}
	if code := f.loginStatus("lena", goodPassword); code != http.StatusLocked {
		t.Fatalf("login after 2 failures = %d, want 423", code)
	}
	f.forgot("lena@example.com")
	tok := linkToken(t, mb.deliverOne("lena@example.com"), "/reset-password")
	if rec := f.do("POST", "/reset-password", map[string]string{"token": tok, "password": newPassword}, ""); rec.Code != 200 {
		t.Fatalf("reset = %d %s", rec.Code, rec.Body)
	}
	f.mustLogin("lena", newPassword)
}

// TestForgotPasswordSendsNothingForUnknown: no mail, nothing queued.
func TestForgotPasswordSendsNothingForUnknown(t *testing.T) {
	f, mb := newMailFixture(t, options{})
	f.forgot("ghost@example.com")
	f.svc.Wait()
	wantPending(t, f, 0)
	if msgs := mb.deliver(); len(msgs) != 0 {
		t.Fatalf("sent %d messages for an unknown address", len(msgs))
	}
}

func changePassword(f *fixture, bearer, current, next string) *httptest.ResponseRecorder {
	f.t.Helper()
	return f.do("POST", "/change-password", map[string]string{"current_password": current, "new_password": next}, bearer)
}

func TestChangePassword(t *testing.T) {
	f, mb := newMailFixture(t, options{})
	u := f.mustRegister("cole", "cole@example.com", goodPassword, true)
	mine, other := f.mustLogin("cole", goodPassword), f.mustLogin("cole@example.com", goodPassword)
	mySID, otherSID := f.sessionOf(mine), f.sessionOf(other)

	webtest.WantProblem(t, changePassword(f, "", goodPassword, newPassword), 401)
	p := webtest.WantProblem(t, changePassword(f, mine, "Wrong!Pass1", newPassword), 400)
	if !slices.Equal(p.Fields(), []string{"current_password"}) {
		t.Fatalf("wrong current password problem names %v", p.Fields())
	}
	p = webtest.WantProblem(t, changePassword(f, mine, goodPassword, "weak"), 422)
	if !slices.Equal(p.Fields(), []string{"new_password"}) {
		t.Fatalf("weak new password problem names %v", p.Fields())
	}
	if f.revoked(otherSID) {
		t.Fatal("a refused change revoked a session")
	}
	rec := changePassword(f, mine, goodPassword, newPassword)
	if rec.Code != http.StatusOK {
		t.Fatalf("change = %d %s", rec.Code, rec.Body)
	}
	if f.revoked(mySID) || !f.revoked(otherSID) {
		t.Fatalf("after the change: caller's session revoked %v, other's %v; want false, true", f.revoked(mySID), f.revoked(otherSID))
	}
	if rec := f.do("GET", "/profile", nil, mine); rec.Code != 200 {
		t.Errorf("caller's profile after the change = %d", rec.Code)
	}
	if code := f.loginStatus("cole", goodPassword); code != 401 {
		t.Errorf("login with the old password = %d", code)
	}
	f.mustLogin("cole", newPassword)
	wantNotice(t, mb.deliverOne("cole@example.com"))
	wantEvents(t, f, auth.EventPasswordChanged, u.ID, 1)
}

// TestChangePasswordWrongCurrentCountsAsFailedLogin: enough wrong current
// passwords lock the login name like failed logins do.
func TestChangePasswordWrongCurrentCountsAsFailedLogin(t *testing.T) {
	f, _ := newMailFixture(t, options{lockoutThreshold: 3})
	u := f.mustRegister("lou", "lou@example.com", goodPassword, true)
	tok := f.mustLogin("lou", goodPassword)
	for range 3 {
		webtest.WantProblem(t, changePassword(f, tok, "Wrong!Pass1", newPassword), 400)
	}
	wantEvents(t, f, auth.EventLoginFailure, u.ID, 3)
	rec := f.do("POST", "/login", map[string]string{"username": "lou", "password": goodPassword}, "")
	webtest.WantProblem(t, rec, http.StatusLocked)
	if rec.Header().Get("Retry-After") == "" {
		t.Error("423 without Retry-After")
	}
	webtest.WantProblem(t, changePassword(f, tok, goodPassword, newPassword), http.StatusLocked)
	f.clock.Advance(15*time.Minute + time.Second)
	tok = f.mustLogin("lou", goodPassword)
	if rec := changePassword(f, tok, goodPassword, newPassword); rec.Code != 200 {
		t.Fatalf("change after the lock ended = %d %s", rec.Code, rec.Body)
	}
}
