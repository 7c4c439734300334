package authserver

import (
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/bizy-auth/bizy/internal/auth"
	"github.com/bizy-auth/bizy/internal/webtest"
)

type refreshAnswer struct {
	Token        string `json:"token"`
	RefreshToken string `json:"refresh_token"`
}

// mustRefresh trades tok and decodes the 200 answer.
func (f *fixture) mustRefresh(tok string) refreshAnswer {
	f.t.Helper()
	rec := f.refresh(tok)
	if rec.Code != http.StatusOK {
		f.t.Fatalf("refresh = %d %s", rec.Code, rec.Body)
	}
	var a refreshAnswer
	webtest.Decode(f.t, rec, &a)
	return a
}

// TestRefreshReuseInterval: four refreshes racing with one token (tabs, a
// retry) all get the session's current tokens and the session lives;
// within REFRESH_REUSE_INTERVAL a token a few rotations back still leads
// to the current one; after it, reuse revokes the session. Time is the
// fixture's clock.
func TestRefreshReuseInterval(t *testing.T) {
	for name, open := range storesUnderTest(t) {
		t.Run(name, func(t *testing.T) {
			f := newFixture(t, options{store: open, reuseInterval: 10 * time.Second})
			f.mustRegister("vera", "vera@example.com", goodPassword, true)
			_, r0 := f.loginTokens("vera", goodPassword)

			answers := make([]refreshAnswer, 4)
			codes := make([]int, 4)
			start := make(chan struct{})
			var wg sync.WaitGroup
			for i := range answers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					rec := f.refresh(r0)
					codes[i] = rec.Code
					if rec.Code == http.StatusOK {
						webtest.Decode(t, rec, &answers[i])
					}
				}()
			}
			close(start)
			wg.Wait()
			for i, a := range answers {
				if codes[i] != http.StatusOK {
					t.Fatalf("concurrent refreshes = %v, want all 200", codes)
				}
				if a.RefreshToken != answers[0].RefreshToken || a.RefreshToken == r0 {
					t.Fatalf("refresh %d got refresh token %q, others %q: want the session's one current token", i, a.RefreshToken, answers[0].RefreshToken)
				}
				if rec := f.do("GET", "/profile", nil, a.Token); rec.Code != http.StatusOK {
					t.Fatalf("profile with access token %d = %d: the session died", i, rec.Code)
				}
			}
			r1 := answers[0].RefreshToken

			// Later but within the interval: the current token rotates on,
			// and r0, two rotations back, still leads to the current one.
			f.clock.Advance(5 * time.Second)
			r2 := f.mustRefresh(r1).RefreshToken
			if again := f.mustRefresh(r0); again.RefreshToken != r2 {
				t.Fatalf("r0 within the interval got %q, want the current %q", again.RefreshToken, r2)
			}
			if n := len(f.events(auth.EventRefreshReuse, "")); n != 0 {
				t.Fatalf("refresh_reuse events within the interval = %d", n)
			}

			// Past the interval, r1 coming back is a copy: the session ends.
			f.clock.Advance(10*time.Second + time.Microsecond)
			latest := f.mustRefresh(r2)
			webtest.WantProblem(t, f.refresh(r1), http.StatusUnauthorized)
			webtest.WantProblem(t, f.refresh(latest.RefreshToken), http.StatusUnauthorized)
			webtest.WantProblem(t, f.do("GET", "/profile", nil, latest.Token), http.StatusUnauthorized)
			if n := len(f.events(auth.EventRefreshReuse, "")); n != 1 {
				t.Fatalf("refresh_reuse events = %d, want 1", n)
			}
		})
	}
}
