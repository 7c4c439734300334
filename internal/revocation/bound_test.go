package revocation

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bizy-auth/bizy/internal/clocktest"
	"github.com/bizy-auth/bizy/token"
)

// revocationBound is SPEC's promise: a logged-out session is refused by
// every API copy within 2 seconds.
const revocationBound = 2 * time.Second

// pollAllowance is the share of revocationBound left for the poll itself:
// one request to the auth service next door and the decoding of its page.
const pollAllowance = time.Second

// TestRevokedWithinBound proves SPEC's 2 s promise on a fake clock, for a
// Poller and List configured as cmd/bizy configures them (the default
// interval, the verifier's leeway). In the worst case a logout lands just
// after a poll; the ticker fires one Interval later, and once that tick's
// poll is done the session is in the List, with pollAllowance of the bound
// left for the request. The List then keeps it for as long as the
// session's last access token can pass the verifier, and not longer. A
// signing key revoked at the same moment (`bizy keys revoke`) arrives with
// the same poll, so within the same bound.
func TestRevokedWithinBound(t *testing.T) {
	f := &fakeAuth{pageSize: fullPage}
	// The poll after the one under test is held until the end, so what the
	// List holds when that poll starts is the work of the one before.
	var requests atomic.Int32
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if requests.Add(1) == 3 {
			select {
			case <-release:
			case <-r.Context().Done():
			}
		}
		f.ServeHTTP(w, r)
	}))
	defer srv.Close()
	defer close(release) // before srv.Close, which waits for the held request

	clk := clocktest.New(t0)
	l := NewList(ListConfig{Now: clk.Now, Leeway: token.DefaultLeeway})
	ticks, asked := make(chan time.Time), make(chan time.Duration, 1)
	p := mustPoller(t, l, PollerConfig{URL: srv.URL, Now: clk.Now,
		NewTicker: func(d time.Duration) (<-chan time.Time, func()) {
			asked <- d
			return ticks, func() {}
		}})
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx) }()
	defer func() {
		cancel()
		<-done
	}()

	interval := <-asked
	if interval+pollAllowance > revocationBound {
		t.Fatalf("polls every %v: with %v for the poll, a logout can take longer than %v to arrive",
			interval, pollAllowance, revocationBound)
	}
	<-p.Ready() // the first poll, before the logout

	loggedOut := clk.Now()
	lastExp := loggedOut.Add(15 * time.Minute) // the session's last access token
	f.add(1, lastExp)                          // revokes s0
	f.mu.Lock()
	f.keys = append(f.keys, "k0")
	f.mu.Unlock()
	clk.Advance(interval)
	ticks <- clk.Now()
	ticks <- clk.Now() // accepted only once the poll of the tick before is done
	if !l.Revoked("s0") || !l.KeyRevoked("k0") {
		t.Fatalf("%v after the logout, after the poll of the next tick, s0 or k0 is not revoked", clk.Now().Sub(loggedOut))
	}
	if took := clk.Now().Sub(loggedOut); took+pollAllowance > revocationBound {
		t.Fatalf("revoked %v after the logout plus the poll, want within %v", took, revocationBound)
	}

	// Kept while the token passes the verifier (exp plus its leeway)...
	clk.Advance(lastExp.Add(token.DefaultLeeway).Sub(clk.Now()))
	l.Prune()
	if !l.Revoked("s0") {
		t.Fatal("s0 swept while its last access token still passes the verifier")
	}
	// ...and swept once it cannot.
	clk.Advance(time.Nanosecond)
	if l.Prune(); l.Revoked("s0") {
		t.Fatal("s0 kept after its last access token expired")
	}
}
