package authserver

import (
	"context"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/bizy-auth/bizy/internal/webtest"
	"github.com/bizy-auth/bizy/token"
)

func TestLoginByUsernameOrEmail(t *testing.T) {
	f := newFixture(t, options{requireVerified: true})
	u := f.mustRegister("carol", "carol@example.com", goodPassword, true)
	for _, login := range []string{"carol", "CAROL", "carol@example.com", "Carol@Example.com"} {
		rec := f.do("POST", "/login", map[string]string{"username": login, "password": goodPassword}, "")
		if rec.Code != http.StatusOK {
			t.Fatalf("login %q = %d %s", login, rec.Code, rec.Body)
		}
		var body struct {
			Message      string `json:"message"`
			Token        string `json:"token"`
			TokenType    string `json:"token_type"`
			ExpiresIn    int    `json:"expires_in"`
			RefreshToken string `json:"refresh_token"`
			User         struct{ ID, Username string }
		}
		webtest.Decode(t, rec, &body)
		if body.Message == "" || body.Token == "" || body.TokenType != "Bearer" || body.ExpiresIn != 900 ||
			body.RefreshToken == "" || body.User.ID != u.ID {
			t.Fatalf("login answer = %s", rec.Body)
		}
	}
}

func TestLoginTokenCarriesEveryClaim(t *testing.T) {
	f := newFixture(t, options{})
	u := f.mustRegister("dave", "dave@example.com", goodPassword, true)
	raw := f.mustLogin("dave", goodPassword)
	v, err := token.NewVerifier(token.Config{Algorithm: "EdDSA", Keys: f.keys, Issuer: "bizy-auth", Audience: "bizy", Now: f.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	c, err := v.Verify(context.Background(), raw)
	if err != nil {
		t.Fatal(err)
	}
	if c.Subject != u.ID || c.UserID != u.ID || c.Username != "dave" || c.Email != "dave@example.com" ||
		c.IsAdmin || !c.EmailVerified || c.SessionID == "" || c.ID == "" || c.Issuer != "bizy-auth" ||
		len(c.Audience) != 1 || c.Audience[0] != "bizy" || c.ExpiresAt.Sub(c.IssuedAt) != 15*time.Minute {
		t.Fatalf("claims = %+v", c)
	}
}

// TestLoginFailuresLookAlike: an unknown name and a wrong password answer
// with the same status and body.
func TestLoginFailuresLookAlike(t *testing.T) {
	f := newFixture(t, options{})
	f.mustRegister("erin", "erin@example.com", goodPassword, true)
	wrong := f.do("POST", "/login", map[string]string{"username": "erin", "password": "Wrong!Pass1"}, "")
	unknown := f.do("POST", "/login", map[string]string{"username": "nobody", "password": "Wrong!Pass1"}, "")
	webtest.WantProblem(t, wrong, 401)
	webtest.WantProblem(t, unknown, 401)
	if wrong.Body.String() != unknown.Body.String() {
		t.Fatalf("answers differ:\nwrong password: %s\nunknown user:   %s", wrong.Body, unknown.Body)
	}
}

func TestLoginUnverifiedAndDisabled(t *testing.T) {
	f := newFixture(t, options{requireVerified: true})
	f.mustRegister("frank", "frank@example.com", goodPassword, false)
	// The wrong password reveals nothing about verification.
	webtest.WantProblem(t, f.do("POST", "/login", map[string]string{"username": "frank", "password": "Wrong!Pass1"}, ""), 401)
	p := webtest.WantProblem(t, f.do("POST", "/login", map[string]string{"username": "frank", "password": goodPassword}, ""), 403)
	if p.Code != "email_not_verified" {
		t.Errorf("code = %q", p.Code)
	}

	u := f.mustRegister("gina", "gina@example.com", goodPassword, true)
	u.Disabled = true
	if err := f.store.UpdateUser(context.Background(), u); err != nil {
		t.Fatal(err)
	}
	p = webtest.WantProblem(t, f.do("POST", "/login", map[string]string{"username": "gina", "password": goodPassword}, ""), 403)
	if p.Code != "account_disabled" {
		t.Errorf("code = %q", p.Code)
	}
}

func TestLoginMissingFields(t *testing.T) {
	f := newFixture(t, options{})
	p := webtest.WantProblem(t, f.do("POST", "/login", map[string]string{}, ""), 422)
	if len(p.Errors) != 2 {
		t.Errorf("errors = %+v, want username and password", p.Errors)
	}
}

func TestLockout(t *testing.T) {
	for _, tc := range []struct{ name, login string }{
		{"existing account", "hank"},
		{"no such account", "ghost"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, options{lockoutThreshold: 5, lockoutDuration: 15 * time.Minute})
			f.mustRegister("hank", "hank@example.com", goodPassword, true)
			bad := map[string]string{"username": tc.login, "password": "Wrong!Pass1"}
			for i := 1; i <= 5; i++ {
				webtest.WantProblem(t, f.do("POST", "/login", bad, ""), 401) // the 5th failure is still a 401
			}
			rec := f.do("POST", "/login", map[string]string{"username": tc.login, "password": goodPassword}, "")
			webtest.WantProblem(t, rec, http.StatusLocked)
			secs, err := strconv.Atoi(rec.Header().Get("Retry-After"))
			if err != nil || secs < 1 || secs > 900 {
				t.Fatalf("Retry-After = %q", rec.Header().Get("Retry-After"))
			}
			f.clock.Advance(15*time.Minute + time.Second)
			want := http.StatusOK
			if tc.login == "ghost" {
				want = http.StatusUnauthorized
			}
			if rec := f.do("POST", "/login", map[string]string{"username": tc.login, "password": goodPassword}, ""); rec.Code != want {
				t.Fatalf("after the lock ended: %d %s, want %d", rec.Code, rec.Body, want)
			}
		})
	}
}

// TestLockoutCountsConsecutiveFailuresOnly: with a threshold of 3, two
// failures, a success, then two failures again lock nothing; without the
// reset the fourth failure would already be refused (423).
func TestLockoutCountsConsecutiveFailuresOnly(t *testing.T) {
	f := newFixture(t, options{lockoutThreshold: 3})
	f.mustRegister("ivy", "ivy@example.com", goodPassword, true)
	bad := map[string]string{"username": "ivy", "password": "Wrong!Pass1"}
	for round := 1; round <= 2; round++ {
		for i := 1; i <= 2; i++ {
			if rec := f.do("POST", "/login", bad, ""); rec.Code != http.StatusUnauthorized {
				t.Fatalf("round %d, failure %d = %d %s, want 401", round, i, rec.Code, rec.Body)
			}
		}
		f.mustLogin("ivy", goodPassword) // success resets the count
	}
	// The count really runs: the third consecutive failure locks.
	for i := 1; i <= 3; i++ {
		webtest.WantProblem(t, f.do("POST", "/login", bad, ""), http.StatusUnauthorized)
	}
	webtest.WantProblem(t, f.do("POST", "/login", map[string]string{"username": "ivy", "password": goodPassword}, ""), http.StatusLocked)
}

func TestUnlockClearsTheLock(t *testing.T) {
	f := newFixture(t, options{lockoutThreshold: 2})
	u := f.mustRegister("jack", "jack@example.com", goodPassword, true)
	bad := map[string]string{"username": "jack@example.com", "password": "Wrong!Pass1"}
	f.do("POST", "/login", bad, "")
	f.do("POST", "/login", bad, "")
	webtest.WantProblem(t, f.do("POST", "/login", map[string]string{"username": "jack@example.com", "password": goodPassword}, ""), 423)
	if err := f.svc.Unlock(context.Background(), u.ID, clientForTest); err != nil {
		t.Fatal(err)
	}
	f.mustLogin("jack@example.com", goodPassword)
}
