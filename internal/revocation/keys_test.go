package revocation

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/bizy-auth/bizy/token"
)

func TestRevokedKeyRefusedCachedTokensToo(t *testing.T) {
	now := time.Now()
	keys, signers := token.StaticKeys{}, map[string]*token.Signer{}
	for _, kid := range []string{"k1", "k2"} {
		pub, priv, _ := ed25519.GenerateKey(rand.Reader)
		keys[kid], signers[kid] = pub, token.NewEdDSASigner(kid, priv)
	}
	list := NewList(ListConfig{})
	v, err := token.NewVerifier(token.Config{Algorithm: "EdDSA", Keys: list.Keys(keys), Issuer: "i", Audience: "a",
		CacheSize: 10, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	toks := map[string]string{}
	for kid, s := range signers {
		toks[kid], _ = s.Sign(token.Claims{Issuer: "i", Audience: []string{"a"}, Subject: "u", UserID: "u", SessionID: "s",
			IssuedAt: now, ExpiresAt: now.Add(time.Minute)})
		if _, err := v.Verify(context.Background(), toks[kid]); err != nil { // cached from here on
			t.Fatalf("%s before revocation: %v", kid, err)
		}
	}
	list.RevokeKey("k1")
	list.RevokeKey("k1") // twice is once
	if !list.KeyRevoked("k1") || list.KeyRevoked("k2") {
		t.Fatal("KeyRevoked does not match what was revoked")
	}
	if _, err := v.Verify(context.Background(), toks["k1"]); !errors.Is(err, token.ErrUnknownKey) {
		t.Fatalf("cached token of the revoked key: %v, want ErrUnknownKey", err)
	}
	if _, err := v.Verify(context.Background(), toks["k2"]); err != nil {
		t.Fatalf("token of another key: %v", err)
	}
}

func TestPollerLearnsRevokedKeys(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(`{"revoked":[],"next_cursor":"c","revoked_keys":["bad-kid"]}`))
	}))
	defer srv.Close()
	list := NewList(ListConfig{})
	p, err := NewPoller(list, PollerConfig{URL: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Sync(context.Background()); err != nil {
		t.Fatal(err)
	}
	if !list.KeyRevoked("bad-kid") {
		t.Fatal("the poller did not pass the revoked key on")
	}
}
