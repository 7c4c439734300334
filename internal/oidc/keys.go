package oidc

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"fmt"
	"sync"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/bizy-auth/bizy/internal/auth"
	"github.com/bizy-auth/bizy/token"
)

// Algorithms of ID tokens and client access tokens: RS256, which every
// relying party accepts (the default), or EdDSA, per client, signed with
// the Ed25519 key of Bizy's own access tokens.
const (
	Algorithm = "RS256"
	EdDSA     = "EdDSA"
)

// rsaBits is the size of the RSA keys made.
const rsaBits = 2048

// keysReload is how long a Keys trusts its copy before reading the store
// again, so a rotation made elsewhere reaches every copy within it.
const keysReload = 10 * time.Second

// Keys holds the RSA keys kept in an auth.KeyStore beside the Ed25519
// keys of access tokens: the newest signs, and retired ones stay
// published until the tokens they signed have expired. It also reads the
// Ed25519 keys (made and rotated by auth.KeyRing) for clients whose
// tokens are EdDSA. It is safe for concurrent use.
type Keys struct {
	store  auth.KeyStore
	now    func() time.Time
	keepBy time.Duration

	mu       sync.Mutex
	loadedAt time.Time
	keys     []rsaKey // newest first; keys[0] signs
	ed       []edKey  // the same for Ed25519
}

type rsaKey struct {
	id      string
	private *rsa.PrivateKey
}

type edKey struct {
	id      string
	private ed25519.PrivateKey
}

// NewKeys returns Keys over store whose retired keys stay published for
// ttl (the longest lifetime of a token they sign) plus a minute.
func NewKeys(store auth.KeyStore, ttl time.Duration, now func() time.Time) *Keys {
	if now == nil {
		now = time.Now
	}
	return &Keys{store: store, now: now, keepBy: ttl + time.Minute}
}

// Ensure makes a first RSA key when the store has none.
func (k *Keys) Ensure(ctx context.Context) error {
	keys, err := k.load(ctx, 0)
	if err != nil {
		return err
	}
	if len(keys) > 0 {
		return nil
	}
	_, err = k.Rotate(ctx)
	return err
}

// Rotate makes a new RSA signing key, retires the current one, and
// returns the new kid.
func (k *Keys) Rotate(ctx context.Context) (string, error) {
	priv, err := rsa.GenerateKey(rand.Reader, rsaBits)
	if err != nil {
		return "", err
	}
	pub := x509.MarshalPKCS1PublicKey(&priv.PublicKey)
	sum := sha256.Sum256(pub)
	kid := base64.RawURLEncoding.EncodeToString(sum[:12])
	key := auth.SigningKey{ID: kid, Algorithm: Algorithm, PrivateKey: x509.MarshalPKCS1PrivateKey(priv),
		PublicKey: pub, CreatedAt: k.now().UTC()}
	if err := k.store.AddSigningKey(ctx, key); err != nil {
		return "", fmt.Errorf("store RSA signing key: %w", err)
	}
	k.mu.Lock()
	k.loadedAt = time.Time{}
	k.mu.Unlock()
	return kid, nil
}

// load returns the published RSA keys, newest first, reading the store
// again when the copy held is older than maxAge.
func (k *Keys) load(ctx context.Context, maxAge time.Duration) ([]rsaKey, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	now := k.now()
	if !k.loadedAt.IsZero() && now.Sub(k.loadedAt) < maxAge {
		return k.keys, nil
	}
	all, err := k.store.SigningKeys(ctx, now.Add(-k.keepBy))
	if err != nil {
		return nil, err
	}
	var keys []rsaKey
	var ed []edKey
	for _, sk := range all {
		if sk.Algorithm == EdDSA && len(sk.PrivateKey) == ed25519.PrivateKeySize {
			if sk.RetiredAt.IsZero() {
				ed = append([]edKey{{sk.ID, sk.PrivateKey}}, ed...)
			} else {
				ed = append(ed, edKey{sk.ID, sk.PrivateKey})
			}
		}
		if sk.Algorithm != Algorithm {
			continue
		}
		priv, err := x509.ParsePKCS1PrivateKey(sk.PrivateKey)
		if err != nil {
			return nil, fmt.Errorf("RSA signing key %s: %w", sk.ID, err)
		}
		if sk.RetiredAt.IsZero() {
			keys = append([]rsaKey{{sk.ID, priv}}, keys...)
		} else {
			keys = append(keys, rsaKey{sk.ID, priv})
		}
	}
	k.keys, k.ed, k.loadedAt = keys, ed, now
	return keys, nil
}

// signing returns the key that signs for alg.
func (k *Keys) signing(ctx context.Context, alg string) (signingKey, error) {
	keys, err := k.load(ctx, keysReload)
	if err != nil {
		return signingKey{}, err
	}
	if alg == EdDSA {
		k.mu.Lock()
		defer k.mu.Unlock()
		if len(k.ed) == 0 {
			return signingKey{}, fmt.Errorf("no Ed25519 signing key for an EdDSA client (JWT_ALGORITHM is HS256?)")
		}
		return signingKey{k.ed[0].id, jose.EdDSA, k.ed[0].private}, nil
	}
	if len(keys) == 0 {
		return signingKey{}, fmt.Errorf("no RSA signing key; run `bizy keys rotate`")
	}
	return signingKey{keys[0].id, jose.RS256, keys[0].private}, nil
}

// published returns the RSA public keys to publish, at most a second old.
func (k *Keys) published(ctx context.Context) ([]rsaKey, error) {
	return k.load(ctx, time.Second)
}

// verifying returns every public key op may check a token of its own
// with (access tokens at userinfo and introspection, id_token_hint).
func (k *Keys) verifying(ctx context.Context) ([]publicKey, error) {
	keys, err := k.published(ctx)
	if err != nil {
		return nil, err
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	var out []publicKey
	for _, key := range keys {
		out = append(out, publicKey{key.id, jose.RS256, &key.private.PublicKey})
	}
	for _, key := range k.ed {
		out = append(out, publicKey{key.id, jose.EdDSA, key.private.Public()})
	}
	return out, nil
}

// AddTo appends the published RSA public keys to set, for the one JWKS
// at /.well-known/jwks.json.
func (k *Keys) AddTo(ctx context.Context, set token.JWKSet) (token.JWKSet, error) {
	keys, err := k.published(ctx)
	if err != nil {
		return set, err
	}
	for _, key := range keys {
		set.Keys = append(set.Keys, token.RSAJWK(key.id, &key.private.PublicKey))
	}
	return set, nil
}

// signingKey and publicKey are keys as op takes them (op.SigningKey,
// op.Key).
type signingKey struct {
	id  string
	alg jose.SignatureAlgorithm
	key any
}

func (s signingKey) SignatureAlgorithm() jose.SignatureAlgorithm { return s.alg }
func (s signingKey) Key() any                                    { return s.key }
func (s signingKey) ID() string                                  { return s.id }

type publicKey struct {
	id  string
	alg jose.SignatureAlgorithm
	key any
}

func (p publicKey) ID() string                         { return p.id }
func (p publicKey) Algorithm() jose.SignatureAlgorithm { return p.alg }
func (p publicKey) Use() string                        { return "sig" }
func (p publicKey) Key() any                           { return p.key }
