package token

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestSignRoundTrip(t *testing.T) {
	hs, err := NewHS256Signer(testSecret)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name       string
		signer     *Signer
		cfg        Config
		wantHeader map[string]any
	}{
		{"EdDSA", NewEdDSASigner("k1", testPriv), Config{Algorithm: EdDSA},
			map[string]any{"alg": "EdDSA", "typ": "JWT", "kid": "k1"}},
		{"HS256", hs, Config{Algorithm: HS256},
			map[string]any{"alg": "HS256", "typ": "JWT"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.signer.Algorithm(); got != tt.name {
				t.Errorf("Algorithm() = %q", got)
			}
			want := goodClaims()
			want.NotBefore = t0.Add(-time.Second)
			want.IsAdmin = true
			raw := mustSign(t, tt.signer, want)

			var header map[string]any
			seg, _ := base64.RawURLEncoding.DecodeString(strings.Split(raw, ".")[0])
			if err := json.Unmarshal(seg, &header); err != nil || !reflect.DeepEqual(header, tt.wantHeader) {
				t.Errorf("header = %v (%v), want %v", header, err, tt.wantHeader)
			}

			tt.cfg.Now = func() time.Time { return t0 }
			got, err := mustVerifier(t, tt.cfg).Verify(context.Background(), raw)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(*got, want) {
				t.Errorf("claims = %+v\nwant %+v", *got, want)
			}
		})
	}
}

func TestClaimsJSON(t *testing.T) {
	c := goodClaims()
	b, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"iss":"bizy-auth","sub":"0b6f8b1e-5c1a-4e8e-9d61-3f1f6b0c2a11","aud":"bizy",` +
		`"exp":` + strconv.FormatInt(t0.Unix()+900, 10) + `,"iat":` + strconv.FormatInt(t0.Unix(), 10) + `,"jti":"jti-1","sid":"sid-1",` +
		`"user_id":"0b6f8b1e-5c1a-4e8e-9d61-3f1f6b0c2a11","username":"alice",` +
		`"email":"alice@example.com","is_admin":false,"email_verified":true}`
	if string(b) != want {
		t.Errorf("json = %s\nwant %s", b, want)
	}
	var back Claims
	if err := json.Unmarshal(b, &back); err != nil || !reflect.DeepEqual(back, c) {
		t.Errorf("round trip = %+v, %v", back, err)
	}

	c.Audience = []string{"a", "b"}
	b, _ = json.Marshal(c)
	if !strings.Contains(string(b), `"aud":["a","b"]`) {
		t.Errorf("two audiences encoded as %s", b)
	}
}

func TestSignerErrors(t *testing.T) {
	if _, err := NewHS256Signer(testSecret[:31]); !errors.Is(err, ErrShortSecret) {
		t.Errorf("NewHS256Signer(31 bytes) = %v, want ErrShortSecret", err)
	}
	if _, err := NewEdDSASigner("", testPriv).Sign(goodClaims()); err == nil {
		t.Error("Sign without kid succeeded")
	}
	if _, err := NewEdDSASigner("k1", testPriv[:10]).Sign(goodClaims()); err == nil {
		t.Error("Sign with a bad key succeeded")
	}
}

func TestJWKSetJSON(t *testing.T) {
	set := JWKSet{Keys: []JWK{Ed25519JWK("k1", testPub)}}
	b, err := json.Marshal(set)
	if err != nil {
		t.Fatal(err)
	}
	x := base64.RawURLEncoding.EncodeToString(testPub)
	want := `{"keys":[{"kty":"OKP","crv":"Ed25519","x":"` + x + `","kid":"k1","alg":"EdDSA","use":"sig"}]}`
	if string(b) != want {
		t.Errorf("JWKS = %s\nwant %s", b, want)
	}
	if b, _ := json.Marshal(JWKSet{Keys: []JWK{}}); string(b) != `{"keys":[]}` {
		t.Errorf("empty JWKS = %s", b)
	}
	pub, err := set.Keys[0].Ed25519()
	if err != nil || !pub.Equal(testPub) {
		t.Errorf("Ed25519() = %x, %v", pub, err)
	}
}

func TestJWKEd25519Rejects(t *testing.T) {
	good := Ed25519JWK("k1", testPub)
	tests := map[string]func(k *JWK){
		"RSA":       func(k *JWK) { k.Kty = "RSA" },
		"X25519":    func(k *JWK) { k.Crv = "X25519" },
		"AlgRS256":  func(k *JWK) { k.Alg = "RS256" },
		"UseEnc":    func(k *JWK) { k.Use = "enc" },
		"ShortX":    func(k *JWK) { k.X = k.X[:20] },
		"PaddedX":   func(k *JWK) { k.X += "=" },
		"StdBase64": func(k *JWK) { k.X = base64.StdEncoding.EncodeToString(make([]byte, 32)) },
	}
	for name, mod := range tests {
		t.Run(name, func(t *testing.T) {
			k := good
			mod(&k)
			if _, err := k.Ed25519(); err == nil {
				t.Errorf("Ed25519() accepted %+v", k)
			}
		})
	}
}
