package token

import (
	"crypto/ed25519"
	"errors"
	"fmt"

	"github.com/golang-jwt/jwt/v5"
)

// Algorithm names accepted in Config.Algorithm and returned by
// Signer.Algorithm.
const (
	EdDSA = "EdDSA"
	HS256 = "HS256"
)

// MinSecretSize is the shortest HS256 secret, in bytes, that NewHS256Signer
// and NewVerifier accept (RFC 7518 §3.2: at least the hash size).
const MinSecretSize = 32

// A Signer signs access tokens with one key. It is immutable and safe for
// concurrent use.
type Signer struct {
	method jwt.SigningMethod
	key    any // ed25519.PrivateKey or []byte
	kid    string
}

// NewEdDSASigner returns a Signer that signs with the Ed25519 private key
// and writes the header {"alg":"EdDSA","kid":kid,"typ":"JWT"}. It does not
// validate its arguments; Sign fails if kid is empty or key is not an
// Ed25519 private key.
func NewEdDSASigner(kid string, key ed25519.PrivateKey) *Signer {
	return &Signer{method: jwt.SigningMethodEdDSA, key: key, kid: kid}
}

// NewHS256Signer returns a Signer that signs with HMAC-SHA256 under secret,
// which it copies. It returns ErrShortSecret if secret is shorter than
// MinSecretSize bytes. HS256 tokens carry no kid.
func NewHS256Signer(secret []byte) (*Signer, error) {
	if len(secret) < MinSecretSize {
		return nil, ErrShortSecret
	}
	return &Signer{method: jwt.SigningMethodHS256, key: append([]byte(nil), secret...)}, nil
}

// Algorithm returns the alg header value the Signer writes: EdDSA or HS256.
func (s *Signer) Algorithm() string { return s.method.Alg() }

// Sign returns the compact JWS of c. It signs whatever it is given: checking
// that c carries exp, aud, sid and the rest is left to the Verifier, so a
// caller should set them. Times are truncated to whole seconds. It returns an
// error only for an unusable key.
func (s *Signer) Sign(c Claims) (string, error) {
	if s.method == jwt.SigningMethodEdDSA {
		if s.kid == "" {
			return "", errors.New("token: EdDSA signer needs a kid")
		}
		if k, ok := s.key.(ed25519.PrivateKey); !ok || len(k) != ed25519.PrivateKeySize {
			return "", errors.New("token: EdDSA signer needs an Ed25519 private key")
		}
	}
	w := wireOf(c)
	t := jwt.NewWithClaims(s.method, &w)
	if s.kid != "" {
		t.Header["kid"] = s.kid
	}
	raw, err := t.SignedString(s.key)
	if err != nil {
		return "", fmt.Errorf("token: sign: %w", err)
	}
	return raw, nil
}
