package authserver

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"testing"

	"github.com/bizy-auth/bizy/internal/auth"
	"github.com/bizy-auth/bizy/internal/webtest"
)

// loginFrom sends a login from the client IP ip and returns its status.
func (f *fixture) loginFrom(ip, login, password string) int {
	f.t.Helper()
	return f.doFrom(ip, "POST", "/login", map[string]string{"username": login, "password": password}).Code
}

// TestTwelveRightPasswordsAtOnceAllSignIn: a client that retries, or a
// load test, sending twelve logins with the right password at once from
// one IP gets twelve 200s: checks in flight are not failures.
func TestTwelveRightPasswordsAtOnceAllSignIn(t *testing.T) {
	for name, open := range storesUnderTest(t) {
		t.Run(name, func(t *testing.T) {
			f := newFixture(t, options{store: open})
			f.mustRegister("eager", "eager@example.com", goodPassword, true)
			codes := make([]int, 12)
			var wg sync.WaitGroup
			for i := range codes {
				wg.Go(func() { codes[i] = f.loginFrom("203.0.113.9", "eager", goodPassword) })
			}
			wg.Wait()
			for i, c := range codes {
				if c != http.StatusOK {
					t.Fatalf("login %d of 12 = %d (all: %v), want every one 200", i, c, codes)
				}
			}
		})
	}
}

// TestTheAttackerLocksOnlyItself: five failures from one IP lock that IP
// out (423 with Retry-After), by username or email alike, while the owner
// signs in from another IP.
func TestTheAttackerLocksOnlyItself(t *testing.T) {
	f := newFixture(t, options{})
	f.mustRegister("victim", "victim@example.com", goodPassword, true)
	for i := range 5 {
		login := []string{"victim", "victim@example.com"}[i%2] // one budget
		if c := f.loginFrom("203.0.113.66", login, "Wr0ng!guess"); c != http.StatusUnauthorized {
			t.Fatalf("failure %d = %d, want 401", i+1, c)
		}
	}
	rec := f.doFrom("203.0.113.66", "POST", "/login", map[string]string{"username": "victim", "password": goodPassword})
	webtest.WantProblem(t, rec, http.StatusLocked)
	if rec.Header().Get("Retry-After") != "900" {
		t.Errorf("Retry-After = %q, want 900", rec.Header().Get("Retry-After"))
	}
	if c := f.loginFrom("198.51.100.20", "victim", goodPassword); c != http.StatusOK {
		t.Fatalf("the owner from another IP = %d, want 200", c)
	}
	wantEvents(t, f, auth.EventLock, f.userID("victim"), 1)
}

// TestTwentyIPsLockTheAccountAndTheMailUnlocksIt: twenty failures from
// twenty IPs lock the account for everyone; its owner gets one unlock
// mail whose token, posted to /unlock, lifts every lock once.
func TestTwentyIPsLockTheAccountAndTheMailUnlocksIt(t *testing.T) {
	f, mb := newMailFixture(t, options{})
	u := f.mustRegister("owner", "owner@example.com", goodPassword, true)
	for i := range 20 {
		if c := f.loginFrom(fmt.Sprintf("203.0.113.%d", i+1), "owner", "Wr0ng!guess"); c != http.StatusUnauthorized {
			t.Fatalf("failure %d = %d, want 401", i+1, c)
		}
	}
	if c := f.loginFrom("198.51.100.20", "owner", goodPassword); c != http.StatusLocked {
		t.Fatalf("the owner after twenty failures from twenty IPs = %d, want 423", c)
	}
	// More failures while locked send no second mail.
	f.loginFrom("203.0.113.200", "owner", "Wr0ng!guess")
	msg := mb.deliverOne("owner@example.com")
	tok := linkToken(t, msg, "/unlock")
	wantEvents(t, f, auth.EventAccountLocked, u.ID, 1)
	wantEvents(t, f, auth.EventUnlockMailed, u.ID, 1)

	webtest.WantProblem(t, f.do("POST", "/unlock", map[string]string{"token": "nonsense"}, ""), http.StatusBadRequest)
	if rec := f.do("POST", "/unlock", map[string]string{"token": tok}, ""); rec.Code != http.StatusOK {
		t.Fatalf("POST /unlock = %d %s", rec.Code, rec.Body)
	}
	if c := f.loginFrom("198.51.100.20", "owner", goodPassword); c != http.StatusOK {
		t.Fatalf("the owner after the unlock = %d, want 200", c)
	}
	webtest.WantProblem(t, f.do("POST", "/unlock", map[string]string{"token": tok}, ""), http.StatusBadRequest)
	wantEvents(t, f, auth.EventUnlock, u.ID, 1)
}

// TestAResetUnlocksEveryLock: a password reset lifts the account-wide lock
// and every IP's.
func TestAResetUnlocksEveryLock(t *testing.T) {
	f, mb := newMailFixture(t, options{})
	f.mustRegister("forgetful", "forgetful@example.com", goodPassword, true)
	for i := range 20 {
		f.loginFrom(fmt.Sprintf("203.0.113.%d", i+1), "forgetful", "Wr0ng!guess")
	}
	mb.deliver() // the unlock mail
	if rec := f.do("POST", "/forgot-password", map[string]string{"email": "forgetful@example.com"}, ""); rec.Code != http.StatusAccepted {
		t.Fatalf("forgot-password = %d", rec.Code)
	}
	tok := linkToken(t, mb.deliverOne("forgetful@example.com"), "/reset-password")
	if rec := f.do("POST", "/reset-password", map[string]string{"token": tok, "password": "N3w!Horse-Pass"}, ""); rec.Code != http.StatusOK {
		t.Fatalf("reset = %d %s", rec.Code, rec.Body)
	}
	for _, ip := range []string{"203.0.113.1", "198.51.100.20"} {
		if c := f.loginFrom(ip, "forgetful", "N3w!Horse-Pass"); c != http.StatusOK {
			t.Fatalf("login from %s after the reset = %d, want 200", ip, c)
		}
	}
}

// userID returns the id of the user with username.
func (f *fixture) userID(username string) string {
	f.t.Helper()
	u, err := f.svc.UserByLogin(context.Background(), username)
	if err != nil {
		f.t.Fatal(err)
	}
	return u.ID
}
