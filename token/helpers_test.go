package token

import (
	"bytes"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

const (
	testIssuer   = "bizy-auth"
	testAudience = "bizy"
)

var (
	t0         = time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	testPriv   = ed25519.NewKeyFromSeed(bytes.Repeat([]byte{1}, 32))
	testPub    = testPriv.Public().(ed25519.PublicKey)
	otherPriv  = ed25519.NewKeyFromSeed(bytes.Repeat([]byte{2}, 32))
	testSecret = []byte("0123456789abcdef0123456789abcdef")
)

// clock is a fake clock; tests advance it instead of sleeping.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: t0} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// goodClaims are valid at t0 for 15 minutes.
func goodClaims() Claims {
	return Claims{
		Issuer:        testIssuer,
		Subject:       "0b6f8b1e-5c1a-4e8e-9d61-3f1f6b0c2a11",
		Audience:      []string{testAudience},
		ExpiresAt:     t0.Add(15 * time.Minute),
		IssuedAt:      t0,
		ID:            "jti-1",
		SessionID:     "sid-1",
		UserID:        "0b6f8b1e-5c1a-4e8e-9d61-3f1f6b0c2a11",
		Username:      "alice",
		Email:         "alice@example.com",
		EmailVerified: true,
	}
}

// claimsMap returns goodClaims as a JSON object, edited by mod.
func claimsMap(t *testing.T, mod func(m map[string]any)) map[string]any {
	t.Helper()
	b, err := json.Marshal(goodClaims())
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	if mod != nil {
		mod(m)
	}
	return m
}

func b64(t *testing.T, v any) string {
	t.Helper()
	if s, ok := v.(string); ok {
		return base64.RawURLEncoding.EncodeToString([]byte(s))
	}
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// mustCraft builds a token from any header and payload, signed with method
// and key, or with an empty signature when method is nil.
func mustCraft(t *testing.T, header, payload any, method jwt.SigningMethod, key any) string {
	t.Helper()
	signing := b64(t, header) + "." + b64(t, payload)
	if method == nil {
		return signing + "."
	}
	sig, err := method.Sign(signing, key)
	if err != nil {
		t.Fatal(err)
	}
	return signing + "." + base64.RawURLEncoding.EncodeToString(sig)
}

func edHeader(kid string) map[string]any {
	h := map[string]any{"alg": "EdDSA", "typ": "JWT"}
	if kid != "" {
		h["kid"] = kid
	}
	return h
}

// mustEdDSA signs m with testPriv under kid "k1".
func mustEdDSA(t *testing.T, m map[string]any) string {
	t.Helper()
	return mustCraft(t, edHeader("k1"), m, jwt.SigningMethodEdDSA, testPriv)
}

func mustSign(t testing.TB, s *Signer, c Claims) string {
	t.Helper()
	raw, err := s.Sign(c)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

func mustVerifier(t testing.TB, cfg Config) *Verifier {
	t.Helper()
	if cfg.Issuer == "" {
		cfg.Issuer = testIssuer
	}
	if cfg.Audience == "" {
		cfg.Audience = testAudience
	}
	if cfg.Algorithm == "" {
		cfg.Algorithm = EdDSA
	}
	if cfg.Algorithm == EdDSA && cfg.Keys == nil {
		cfg.Keys = StaticKeys{"k1": testPub}
	}
	if cfg.Algorithm == HS256 && cfg.Secret == nil {
		cfg.Secret = testSecret
	}
	v, err := NewVerifier(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// tamper replaces the payload of raw with m, keeping its header and
// signature: an attacker raising their privileges.
func tamper(t *testing.T, raw string, m map[string]any) string {
	t.Helper()
	parts := strings.Split(raw, ".")
	parts[1] = b64(t, m)
	return strings.Join(parts, ".")
}
