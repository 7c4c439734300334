package token

import (
	"context"
	"crypto/ed25519"
	"crypto/rsa"
	"encoding/base64"
	"fmt"
	"math/big"
)

// A JWK is a JSON Web Key (RFC 7517) restricted to what Bizy publishes: an
// Ed25519 public key as an OKP key (RFC 8037), e.g.
// {"kty":"OKP","crv":"Ed25519","x":"...","kid":"k1","alg":"EdDSA","use":"sig"},
// or the RSA key of the OpenID provider's ID tokens (kty "RSA", n and e),
// which the Verifier skips.
type JWK struct {
	Kty string `json:"kty"`
	Crv string `json:"crv,omitempty"`
	X   string `json:"x,omitempty"` // base64url, unpadded
	N   string `json:"n,omitempty"` // RSA modulus, base64url
	E   string `json:"e,omitempty"` // RSA exponent, base64url
	Kid string `json:"kid,omitempty"`
	Alg string `json:"alg,omitempty"`
	Use string `json:"use,omitempty"`
}

// A JWKSet is a JWK Set document, as served at /.well-known/jwks.json.
type JWKSet struct {
	Keys []JWK `json:"keys"`
}

// Ed25519JWK returns the JWK publishing pub under kid for EdDSA signatures.
func Ed25519JWK(kid string, pub ed25519.PublicKey) JWK {
	return JWK{
		Kty: "OKP",
		Crv: "Ed25519",
		X:   base64.RawURLEncoding.EncodeToString(pub),
		Kid: kid,
		Alg: EdDSA,
		Use: "sig",
	}
}

// RSAJWK returns the JWK publishing pub under kid for RS256 signatures.
func RSAJWK(kid string, pub *rsa.PublicKey) JWK {
	return JWK{
		Kty: "RSA",
		N:   base64.RawURLEncoding.EncodeToString(pub.N.Bytes()),
		E:   base64.RawURLEncoding.EncodeToString(big.NewInt(int64(pub.E)).Bytes()),
		Kid: kid,
		Alg: "RS256",
		Use: "sig",
	}
}

// Ed25519 returns the Ed25519 public key in k. It returns an error unless k
// is an OKP/Ed25519 key whose x decodes to 32 bytes, and whose alg and use,
// when present, are EdDSA and sig.
func (k JWK) Ed25519() (ed25519.PublicKey, error) {
	switch {
	case k.Kty != "OKP" || k.Crv != "Ed25519":
		return nil, fmt.Errorf("token: jwk %q: not an Ed25519 key (kty %q, crv %q)", k.Kid, k.Kty, k.Crv)
	case k.Alg != "" && k.Alg != EdDSA:
		return nil, fmt.Errorf("token: jwk %q: alg %q is not EdDSA", k.Kid, k.Alg)
	case k.Use != "" && k.Use != "sig":
		return nil, fmt.Errorf("token: jwk %q: use %q is not sig", k.Kid, k.Use)
	}
	b, err := base64.RawURLEncoding.Strict().DecodeString(k.X)
	if err != nil || len(b) != ed25519.PublicKeySize {
		return nil, fmt.Errorf("token: jwk %q: x is not a base64url 32-byte key", k.Kid)
	}
	return ed25519.PublicKey(b), nil
}

// A KeySource finds the Ed25519 public key that verifies tokens carrying a
// kid. PublicKey returns an error wrapping ErrUnknownKey when it has no such
// key; any other error is passed through by Verify. Implementations must be
// safe for concurrent use. StaticKeys and *JWKS implement it.
//
// A KeySource whose keys can be withdrawn should also have a method
// Generation() uint64 returning a counter that grows whenever a key is
// removed or replaced, as *JWKS does: a Verifier's cache re-verifies tokens
// cached under an older generation. Without it, cached tokens of a
// withdrawn key keep verifying until their exp.
type KeySource interface {
	PublicKey(ctx context.Context, kid string) (ed25519.PublicKey, error)
}

// StaticKeys is a fixed KeySource mapping kid to public key. It is safe for
// concurrent use as long as the map is not modified.
type StaticKeys map[string]ed25519.PublicKey

// Generation returns 0: a StaticKeys never withdraws a key.
func (s StaticKeys) Generation() uint64 { return 0 }

// PublicKey returns the key for kid, or ErrUnknownKey.
func (s StaticKeys) PublicKey(_ context.Context, kid string) (ed25519.PublicKey, error) {
	if k, ok := s[kid]; ok {
		return k, nil
	}
	return nil, fmt.Errorf("%w: kid %q", ErrUnknownKey, kid)
}
