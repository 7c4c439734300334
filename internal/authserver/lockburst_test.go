package authserver

import (
	"context"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bizy-auth/bizy/internal/auth"
)

// TestLockoutHoldsUnderABurst: forty wrong guesses sent at once from one
// IP get at most LOCKOUT_THRESHOLD password checks; the rest are refused,
// 423 when the lock was in force as they arrived and 429 when it came
// while they waited; and the right password after them is 423.
func TestLockoutHoldsUnderABurst(t *testing.T) {
	for name, open := range storesUnderTest(t) {
		t.Run(name, func(t *testing.T) {
			f := newFixture(t, options{store: open, lockoutThreshold: 5})
			f.mustRegister("burst", "burst@example.com", goodPassword, true)
			const n = 40
			codes := make([]int, n)
			var wg sync.WaitGroup
			for i := range n {
				wg.Add(1)
				go func() {
					defer wg.Done()
					codes[i] = f.do("POST", "/login", map[string]string{"username": "burst", "password": "Wrong!Pass1"}, "").Code
				}()
			}
			wg.Wait()
			count := map[int]int{}
			for _, c := range codes {
				count[c]++
			}
			if count[http.StatusUnauthorized] > 5 ||
				count[http.StatusUnauthorized]+count[http.StatusLocked]+count[http.StatusTooManyRequests] != n {
				t.Fatalf("answers %v: want at most 5 password checks (401) and the rest 423 or 429", count)
			}
			if rec := f.do("POST", "/login", map[string]string{"username": "burst", "password": goodPassword}, ""); rec.Code != http.StatusLocked {
				t.Fatalf("the right password after the burst = %d, want 423", rec.Code)
			}
			evs, _, err := f.svc.Events(context.Background(), auth.EventFilter{Type: auth.EventLoginFailure, Limit: 100})
			if err != nil {
				t.Fatal(err)
			}
			if len(evs) > 5 {
				t.Fatalf("%d login_failure events: more password checks ran than the threshold allows", len(evs))
			}
		})
	}
}

// holdNextTx is a Store whose next transaction, once armed, waits before
// it begins until released. A login's only transaction is the one that
// opens its session, after the password check, so arming it before a
// login holds that login between its check and its session.
type holdNextTx struct {
	auth.Store
	armed   atomic.Bool
	held    chan struct{} // closed when the armed transaction waits
	release chan struct{}
}

func (s *holdNextTx) Tx(ctx context.Context, fn func(auth.Store) error) error {
	if s.armed.CompareAndSwap(true, false) {
		close(s.held)
		<-s.release
	}
	return s.Store.Tx(ctx, fn)
}

// TestLoginRacingAPasswordChangeLeavesNoSession: a login that checked the
// old password and is held, before it opens its session, until a password
// change has committed, opens none: it answers 401 as a wrong password
// does, and the user keeps only the session that changed the password.
func TestLoginRacingAPasswordChangeLeavesNoSession(t *testing.T) {
	for name, open := range storesUnderTest(t) {
		t.Run(name, func(t *testing.T) {
			st := &holdNextTx{held: make(chan struct{}), release: make(chan struct{})}
			f := newFixture(t, options{store: func(t *testing.T) auth.Store { st.Store = open(t); return st }})
			u := f.mustRegister("racer", "racer@example.com", goodPassword, true)
			owner, _ := f.loginTokens("racer", goodPassword)

			st.armed.Store(true)
			login := make(chan int, 1)
			go func() {
				login <- f.do("POST", "/login", map[string]string{"username": "racer", "password": goodPassword}, "").Code
			}()
			released := false
			defer func() {
				if !released {
					close(st.release)
				}
			}()
			select {
			case <-st.held:
			case code := <-login:
				t.Fatalf("the login answered %d without reaching its session transaction", code)
			case <-time.After(30 * time.Second):
				t.Fatal("the login never reached its session transaction")
			}

			rec := f.do("POST", "/change-password", map[string]string{"current_password": goodPassword, "new_password": "N3w!Horse-Pass"}, owner)
			if rec.Code != http.StatusOK {
				t.Fatalf("change-password while a login is held = %d %s", rec.Code, rec.Body)
			}
			close(st.release)
			released = true
			if code := <-login; code != http.StatusUnauthorized {
				t.Fatalf("the held login, after the change = %d, want 401", code)
			}
			sessions, err := f.svc.Sessions(context.Background(), u.ID)
			if err != nil {
				t.Fatal(err)
			}
			if len(sessions) != 1 || sessions[0].ID != f.sessionOf(owner) {
				t.Fatalf("sessions after the race = %+v, want only the one that changed the password", sessions)
			}
		})
	}
}
