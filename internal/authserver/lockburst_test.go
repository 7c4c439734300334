package authserver

import (
	"context"
	"encoding/json"
	"net/http"
	"sync"
	"testing"

	"github.com/bizy-auth/bizy/internal/auth"
)

// TestLockoutHoldsUnderABurst: forty wrong guesses sent at once get at most
// LOCKOUT_THRESHOLD password checks; the rest are refused as locked, and
// so is the right password after them.
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
			if count[http.StatusUnauthorized] > 5 || count[http.StatusUnauthorized]+count[http.StatusLocked] != n {
				t.Fatalf("answers %v: want at most 5 password checks (401) and the rest 423", count)
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

// TestLoginRacingAPasswordChangeLeavesNoSession: logins with the old
// password running while the password changes never leave a session that
// outlives the change.
func TestLoginRacingAPasswordChangeLeavesNoSession(t *testing.T) {
	for name, open := range storesUnderTest(t) {
		t.Run(name, func(t *testing.T) {
			f := newFixture(t, options{store: open, lockoutThreshold: 1000})
			f.mustRegister("racer", "racer@example.com", goodPassword, true)
			owner, _ := f.loginTokens("racer", goodPassword)
			var (
				mu      sync.Mutex
				refresh []string
				wg      sync.WaitGroup
				stop    = make(chan struct{})
			)
			for range 4 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for {
						select {
						case <-stop:
							return
						default:
						}
						rec := f.do("POST", "/login", map[string]string{"username": "racer", "password": goodPassword}, "")
						if rec.Code == http.StatusOK {
							var body struct {
								RefreshToken string `json:"refresh_token"`
							}
							if json.Unmarshal(rec.Body.Bytes(), &body) != nil {
								return
							}
							mu.Lock()
							refresh = append(refresh, body.RefreshToken)
							mu.Unlock()
						}
					}
				}()
			}
			rec := f.do("POST", "/change-password", map[string]string{"current_password": goodPassword, "new_password": "N3w!Horse-Pass"}, owner)
			close(stop)
			wg.Wait()
			if rec.Code != http.StatusOK {
				t.Fatalf("change-password = %d %s", rec.Code, rec.Body)
			}
			for _, r := range refresh {
				if rec := f.refresh(r); rec.Code == http.StatusOK {
					t.Fatalf("a session opened with the old password (of %d) still refreshes after the change", len(refresh))
				}
			}
			t.Logf("%d racing logins, none outlived the change", len(refresh))
		})
	}
}
