package auth_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/bizy-auth/bizy/internal/auth"
	"github.com/bizy-auth/bizy/internal/clocktest"
	"github.com/bizy-auth/bizy/token"
)

// signWith signs a token for a made-up session with ring's current key.
func signWith(t *testing.T, ring *auth.KeyRing, now time.Time) string {
	t.Helper()
	s, err := ring.Signer(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	tok, err := s.Sign(token.Claims{Issuer: "bizy-auth", Audience: []string{"bizy"}, Subject: "u1", UserID: "u1",
		SessionID: "s1", IssuedAt: now, ExpiresAt: now.Add(15 * time.Minute)})
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func kids(t *testing.T, ring *auth.KeyRing) []string {
	t.Helper()
	set, err := ring.JWKS(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, k := range set.Keys {
		out = append(out, k.Kid)
	}
	return out
}

// TestKeyRingRevoke: revoking the signing key withdraws it from the JWKS of
// the copy that revoked it at once, makes a new signing key, and another
// copy of the service (its own KeyRing over the same store) refuses the
// old key's tokens, cached ones included, within the revocation bound.
func TestKeyRingRevoke(t *testing.T) {
	for name, open := range storesUnderTest() {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			clock := clocktest.New(time.Now().UTC())
			st := open(t)
			ring := auth.NewKeyRing(st, 15*time.Minute, clock.Now)
			if err := ring.Ensure(ctx); err != nil {
				t.Fatal(err)
			}
			other := auth.NewKeyRing(st, 15*time.Minute, clock.Now)
			v, err := token.NewVerifier(token.Config{Algorithm: "EdDSA", Keys: other, Issuer: "bizy-auth",
				Audience: "bizy", Now: clock.Now, CacheSize: 10})
			if err != nil {
				t.Fatal(err)
			}
			tok := signWith(t, other, clock.Now())
			if _, err := v.Verify(ctx, tok); err != nil { // now cached
				t.Fatalf("token before revocation: %v", err)
			}
			old := kids(t, ring)
			if len(old) != 1 {
				t.Fatalf("JWKS before = %v", old)
			}

			next, err := ring.Revoke(ctx, old[0])
			if err != nil || next == old[0] || next == "" {
				t.Fatalf("Revoke = %q, %v; want a new signing key", next, err)
			}
			if got := kids(t, ring); len(got) != 1 || got[0] != next {
				t.Fatalf("JWKS right after revoke = %v, want only %s", got, next)
			}

			clock.Advance(2 * time.Second) // SPEC's revocation bound
			if _, err := v.Verify(ctx, tok); !errors.Is(err, token.ErrUnknownKey) {
				t.Fatalf("revoked key's cached token at another copy after 2 s: %v, want ErrUnknownKey", err)
			}
			fresh := signWith(t, other, clock.Now())
			if _, err := v.Verify(ctx, fresh); err != nil {
				t.Fatalf("the other copy signs with the new key: %v", err)
			}
			if _, err := ring.Revoke(ctx, "no-such-kid"); !errors.Is(err, auth.ErrNotFound) {
				t.Fatalf("Revoke of an unknown kid = %v, want ErrNotFound", err)
			}
			// Revoking a retired key leaves the signing key alone.
			if cur, err := ring.Revoke(ctx, old[0]); err != nil || cur != next {
				t.Fatalf("Revoke again = %q, %v; want %q kept", cur, err, next)
			}
		})
	}
}
