package token

import (
	"context"
	"strings"
	"testing"
)

// FuzzVerify feeds Verify arbitrary strings, seeded with good tokens and
// their mutations. Nothing may panic, and anything that verifies must be
// the one genuine token it came from: a changed byte never passes.
func FuzzVerify(f *testing.F) {
	ed := NewEdDSASigner("k1", testPriv)
	hs, err := NewHS256Signer(testSecret)
	if err != nil {
		f.Fatal(err)
	}
	edTok, hsTok := mustSign(f, ed, goodClaims()), mustSign(f, hs, goodClaims())
	for _, s := range []string{edTok, hsTok, "", ".", "..", "a.b.c", strings.Repeat("A", 100),
		edTok[:len(edTok)-1], hsTok + "x", strings.Replace(edTok, ".", "..", 1)} {
		f.Add(s)
	}
	clk := newClock()
	edV, err := NewVerifier(Config{Algorithm: EdDSA, Keys: StaticKeys{"k1": testPub}, Issuer: testIssuer, Audience: testAudience, Now: clk.Now})
	if err != nil {
		f.Fatal(err)
	}
	hsV, err := NewVerifier(Config{Algorithm: HS256, Secret: testSecret, Issuer: testIssuer, Audience: testAudience, Now: clk.Now})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		if _, err := edV.Verify(context.Background(), raw); err == nil && raw != edTok {
			t.Fatalf("EdDSA verifier accepted a token it did not sign: %q", raw)
		}
		if _, err := hsV.Verify(context.Background(), raw); err == nil && raw != hsTok {
			t.Fatalf("HS256 verifier accepted a token it did not sign: %q", raw)
		}
	})
}
