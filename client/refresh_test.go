package client_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bizy-auth/bizy/client"
)

// expire moves the shared clock past the access tokens' 15 minutes.
func expire(b *bizy) { b.clock.Advance(16 * time.Minute) }

func TestRefreshOnExpiry(t *testing.T) {
	b := startBizy(t)
	tr := &transport{}
	var (
		mu   sync.Mutex
		seen []client.Tokens
	)
	c := b.newClient(t, client.Config{HTTPClient: tr.client(), OnTokens: func(tk client.Tokens) {
		mu.Lock()
		defer mu.Unlock()
		seen = append(seen, tk)
	}})
	quin := b.newUser(t, c, "quin")
	first := quin.Tokens()
	ctx := context.Background()

	expire(b)
	if p, err := quin.Profile(ctx); err != nil || p.Username != "quin" {
		t.Fatalf("Profile after expiry = %+v, %v", p, err)
	}
	now := quin.Tokens()
	if tr.count("POST /refresh") != 1 || now.AccessToken == first.AccessToken || now.RefreshToken == first.RefreshToken ||
		now.User.Username != "quin" || now.ExpiresIn != 15*time.Minute {
		t.Fatalf("after %d refreshes the client holds %+v", tr.count("POST /refresh"), now)
	}
	if len(seen) != 1 || seen[0] != now {
		t.Fatalf("OnTokens saw %+v, want the held tokens once", seen)
	}
	if _, err := quin.ListTasks(ctx, client.TaskQuery{}); err != nil || tr.count("POST /refresh") != 1 {
		t.Fatalf("a call with the new token: %v after %d refreshes", err, tr.count("POST /refresh"))
	}

	// Refreshing the held token by hand keeps the result too.
	tk, err := quin.Refresh(ctx, now.RefreshToken)
	if err != nil || quin.Tokens() != tk || tk.RefreshToken == now.RefreshToken || len(seen) != 2 || seen[1] != tk {
		t.Fatalf("Refresh = %+v, %v; held %+v; OnTokens saw %d", tk, err, quin.Tokens(), len(seen))
	}
	// Another token is refreshed and handed back, nothing more.
	other, err := c.Refresh(ctx, login(t, c, "quin").Tokens().RefreshToken)
	if err != nil || other.AccessToken == "" || c.Tokens() != (client.Tokens{}) || len(seen) != 2 {
		t.Fatalf("Refresh of a token c does not hold = %+v, %v", other, err)
	}
	_, err = c.Refresh(ctx, "not-a-refresh-token")
	wantError(t, err, http.StatusUnauthorized, client.CodeInvalidRefreshToken)
}

func TestAccessTokenAloneIsNotRefreshed(t *testing.T) {
	b := startBizy(t)
	tr := &transport{}
	rita := accessOnly(b.newUser(t, b.newClient(t, client.Config{HTTPClient: tr.client()}), "rita"))
	expire(b)
	_, err := rita.ListTasks(context.Background(), client.TaskQuery{})
	e := wantError(t, err, http.StatusUnauthorized, "") // the token check's 401 has no code
	if !strings.Contains(e.Detail, "expired") || tr.count("POST /refresh") != 0 {
		t.Fatalf("err = %v after %d refreshes", e, tr.count("POST /refresh"))
	}
}

// TestRefusedRefreshIsNotRetried: two calls of a revoked session meet a
// 401 together; one refresh is tried and refused, and then neither that
// call nor any later one presents the refresh token again.
func TestRefusedRefreshIsNotRetried(t *testing.T) {
	b := startBizy(t)
	tr := &transport{}
	refused := holdRefresh(t, tr, "/api/auth/profile", 2)
	c := b.newClient(t, client.Config{HTTPClient: tr.client()})
	sam := b.newUser(t, c, "sam")
	ctx := context.Background()
	if err := login(t, c, "sam").LogoutAll(ctx); err != nil {
		t.Fatal(err)
	}
	errs := make(chan error, 2)
	var wg sync.WaitGroup
	for range 2 {
		wg.Go(func() {
			_, err := sam.Profile(ctx)
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	codes := map[string]int{}
	for err := range errs {
		codes[wantError(t, err, http.StatusUnauthorized, client.CodeOf(err)).Code]++
	}
	// The call that refreshed gets the refusal; the other its own 401.
	if codes[client.CodeInvalidRefreshToken] != 1 || codes[client.CodeSessionRevoked] != 1 || refused.Load() != 2 {
		t.Fatalf("codes %v after %d refused calls", codes, refused.Load())
	}
	_, err := sam.Profile(ctx)
	wantError(t, err, http.StatusUnauthorized, client.CodeSessionRevoked)
	if n := tr.count("POST /refresh"); n != 1 {
		t.Fatalf("%d refreshes, want 1: a refused refresh token is not presented again", n)
	}
}

// holdRefresh makes tr hold the first refresh back until calls requests
// to path have been answered 401, so that all of them meet the 401 with
// the same token; it fails t if that never happens. It returns the count
// of such answers.
func holdRefresh(t *testing.T, tr *transport, path string, calls int32) *atomic.Int32 {
	var refused atomic.Int32
	allRefused := make(chan struct{})
	tr.after = func(r *http.Request, resp *http.Response) {
		if r.URL.Path == path && resp.StatusCode == http.StatusUnauthorized && refused.Add(1) == calls {
			close(allRefused)
		}
	}
	tr.before = func(r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/refresh") {
			select {
			case <-allRefused:
			case <-time.After(30 * time.Second):
				t.Errorf("the refresh started after only %d of %d calls were refused", refused.Load(), calls)
			}
		}
	}
	return &refused
}

// TestConcurrentCallsShareOneRefresh holds the refresh back until every
// call has been refused with the same token; each refreshing on its own
// would present a used refresh token and end the session.
func TestConcurrentCallsShareOneRefresh(t *testing.T) {
	const calls = 8
	b := startBizy(t)
	tr := &transport{}
	refused := holdRefresh(t, tr, "/api/tasks", calls)
	var onTokens atomic.Int32
	c := b.newClient(t, client.Config{HTTPClient: tr.client(), OnTokens: func(client.Tokens) { onTokens.Add(1) }})
	tia := b.newUser(t, c, "tia")
	ctx := context.Background()
	expire(b)

	var wg sync.WaitGroup
	errs := make(chan error, calls)
	for range calls {
		wg.Go(func() {
			_, err := tia.ListTasks(ctx, client.TaskQuery{})
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if n := tr.count("POST /refresh"); n != 1 || onTokens.Load() != 1 || refused.Load() != calls {
		t.Fatalf("%d refreshes and %d OnTokens calls for %d refused calls, want 1 and 1 for %d",
			n, onTokens.Load(), refused.Load(), calls)
	}
	if s, err := tia.Sessions(ctx); err != nil || len(s) != 1 {
		t.Fatalf("the session did not survive: %+v, %v", s, err)
	}
}

// TestRefreshOutlivesItsCaller cancels the call whose 401 started a
// refresh: the server rotates the refresh token all the same, so the
// client must still take the answer, or it would hold a dead one.
func TestRefreshOutlivesItsCaller(t *testing.T) {
	b := startBizy(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	tr := &transport{before: func(r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/refresh") {
			cancel()
		}
	}}
	got := make(chan client.Tokens, 1)
	c := b.newClient(t, client.Config{HTTPClient: tr.client(), OnTokens: func(tk client.Tokens) { got <- tk }})
	uma := b.newUser(t, c, "uma")
	expire(b)

	if _, err := uma.Profile(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("Profile = %v, want context.Canceled", err)
	}
	select {
	case tk := <-got:
		if uma.Tokens() != tk {
			t.Fatal("the refreshed tokens are not held")
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the refresh never finished")
	}
	if _, err := uma.Profile(context.Background()); err != nil || tr.count("POST /refresh") != 1 {
		t.Fatalf("Profile with the kept tokens = %v after %d refreshes", err, tr.count("POST /refresh"))
	}
}
