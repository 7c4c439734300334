package token

import (
	"context"
	"crypto/ed25519"
	"errors"
	"net/http"
	"sync"
	"testing"
	"time"
)

// newAgingJWKS returns a JWKS trusting a set for a minute and fetching at
// most every 5 seconds.
func newAgingJWKS(s *jwksServer, clk *clock) *JWKS {
	return NewJWKS(s.URL, JWKSOptions{Client: s.Client(), MinRefetch: 5 * time.Second, MaxAge: time.Minute, Now: clk.Now})
}

func wantKey(t *testing.T, j *JWKS, kid string, want error) {
	t.Helper()
	_, err := j.PublicKey(context.Background(), kid)
	if !errors.Is(err, want) || (want == nil) != (err == nil) {
		t.Fatalf("PublicKey(%s) = %v, want %v", kid, err, want)
	}
}

var otherPub = otherPriv.Public().(ed25519.PublicKey)

func TestJWKSMaxAgeWithdrawsKey(t *testing.T) {
	srv := newJWKSServer(t, Ed25519JWK("k1", testPub), Ed25519JWK("k2", otherPub))
	clk := newClock()
	j := newAgingJWKS(srv, clk)
	wantKey(t, j, "k1", nil)
	srv.wantFetches(t, 1)

	// The auth service stops publishing k1; until MaxAge the copy here
	// still trusts it without asking.
	srv.set(func(s *jwksServer) { s.keys = s.keys[1:] })
	clk.Advance(time.Minute - time.Nanosecond)
	wantKey(t, j, "k1", nil)
	srv.wantFetches(t, 1)
	if g := j.Generation(); g != 0 {
		t.Fatalf("Generation = %d before any key was withdrawn", g)
	}

	clk.Advance(time.Nanosecond)
	wantKey(t, j, "k1", ErrUnknownKey)
	srv.wantFetches(t, 2)
	wantKey(t, j, "k2", nil)
	srv.wantFetches(t, 2)
	if g := j.Generation(); g != 1 {
		t.Fatalf("Generation = %d after k1 was withdrawn, want 1", g)
	}

	// Adding a key withdraws nothing: the generation stays.
	srv.set(func(s *jwksServer) { s.keys = append(s.keys, Ed25519JWK("k3", testPub)) })
	clk.Advance(time.Minute)
	wantKey(t, j, "k3", nil)
	srv.wantFetches(t, 3)
	if g := j.Generation(); g != 1 {
		t.Fatalf("Generation = %d after a key was added, want 1", g)
	}
}

func TestJWKSMaxAgeFailedRefetchKeepsKeys(t *testing.T) {
	srv := newJWKSServer(t, Ed25519JWK("k1", testPub))
	clk := newClock()
	j := newAgingJWKS(srv, clk)
	wantKey(t, j, "k1", nil)

	// The auth service fails: the stale set keeps answering, and the
	// service is asked again at most once per MinRefetch.
	srv.set(func(s *jwksServer) { s.status = http.StatusInternalServerError })
	clk.Advance(time.Minute)
	wantKey(t, j, "k1", nil)
	srv.wantFetches(t, 2)
	for range 4 {
		clk.Advance(time.Second)
		wantKey(t, j, "k1", nil)
	}
	srv.wantFetches(t, 2)

	// MinRefetch has passed: the next lookup answers at once from the
	// old set while the retry runs; an unknown kid waits for it.
	clk.Advance(time.Second)
	wantKey(t, j, "k1", nil)
	wantKey(t, j, "k9", ErrUnknownKey)
	srv.wantFetches(t, 3)

	// The service recovers without k1: once a fetch succeeds, k1 is gone.
	srv.set(func(s *jwksServer) {
		s.status, s.keys = http.StatusOK, []JWK{Ed25519JWK("k2", otherPub)}
	})
	clk.Advance(5 * time.Second)
	wantKey(t, j, "k1", nil) // still failing as far as it knows
	wantKey(t, j, "k2", nil) // joins or follows the refetch
	wantKey(t, j, "k1", ErrUnknownKey)
	srv.wantFetches(t, 4)
}

func TestJWKSMaxAgeRefetchRate(t *testing.T) {
	srv := newJWKSServer(t, Ed25519JWK("k1", testPub))
	clk := newClock()
	// MaxAge below MinRefetch: MinRefetch still sets the pace.
	j := NewJWKS(srv.URL, JWKSOptions{Client: srv.Client(), MinRefetch: 5 * time.Second, MaxAge: time.Second, Now: clk.Now})
	wantKey(t, j, "k1", nil)
	for range 20 {
		clk.Advance(time.Second)
		wantKey(t, j, "k1", nil)
	}
	srv.wantFetches(t, 5) // at 0, 5, 10, 15 and 20 s

	// Concurrent lookups of a stale set share one fetch.
	gate := make(chan struct{})
	srv.set(func(s *jwksServer) { s.gate = gate })
	clk.Advance(5 * time.Second)
	var started, done sync.WaitGroup
	for range 20 {
		started.Add(1)
		done.Go(func() {
			started.Done()
			if _, err := j.PublicKey(context.Background(), "k1"); err != nil {
				t.Error(err)
			}
		})
	}
	started.Wait()
	close(gate)
	done.Wait()
	srv.wantFetches(t, 6)
}

func TestCacheDropsWithdrawnKey(t *testing.T) {
	srv := newJWKSServer(t, Ed25519JWK("k1", testPub), Ed25519JWK("k2", otherPub))
	clk := newClock()
	j := newAgingJWKS(srv, clk)
	v := mustVerifier(t, Config{Keys: j, Now: clk.Now, CacheSize: 8, MaxLifetime: 15 * time.Minute})
	raw1 := mustSign(t, NewEdDSASigner("k1", testPriv), goodClaims())
	raw2 := mustSign(t, NewEdDSASigner("k2", otherPriv), goodClaims())
	ctx := context.Background()
	for _, raw := range []string{raw1, raw2, raw1, raw2} {
		if _, err := v.Verify(ctx, raw); err != nil {
			t.Fatal(err)
		}
	}
	srv.wantFetches(t, 1)

	// k1 is withdrawn. Once a lookup has refetched the set, the cached
	// k1 token fails; the cached k2 token is verified afresh and stays.
	srv.set(func(s *jwksServer) { s.keys = s.keys[1:] })
	clk.Advance(time.Minute)
	raw2b := mustSign(t, NewEdDSASigner("k2", otherPriv), Claims{
		Issuer: testIssuer, Subject: "u", UserID: "u", SessionID: "s", Audience: []string{testAudience},
		IssuedAt: clk.Now(), ExpiresAt: clk.Now().Add(15 * time.Minute),
	})
	if _, err := v.Verify(ctx, raw2b); err != nil {
		t.Fatal(err)
	}
	srv.wantFetches(t, 2)
	for range 2 {
		if _, err := v.Verify(ctx, raw1); !errors.Is(err, ErrUnknownKey) {
			t.Fatalf("cached token of a withdrawn key: %v, want ErrUnknownKey", err)
		}
		if _, err := v.Verify(ctx, raw2); err != nil {
			t.Fatalf("cached token of a kept key: %v", err)
		}
	}
	if n := v.cache.len(); n != 2 {
		t.Errorf("cache holds %d tokens, want 2 (both k2)", n)
	}
}
