package client_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/bizy-auth/bizy/client"
)

func TestRegisterVerifyLogin(t *testing.T) {
	b := startBizy(t)
	c := b.newClient(t, client.Config{})
	ctx := context.Background()

	u, err := c.Register(ctx, client.Registration{Username: "bob", Email: "Bob@Example.com", Password: goodPassword})
	if err != nil {
		t.Fatal(err)
	}
	if u.ID == "" || u.Username != "bob" || u.Email != "bob@example.com" || u.EmailVerified || u.IsAdmin || u.CreatedAt.IsZero() {
		t.Fatalf("registered %+v", u)
	}
	first := b.mailToken(t, "bob@example.com")
	_, err = c.Login(ctx, "bob", goodPassword)
	wantError(t, err, http.StatusForbidden, client.CodeEmailNotVerified)

	// A new link kills the old one.
	if err := c.ResendVerification(ctx, "bob@example.com"); err != nil {
		t.Fatal(err)
	}
	second := b.mailToken(t, "bob@example.com")
	_, err = c.VerifyEmail(ctx, first)
	wantError(t, err, http.StatusBadRequest, client.CodeInvalidToken)
	v, err := c.VerifyEmail(ctx, second)
	if err != nil || v.ID != u.ID || !v.EmailVerified {
		t.Fatalf("VerifyEmail = %+v, %v", v, err)
	}
	_, err = c.VerifyEmail(ctx, second)
	wantError(t, err, http.StatusBadRequest, client.CodeInvalidToken)

	tok, err := c.Login(ctx, "bob@example.com", goodPassword)
	if err != nil {
		t.Fatal(err)
	}
	if tok.AccessToken == "" || tok.RefreshToken == "" || tok.ExpiresIn != 15*time.Minute || tok.User.ID != u.ID {
		t.Fatalf("login tokens = %+v", tok)
	}
	if c.Tokens() != (client.Tokens{}) {
		t.Fatal("Login made the client hold tokens; only WithTokens should")
	}
	bob := c.WithTokens(tok)
	if bob.Tokens() != tok {
		t.Fatalf("Tokens() = %+v, want the ones given", bob.Tokens())
	}
	p, err := bob.Profile(ctx)
	if err != nil || p.ID != u.ID || !p.EmailVerified {
		t.Fatalf("Profile = %+v, %v", p, err)
	}
	info, err := bob.VerifyToken(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := client.TokenInfo{UserID: u.ID, Username: "bob", Email: "bob@example.com",
		ExpiresAt: b.clock.Now().Add(15 * time.Minute)}
	if !info.ExpiresAt.Equal(want.ExpiresAt) || info.UserID != want.UserID || info.Username != want.Username ||
		info.Email != want.Email || info.IsAdmin {
		t.Fatalf("VerifyToken = %+v, want %+v", info, want)
	}
}

func TestRegisterRefusals(t *testing.T) {
	b := startBizy(t)
	b.mustUser(t, "alice", false)
	c := b.newClient(t, client.Config{})
	ctx := context.Background()

	_, err := c.Register(ctx, client.Registration{Username: "x!", Email: "nope", Password: "short"})
	wantFields(t, err, "email", "password", "username")

	for field, r := range map[string]client.Registration{
		"username": {Username: "ALICE", Email: "other@example.com", Password: goodPassword},
		"email":    {Username: "alice2", Email: "Alice@Example.com", Password: goodPassword},
	} {
		_, err := c.Register(ctx, r)
		e := wantError(t, err, http.StatusConflict, client.CodeConflict)
		if !strings.Contains(e.Detail, field) || client.CodeOf(err) != client.CodeConflict {
			t.Errorf("conflict on %s: detail %q does not name it", field, e.Detail)
		}
	}
}

func TestLoginRefusals(t *testing.T) {
	b := startBizy(t)
	b.mustUser(t, "carol", false)
	c := b.newClient(t, client.Config{})
	ctx := context.Background()

	// An unknown name and a wrong password get one and the same answer.
	_, wrong := c.Login(ctx, "carol", "Wr0ng!Password")
	_, unknown := c.Login(ctx, "nobody", "Wr0ng!Password")
	w := wantError(t, wrong, http.StatusUnauthorized, client.CodeInvalidCredentials)
	u := wantError(t, unknown, http.StatusUnauthorized, client.CodeInvalidCredentials)
	if w.Detail != u.Detail || w.Title != u.Title {
		t.Fatalf("answers differ: %v / %v", w, u)
	}

	// The 5th failure is still a 401; from the next try carol is locked,
	// right password or not, and told for how long.
	for range 4 {
		_, err := c.Login(ctx, "carol", "Wr0ng!Password")
		wantError(t, err, http.StatusUnauthorized, client.CodeInvalidCredentials)
	}
	_, err := c.Login(ctx, "carol", goodPassword)
	e := wantError(t, err, http.StatusLocked, client.CodeAccountLocked)
	if e.RetryAfter <= 0 || e.RetryAfter > 15*time.Minute {
		t.Fatalf("RetryAfter = %v, want up to the 15m lock", e.RetryAfter)
	}
}

func TestSessionsAndLogout(t *testing.T) {
	b := startBizy(t)
	b.mustUser(t, "dave", false)
	ctx := context.Background()
	phone := login(t, b.newClient(t, client.Config{UserAgent: "phone/1"}), "dave")
	laptop := login(t, b.newClient(t, client.Config{}), "dave")

	sessions, err := phone.Sessions(ctx)
	if err != nil || len(sessions) != 2 {
		t.Fatalf("Sessions = %+v, %v", sessions, err)
	}
	var laptopID string
	for _, s := range sessions {
		switch {
		case s.Current && s.UserAgent == "phone/1":
		case !s.Current && s.UserAgent == client.DefaultUserAgent:
			laptopID = s.ID
		default:
			t.Fatalf("session %+v: want the phone's current and the laptop's with the default User-Agent", s)
		}
		if s.IP != "127.0.0.1" || s.CreatedAt.IsZero() || !s.ExpiresAt.After(s.CreatedAt) {
			t.Errorf("session %+v", s)
		}
	}

	// Another user's session is not found, like an unknown one.
	erin := b.newUser(t, b.newClient(t, client.Config{}), "erin")
	wantError(t, erin.RevokeSession(ctx, laptopID), http.StatusNotFound, client.CodeNotFound)
	if err := phone.RevokeSession(ctx, laptopID); err != nil {
		t.Fatal(err)
	}
	// The laptop's 401 makes it try its refresh token, which died with
	// its session: it gets that answer and stops trying.
	_, err = laptop.Profile(ctx)
	wantError(t, err, http.StatusUnauthorized, client.CodeInvalidRefreshToken)
	if laptop.Tokens().RefreshToken != "" {
		t.Fatal("the refused refresh token is still held")
	}

	old := phone.Tokens().AccessToken
	if err := phone.Logout(ctx); err != nil {
		t.Fatal(err)
	}
	if phone.Tokens() != (client.Tokens{}) {
		t.Fatal("tokens still held after Logout")
	}
	if _, err := phone.Profile(ctx); !errors.Is(err, client.ErrNoToken) {
		t.Fatalf("Profile after Logout = %v, want ErrNoToken", err)
	}
	_, err = phone.WithTokens(client.Tokens{AccessToken: old}).Profile(ctx)
	wantError(t, err, http.StatusUnauthorized, client.CodeSessionRevoked)
}

func TestLogoutAll(t *testing.T) {
	b := startBizy(t)
	c := b.newClient(t, client.Config{})
	ctx := context.Background()
	one := b.newUser(t, c, "fred")
	twoAccess := accessOnly(login(t, c, "fred"))
	if _, err := twoAccess.Profile(ctx); err != nil {
		t.Fatal(err)
	}
	if err := one.LogoutAll(ctx); err != nil {
		t.Fatal(err)
	}
	_, err := twoAccess.Profile(ctx)
	wantError(t, err, http.StatusUnauthorized, client.CodeSessionRevoked)
	if err := one.LogoutAll(ctx); !errors.Is(err, client.ErrNoToken) {
		t.Fatalf("second LogoutAll = %v, want ErrNoToken", err)
	}
}

func TestPasswordReset(t *testing.T) {
	b := startBizy(t)
	c := b.newClient(t, client.Config{})
	ctx := context.Background()
	before := accessOnly(b.newUser(t, c, "gina"))

	// Both answers are the same; only a known address gets mail.
	for _, addr := range []string{"gina@example.com", "nobody@example.com"} {
		if err := c.ForgotPassword(ctx, addr); err != nil {
			t.Fatalf("ForgotPassword(%s) = %v", addr, err)
		}
	}
	tok := b.mailToken(t, "gina@example.com")

	// A weak password leaves the token usable.
	wantFields(t, c.ResetPassword(ctx, tok, "weak"), "password")
	const newPassword = "N3w!Passphrase"
	if err := c.ResetPassword(ctx, tok, newPassword); err != nil {
		t.Fatal(err)
	}
	wantError(t, c.ResetPassword(ctx, tok, newPassword), http.StatusBadRequest, client.CodeInvalidToken)
	_, err := before.Profile(ctx)
	wantError(t, err, http.StatusUnauthorized, client.CodeSessionRevoked)
	if _, err := c.Login(ctx, "gina", newPassword); err != nil {
		t.Fatalf("login with the new password: %v", err)
	}
}

func TestChangePassword(t *testing.T) {
	b := startBizy(t)
	c := b.newClient(t, client.Config{})
	ctx := context.Background()
	hank := b.newUser(t, c, "hank")
	other := accessOnly(login(t, c, "hank"))

	err := hank.ChangePassword(ctx, "Wr0ng!Password", "N3w!Passphrase")
	e := wantError(t, err, http.StatusBadRequest, client.CodeInvalidCredentials)
	if msg, ok := e.Field("current_password"); !ok || msg == "" {
		t.Fatalf("400 does not name current_password: %+v", e)
	}
	wantFields(t, hank.ChangePassword(ctx, goodPassword, "weak"), "new_password")

	if err := hank.ChangePassword(ctx, goodPassword, "N3w!Passphrase"); err != nil {
		t.Fatal(err)
	}
	if _, err := hank.Profile(ctx); err != nil {
		t.Fatalf("the caller's session should stay: %v", err)
	}
	_, err = other.Profile(ctx)
	wantError(t, err, http.StatusUnauthorized, client.CodeSessionRevoked)
}

func TestAuthServerHealth(t *testing.T) {
	b := startBizy(t)
	h, err := b.newClient(t, client.Config{}).AuthServerHealth(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if h.Status != "ok" || h.AuthServer.Status != "ok" || h.AuthServer.Checks["database"] != "ok" || h.Latency < 0 {
		t.Fatalf("AuthServerHealth = %+v", h)
	}
}
