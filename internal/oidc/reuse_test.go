package oidc_test

import (
	"sync"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/bizy-auth/bizy/internal/auth"
)

// refreshWith trades refresh at the token endpoint, as an app whose access
// token expired.
func (r *rp) refreshWith(refresh string) (*oauth2.Token, error) {
	past := r.e.clock.Now().Add(-time.Hour)
	return r.conf.TokenSource(ctx(r.e.t), &oauth2.Token{RefreshToken: refresh, Expiry: past}).Token()
}

// TestAppRefreshReuseInterval: an app's refresh token sent again just
// after it was rotated (a retry whose answer was lost, a second tab) gets
// the session's current refresh token, as the API's /refresh does within
// REFRESH_REUSE_INTERVAL; after the interval it is reuse and ends the
// session.
func TestAppRefreshReuseInterval(t *testing.T) {
	for _, eng := range engines(t) {
		t.Run(eng.name, func(t *testing.T) {
			e := newEnvReuse(t, eng, 10*time.Second)
			e.user("alice")
			app := e.newRP(false, true)
			p := newPKCE()
			tok, err := app.exchange(app.signInToApp(e.browser(), "alice", p, randomString(), randomString()).Get("code"), p)
			if err != nil {
				t.Fatal(err)
			}
			first := tok.RefreshToken

			fresh, err := app.refreshWith(first)
			if err != nil || fresh.RefreshToken == first {
				t.Fatalf("refresh = %+v, %v", fresh, err)
			}
			e.clock.Advance(5 * time.Second)
			again, err := app.refreshWith(first)
			if err != nil {
				t.Fatalf("the rotated-out token within the interval: %v", err)
			}
			if again.RefreshToken != fresh.RefreshToken {
				t.Errorf("within the interval got refresh token %q, want the current one %q", again.RefreshToken, fresh.RefreshToken)
			}
			if _, err := app.userinfo(again); err != nil {
				t.Fatalf("userinfo with the access token of the repeat: %v", err)
			}

			// Concurrent trades of the current token: one rotates, the
			// others get what it made.
			var wg sync.WaitGroup
			got := make([]string, 4)
			errs := make([]error, 4)
			for i := range got {
				wg.Go(func() {
					tk, err := app.refreshWith(fresh.RefreshToken)
					if err == nil {
						got[i] = tk.RefreshToken
					}
					errs[i] = err
				})
			}
			wg.Wait()
			for i := range got {
				if errs[i] != nil || got[i] != got[0] || got[i] == fresh.RefreshToken {
					t.Fatalf("concurrent refreshes: tokens %q, errors %v", got, errs)
				}
			}

			// Past the interval, the first token is reuse: the session ends.
			e.clock.Advance(11 * time.Second)
			if _, err := app.refreshWith(first); err == nil {
				t.Fatal("a token rotated out 16 s ago worked with a 10 s interval")
			}
			if _, err := app.refreshWith(got[0]); err == nil {
				t.Fatal("the session's current refresh token worked after reuse revoked it")
			}
			e.wantEvent(t, auth.EventAppRefreshReuse)
		})
	}
}
