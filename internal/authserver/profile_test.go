package authserver

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/bizy-auth/bizy/internal/auth"
	"github.com/bizy-auth/bizy/internal/webtest"
	"github.com/bizy-auth/bizy/token"
)

var clientForTest = auth.Client{IP: "192.0.2.1", UserAgent: "test"}

func TestProfile(t *testing.T) {
	for _, hs := range []bool{false, true} {
		f := newFixture(t, options{hs256: hs})
		u := f.mustRegister("kate", "kate@example.com", goodPassword, true)
		tok := f.mustLogin("kate", goodPassword)
		rec := f.do("GET", "/profile", nil, tok)
		if rec.Code != http.StatusOK {
			t.Fatalf("hs256=%v: profile = %d %s", hs, rec.Code, rec.Body)
		}
		var body struct{ User auth.User }
		webtest.Decode(t, rec, &body)
		if body.User.ID != u.ID || body.User.Username != "kate" {
			t.Errorf("hs256=%v: profile user = %+v", hs, body.User)
		}
	}
}

func TestProfileRejects(t *testing.T) {
	f := newFixture(t, options{})
	f.mustRegister("liam", "liam@example.com", goodPassword, true)
	tok := f.mustLogin("liam", goodPassword)
	parts := strings.Split(tok, ".")
	tampered := parts[0] + "." + parts[1] + "x." + parts[2]
	for name, bearer := range map[string]string{
		"no token": "",
		"garbage":  "not-a-token",
		"tampered": tampered,
		"bad sig":  parts[0] + "." + parts[1] + "." + strings.Repeat("A", len(parts[2])),
	} {
		rec := f.do("GET", "/profile", nil, bearer)
		webtest.WantProblem(t, rec, http.StatusUnauthorized)
		if !strings.HasPrefix(rec.Header().Get("WWW-Authenticate"), "Bearer") {
			t.Errorf("%s: WWW-Authenticate = %q", name, rec.Header().Get("WWW-Authenticate"))
		}
	}
	f.clock.Advance(16 * time.Minute)
	webtest.WantProblem(t, f.do("GET", "/profile", nil, tok), http.StatusUnauthorized)
}

func TestJWKSVerifiesIssuedTokensAcrossRotation(t *testing.T) {
	f := newFixture(t, options{})
	f.mustRegister("mia", "mia@example.com", goodPassword, true)
	before := f.mustLogin("mia", goodPassword)
	newKid, err := f.keys.Rotate(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	after := f.mustLogin("mia", goodPassword)

	rec := f.do("GET", "/.well-known/jwks.json", nil, "")
	if rec.Code != http.StatusOK {
		t.Fatalf("jwks = %d", rec.Code)
	}
	var set token.JWKSet
	if err := json.Unmarshal(rec.Body.Bytes(), &set); err != nil {
		t.Fatal(err)
	}
	keys := token.StaticKeys{}
	for _, k := range set.Keys {
		if k.Kty != "OKP" || k.Crv != "Ed25519" || k.Alg != "EdDSA" || k.Kid == "" {
			t.Errorf("jwk = %+v", k)
		}
		pub, err := k.Ed25519()
		if err != nil {
			t.Fatal(err)
		}
		keys[k.Kid] = ed25519.PublicKey(pub)
	}
	if len(keys) != 2 || keys[newKid] == nil {
		t.Fatalf("jwks after rotation has %d keys, want old and new (%s)", len(keys), newKid)
	}
	v, err := token.NewVerifier(token.Config{Algorithm: "EdDSA", Keys: keys, Issuer: "bizy-auth", Audience: "bizy", Now: f.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	for name, tok := range map[string]string{"old key": before, "new key": after} {
		if _, err := v.Verify(context.Background(), tok); err != nil {
			t.Errorf("%s: %v", name, err)
		}
		if rec := f.do("GET", "/profile", nil, tok); rec.Code != http.StatusOK {
			t.Errorf("%s: profile = %d", name, rec.Code)
		}
	}
	// Once every token the old key signed has expired, it is no longer published.
	f.clock.Advance(15*time.Minute + 2*time.Minute)
	rec = f.do("GET", "/.well-known/jwks.json", nil, "")
	set = token.JWKSet{}
	if err := json.Unmarshal(rec.Body.Bytes(), &set); err != nil {
		t.Fatal(err)
	}
	if len(set.Keys) != 1 || set.Keys[0].Kid != newKid {
		t.Fatalf("jwks long after rotation = %+v, want only %s", set.Keys, newKid)
	}
}

func TestJWKSEmptyUnderHS256(t *testing.T) {
	f := newFixture(t, options{hs256: true})
	rec := f.do("GET", "/.well-known/jwks.json", nil, "")
	if rec.Code != http.StatusOK || strings.TrimSpace(rec.Body.String()) != `{"keys":[]}` {
		t.Fatalf("jwks under HS256 = %d %s", rec.Code, rec.Body)
	}
}

// TestRevokedSessionIsRefusedAtOnce: after a password change from one
// session, the user's other session's token is refused by the auth service
// even though it has not expired; the caller's own keeps working.
func TestRevokedSessionIsRefusedAtOnce(t *testing.T) {
	f := newFixture(t, options{})
	f.mustRegister("olga", "olga@example.com", goodPassword, true)
	mine, other := f.mustLogin("olga", goodPassword), f.mustLogin("olga", goodPassword)
	rec := f.do("POST", "/change-password", map[string]string{"current_password": goodPassword, "new_password": "N3w!Horse-Pass"}, mine)
	if rec.Code != http.StatusOK {
		t.Fatalf("change-password = %d %s", rec.Code, rec.Body)
	}
	if rec := f.do("GET", "/profile", nil, mine); rec.Code != http.StatusOK {
		t.Fatalf("caller's session after the change = %d", rec.Code)
	}
	p := webtest.WantProblem(t, f.do("GET", "/profile", nil, other), http.StatusUnauthorized)
	if p.Code != "session_revoked" {
		t.Errorf("code = %q", p.Code)
	}
}
