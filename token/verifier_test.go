package token

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

func TestVerifyEdDSA(t *testing.T) {
	good := mustEdDSA(t, claimsMap(t, nil))
	edit := func(mod func(m map[string]any)) string { return mustEdDSA(t, claimsMap(t, mod)) }
	at := func(d time.Duration) float64 { return float64(t0.Add(d).Unix()) }

	tests := []struct {
		name string
		raw  string
		want error
	}{
		{"Valid", good, nil},
		{"AudienceArray", edit(func(m map[string]any) { m["aud"] = []string{"other", testAudience} }), nil},
		{"ExpiredWithinLeeway", edit(func(m map[string]any) { m["iat"], m["exp"] = at(-time.Hour), at(-29*time.Second) }), nil},
		{"IssuedAtWithinLeeway", edit(func(m map[string]any) { m["iat"] = at(29 * time.Second) }), nil},

		{"AlgNone", mustCraft(t, map[string]any{"alg": "none", "typ": "JWT"}, claimsMap(t, nil), nil, nil), ErrAlgorithm},
		{"AlgNoneWithKid", mustCraft(t, map[string]any{"alg": "none", "kid": "k1"}, claimsMap(t, nil), nil, nil), ErrAlgorithm},
		{"HS256WithPublicKeyAsSecret", mustCraft(t, map[string]any{"alg": "HS256", "kid": "k1"}, claimsMap(t, nil), jwt.SigningMethodHS256, []byte(testPub)), ErrAlgorithm},
		{"UnknownAlg", mustCraft(t, map[string]any{"alg": "XYZ", "kid": "k1"}, claimsMap(t, nil), nil, nil) + "c2ln", ErrAlgorithm},
		{"RS256Header", mustCraft(t, map[string]any{"alg": "RS256", "kid": "k1"}, claimsMap(t, nil), nil, nil) + "c2ln", ErrAlgorithm},

		{"TamperedPayload", tamper(t, good, claimsMap(t, func(m map[string]any) { m["is_admin"] = true })), ErrBadSignature},
		{"WrongKey", mustCraft(t, edHeader("k1"), claimsMap(t, nil), jwt.SigningMethodEdDSA, otherPriv), ErrBadSignature},
		{"ShortSignature", good[:strings.LastIndex(good, ".")+1] + b64(t, "short"), ErrBadSignature},

		{"ExpiredBeyondLeeway", edit(func(m map[string]any) { m["iat"], m["exp"] = at(-time.Hour), at(-31*time.Second) }), ErrExpired},
		{"IssuedAfterExpiry", edit(func(m map[string]any) { m["iat"], m["exp"] = at(-10*time.Second), at(-20*time.Second) }), ErrLifetime},
		{"NotBeforeInFuture", edit(func(m map[string]any) { m["nbf"] = at(time.Minute) }), ErrNotYetValid},
		{"IssuedAtInFuture", edit(func(m map[string]any) { m["iat"] = at(time.Minute) }), ErrNotYetValid},
		{"WrongIssuer", edit(func(m map[string]any) { m["iss"] = "evil" }), ErrIssuer},
		{"MissingIssuer", edit(func(m map[string]any) { delete(m, "iss") }), ErrIssuer},
		{"WrongAudience", edit(func(m map[string]any) { m["aud"] = "other" }), ErrAudience},
		{"WrongAudienceArray", edit(func(m map[string]any) { m["aud"] = []string{"a", "b"} }), ErrAudience},

		{"MissingExp", edit(func(m map[string]any) { delete(m, "exp") }), ErrMissingClaim},
		{"MissingAud", edit(func(m map[string]any) { delete(m, "aud") }), ErrMissingClaim},
		{"EmptyAudArray", edit(func(m map[string]any) { m["aud"] = []string{} }), ErrMissingClaim},
		{"MissingSub", edit(func(m map[string]any) { delete(m, "sub") }), ErrMissingClaim},
		{"MissingUserID", edit(func(m map[string]any) { delete(m, "user_id") }), ErrMissingClaim},
		{"MissingSid", edit(func(m map[string]any) { delete(m, "sid") }), ErrMissingClaim},

		{"MissingKid", mustCraft(t, edHeader(""), claimsMap(t, nil), jwt.SigningMethodEdDSA, testPriv), ErrUnknownKey},
		{"KidNotString", mustCraft(t, map[string]any{"alg": "EdDSA", "kid": 7}, claimsMap(t, nil), jwt.SigningMethodEdDSA, testPriv), ErrUnknownKey},
		{"UnknownKid", mustCraft(t, edHeader("k9"), claimsMap(t, nil), jwt.SigningMethodEdDSA, testPriv), ErrUnknownKey},

		{"Empty", "", ErrMalformed},
		{"Garbage", "hello", ErrMalformed},
		{"TwoSegments", "a.b", ErrMalformed},
		{"FourSegments", good + ".x", ErrMalformed},
		{"GarbageSegments", "a.b.c", ErrMalformed},
		{"HeaderNotJSON", b64(t, "{not json") + "." + b64(t, claimsMap(t, nil)) + ".c2ln", ErrMalformed},
		{"PayloadNotJSON", b64(t, edHeader("k1")) + "." + b64(t, "[1,2]") + ".c2ln", ErrMalformed},
		{"ExpNotNumber", edit(func(m map[string]any) { m["exp"] = "tomorrow" }), ErrMalformed},
		{"PaddedBase64", good + "==", ErrMalformed},
		{"Oversized", good + strings.Repeat("A", maxTokenSize), ErrMalformed},
		{"CritHeader", mustCraft(t, map[string]any{"alg": "EdDSA", "kid": "k1", "crit": []string{"x"}, "x": 1}, claimsMap(t, nil), jwt.SigningMethodEdDSA, testPriv), ErrMalformed},
		{"SubjectNotUserID", edit(func(m map[string]any) { m["sub"] = "someone-else" }), ErrMalformed},
	}
	// Each case runs twice, without and with the cache, to show the cache
	// never changes an answer.
	for _, size := range []int{0, 64} {
		v := mustVerifier(t, Config{Algorithm: EdDSA, Now: func() time.Time { return t0 }, CacheSize: size})
		for _, tt := range tests {
			t.Run(fmt.Sprintf("%s/cache=%d", tt.name, size), func(t *testing.T) {
				for range 2 {
					c, err := v.Verify(context.Background(), tt.raw)
					if !errors.Is(err, tt.want) || (tt.want == nil) != (err == nil) {
						t.Fatalf("Verify = %v, want %v", err, tt.want)
					}
					if err == nil && c.UserID != goodClaims().UserID {
						t.Errorf("UserID = %q", c.UserID)
					}
					if err != nil && c != nil {
						t.Errorf("claims returned with error")
					}
				}
			})
		}
	}
}

func TestVerifyHS256(t *testing.T) {
	v := mustVerifier(t, Config{Algorithm: HS256, Now: func() time.Time { return t0 }})
	hs := func(secret []byte, header map[string]any) string {
		return mustCraft(t, header, claimsMap(t, nil), jwt.SigningMethodHS256, secret)
	}
	tests := []struct {
		name string
		raw  string
		want error
	}{
		{"Valid", hs(testSecret, map[string]any{"alg": "HS256", "typ": "JWT"}), nil},
		{"ValidWithKid", hs(testSecret, map[string]any{"alg": "HS256", "kid": "ignored"}), nil},
		{"WrongSecret", hs([]byte("ffffffffffffffffffffffffffffffff"), map[string]any{"alg": "HS256"}), ErrBadSignature},
		{"EdDSAToken", mustEdDSA(t, claimsMap(t, nil)), ErrAlgorithm},
		{"HS512", mustCraft(t, map[string]any{"alg": "HS512"}, claimsMap(t, nil), jwt.SigningMethodHS512, testSecret), ErrAlgorithm},
		{"AlgNone", mustCraft(t, map[string]any{"alg": "none"}, claimsMap(t, nil), nil, nil), ErrAlgorithm},
		{"Tampered", tamper(t, hs(testSecret, map[string]any{"alg": "HS256"}), claimsMap(t, func(m map[string]any) { m["is_admin"] = true })), ErrBadSignature},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := v.Verify(context.Background(), tt.raw)
			if !errors.Is(err, tt.want) || (tt.want == nil) != (err == nil) {
				t.Fatalf("Verify = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestVerifyLeeway(t *testing.T) {
	raw := mustEdDSA(t, claimsMap(t, nil))
	exp := goodClaims().ExpiresAt
	tests := []struct {
		name   string
		leeway time.Duration
		now    time.Time
		want   error
	}{
		{"DefaultJustBefore", 0, exp.Add(DefaultLeeway - time.Nanosecond), nil},
		{"DefaultAt", 0, exp.Add(DefaultLeeway), ErrExpired},
		{"NoneJustBefore", -1, exp.Add(-time.Nanosecond), nil},
		{"NoneAt", -1, exp, ErrExpired},
		{"Custom", 2 * time.Minute, exp.Add(time.Minute), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := mustVerifier(t, Config{Leeway: tt.leeway, Now: func() time.Time { return tt.now }})
			if _, err := v.Verify(context.Background(), raw); !errors.Is(err, tt.want) || (tt.want == nil) != (err == nil) {
				t.Fatalf("Verify = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestVerifyMaxLifetime(t *testing.T) {
	at := func(d time.Duration) float64 { return float64(t0.Add(d).Unix()) }
	life := func(iat, exp time.Duration) string {
		return mustEdDSA(t, claimsMap(t, func(m map[string]any) { m["iat"], m["exp"] = at(iat), at(exp) }))
	}
	noIat := mustEdDSA(t, claimsMap(t, func(m map[string]any) { delete(m, "iat") }))
	const year = 365 * 24 * time.Hour
	tests := []struct {
		name string
		max  time.Duration
		raw  string
		want error
	}{
		{"Exact", 15 * time.Minute, life(0, 15*time.Minute), nil},
		{"WithinLeeway", 15 * time.Minute, life(-30*time.Second, 15*time.Minute), nil},
		{"BeyondLeeway", 15 * time.Minute, life(-31*time.Second, 15*time.Minute), ErrLifetime},
		{"TenYears", 15 * time.Minute, life(-time.Minute, 10*year), ErrLifetime},
		{"MissingIat", 15 * time.Minute, noIat, ErrMissingClaim},
		{"IssuedAfterExpiry", 15 * time.Minute, life(-10*time.Second, -20*time.Second), ErrLifetime},
		{"UnboundedTenYears", 0, life(-time.Minute, 10*year), nil},
		{"UnboundedMissingIat", 0, noIat, nil},
	}
	for _, size := range []int{0, 64} {
		for _, tt := range tests {
			t.Run(fmt.Sprintf("%s/cache=%d", tt.name, size), func(t *testing.T) {
				v := mustVerifier(t, Config{MaxLifetime: tt.max, Now: func() time.Time { return t0 }, CacheSize: size})
				for range 2 {
					_, err := v.Verify(context.Background(), tt.raw)
					if !errors.Is(err, tt.want) || (tt.want == nil) != (err == nil) {
						t.Fatalf("Verify = %v, want %v", err, tt.want)
					}
					if _, known := Reason(err); err != nil && !known {
						t.Errorf("Reason(%v) is not a token rejection", err)
					}
				}
			})
		}
	}
}

func TestVerifyKeySourceFailure(t *testing.T) {
	boom := errors.New("db down")
	v := mustVerifier(t, Config{Keys: failingKeys{boom}, Now: func() time.Time { return t0 }})
	_, err := v.Verify(context.Background(), mustEdDSA(t, claimsMap(t, nil)))
	if !errors.Is(err, boom) {
		t.Fatalf("Verify = %v, want it to wrap %v", err, boom)
	}
	if _, known := Reason(err); known {
		t.Errorf("Reason(%v) reports a token rejection", err)
	}
}

type failingKeys struct{ err error }

func (f failingKeys) PublicKey(context.Context, string) (ed25519.PublicKey, error) { return nil, f.err }

func TestNewVerifier(t *testing.T) {
	keys := StaticKeys{"k1": testPub}
	tests := []struct {
		name string
		cfg  Config
		want error // nil: any error; ignored when ok
		ok   bool
	}{
		{"EdDSA", Config{Algorithm: EdDSA, Keys: keys, Issuer: "i", Audience: "a"}, nil, true},
		{"HS256", Config{Algorithm: HS256, Secret: testSecret, Issuer: "i", Audience: "a"}, nil, true},
		{"None", Config{Algorithm: "none", Keys: keys, Issuer: "i", Audience: "a"}, ErrAlgorithm, false},
		{"Empty", Config{Keys: keys, Issuer: "i", Audience: "a"}, ErrAlgorithm, false},
		{"RS256", Config{Algorithm: "RS256", Keys: keys, Issuer: "i", Audience: "a"}, ErrAlgorithm, false},
		{"ShortSecret", Config{Algorithm: HS256, Secret: testSecret[:31], Issuer: "i", Audience: "a"}, ErrShortSecret, false},
		{"NoSecret", Config{Algorithm: HS256, Issuer: "i", Audience: "a"}, ErrShortSecret, false},
		{"EdDSAWithoutKeys", Config{Algorithm: EdDSA, Issuer: "i", Audience: "a"}, nil, false},
		{"NoIssuer", Config{Algorithm: EdDSA, Keys: keys, Audience: "a"}, nil, false},
		{"NoAudience", Config{Algorithm: EdDSA, Keys: keys, Issuer: "i"}, nil, false},
		{"NegativeCache", Config{Algorithm: EdDSA, Keys: keys, Issuer: "i", Audience: "a", CacheSize: -1}, nil, false},
		{"NegativeMaxLifetime", Config{Algorithm: EdDSA, Keys: keys, Issuer: "i", Audience: "a", MaxLifetime: -1}, nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := NewVerifier(tt.cfg)
			if tt.ok {
				if err != nil || v == nil {
					t.Fatalf("NewVerifier = %v, %v", v, err)
				}
				return
			}
			if err == nil || (tt.want != nil && !errors.Is(err, tt.want)) {
				t.Fatalf("NewVerifier error = %v, want %v", err, tt.want)
			}
		})
	}
}
