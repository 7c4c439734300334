package auth

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/bizy-auth/bizy/token"
)

// keyReload is how long a KeyRing trusts its copy of the signing keys before
// reading them again, so a `bizy keys rotate` or `bizy keys revoke` run
// elsewhere reaches every copy of the service within this time: the
// revocation bound of SPEC, since a revoked key must stop verifying.
const keyReload = 2 * time.Second

// jwksMaxAge is how old the keys served at the JWKS endpoint may be: fresh
// enough that a verifier that missed a kid finds a key made a moment ago,
// while a flood of JWKS requests costs at most one query a second.
const jwksMaxAge = time.Second

// TokenSigner gives the signer for the next access token.
type TokenSigner interface {
	Signer(ctx context.Context) (*token.Signer, error)
}

// StaticSigner is a TokenSigner that always returns one signer (HS256).
type StaticSigner struct{ S *token.Signer }

// Signer returns s.S.
func (s StaticSigner) Signer(context.Context) (*token.Signer, error) { return s.S, nil }

// KeyRing holds the Ed25519 signing keys kept in a KeyStore. It signs with
// the newest key, finds public keys by kid for verification (a token.KeySource)
// and lists the keys to publish. Retired keys are kept while tokens they
// signed may still be unexpired (the access token TTL plus a leeway). It is
// safe for concurrent use.
type KeyRing struct {
	store  KeyStore
	now    func() time.Time
	keepBy time.Duration // how long a retired key stays published

	gen atomic.Uint64 // reloads that withdrew a key (token.KeySource's Generation)

	mu       sync.Mutex
	loadedAt time.Time
	keys     []SigningKey
	signer   *token.Signer
}

// NewKeyRing returns a KeyRing over store that keeps retired keys published
// for accessTTL plus a minute of leeway.
func NewKeyRing(store KeyStore, accessTTL time.Duration, now func() time.Time) *KeyRing {
	if now == nil {
		now = time.Now
	}
	return &KeyRing{store: store, now: now, keepBy: accessTTL + time.Minute}
}

// Ensure makes a first signing key when the store has none.
func (k *KeyRing) Ensure(ctx context.Context) error {
	keys, err := k.store.SigningKeys(ctx, k.now().Add(-k.keepBy))
	if err != nil {
		return err
	}
	if _, ok := activeKey(EdDSAKeys(keys)); ok {
		return nil
	}
	_, err = k.Rotate(ctx)
	return err
}

// Rotate makes a new signing key, retires the current one and returns the
// new kid. Tokens signed with the old key stay verifiable until they expire.
func (k *KeyRing) Rotate(ctx context.Context) (string, error) {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(pub)
	kid := base64.RawURLEncoding.EncodeToString(sum[:12])
	key := SigningKey{ID: kid, Algorithm: "EdDSA", PrivateKey: priv, PublicKey: pub, CreatedAt: k.now().UTC()}
	if err := k.store.AddSigningKey(ctx, key); err != nil {
		return "", fmt.Errorf("store signing key: %w", err)
	}
	k.mu.Lock()
	k.loadedAt = time.Time{} // force a reload
	k.mu.Unlock()
	return kid, nil
}

// load returns the current keys, reading them again when the copy held is
// older than maxAge (0: always).
func (k *KeyRing) load(ctx context.Context, maxAge time.Duration) ([]SigningKey, *token.Signer, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	now := k.now()
	if k.signer != nil && now.Sub(k.loadedAt) < maxAge {
		return k.keys, k.signer, nil
	}
	all, err := k.store.SigningKeys(ctx, now.Add(-k.keepBy))
	if err != nil {
		return nil, nil, err
	}
	keys := EdDSAKeys(all)
	active, ok := activeKey(keys)
	if !ok {
		return nil, nil, fmt.Errorf("no active signing key; run `bizy keys rotate`")
	}
	if withdrawn(k.keys, keys) {
		k.gen.Add(1)
	}
	k.keys = keys
	k.signer = token.NewEdDSASigner(active.ID, ed25519.PrivateKey(active.PrivateKey))
	k.loadedAt = now
	return k.keys, k.signer, nil
}

// Signer returns the signer of the newest key.
func (k *KeyRing) Signer(ctx context.Context) (*token.Signer, error) {
	_, s, err := k.load(ctx, keyReload)
	return s, err
}

// PublicKey returns the public key for kid, reading the store again once
// when kid is unknown (another copy may have rotated). It returns
// token.ErrUnknownKey when the key is not there.
func (k *KeyRing) PublicKey(ctx context.Context, kid string) (ed25519.PublicKey, error) {
	keys, _, err := k.load(ctx, keyReload)
	if err != nil {
		return nil, err
	}
	if pub := findKey(keys, kid); pub != nil {
		return pub, nil
	}
	k.mu.Lock()
	recent := k.now().Sub(k.loadedAt) < time.Second
	k.mu.Unlock()
	if recent { // don't let random kids turn into a query each
		return nil, token.ErrUnknownKey
	}
	if keys, _, err = k.load(ctx, 0); err != nil {
		return nil, err
	}
	if pub := findKey(keys, kid); pub != nil {
		return pub, nil
	}
	return nil, token.ErrUnknownKey
}

// Generation reads the keys again when the copy held is older than the
// reload interval, and returns a counter that grows whenever a reload finds
// a key gone (revoked, or past its publication): a Verifier then checks
// its cached tokens afresh, so a revoked key's tokens stop passing here
// too, not only at the API. A failed reload keeps the counter.
func (k *KeyRing) Generation() uint64 {
	k.mu.Lock()
	stale := k.signer == nil || k.now().Sub(k.loadedAt) >= keyReload
	k.mu.Unlock()
	if stale { // called on every verification: no context or timer otherwise
		ctx, cancel := context.WithTimeout(context.Background(), keyReloadTimeout)
		_, _, _ = k.load(ctx, keyReload) // on failure the next call retries; Signer reports it
		cancel()
	}
	return k.gen.Load()
}

// keyReloadTimeout bounds the reload Generation may start, which has no
// caller's context.
const keyReloadTimeout = 2 * time.Second

// Revoke withdraws key kid at once: it is no longer published nor
// accepted here, its private key is erased, and if it was the signing key
// a new one is made first, so the service never lacks one. It returns the
// kid of the signing key after the revocation. API copies learn of it from
// the revocation feed. ErrNotFound for an unknown kid.
func (k *KeyRing) Revoke(ctx context.Context, kid string) (string, error) {
	keys, _, err := k.load(ctx, 0)
	if err != nil {
		return "", err
	}
	active, _ := activeKey(keys)
	current := active.ID
	if current == kid {
		if current, err = k.Rotate(ctx); err != nil {
			return "", err
		}
	}
	if err := k.store.RevokeSigningKey(ctx, kid, k.now().UTC()); err != nil {
		return "", err
	}
	k.mu.Lock()
	k.loadedAt = time.Time{} // force a reload
	k.mu.Unlock()
	return current, nil
}

// withdrawn reports whether a key of old is missing from next.
func withdrawn(old, next []SigningKey) bool {
	for _, o := range old {
		if !slices.ContainsFunc(next, func(n SigningKey) bool { return n.ID == o.ID }) {
			return true
		}
	}
	return false
}

// EdDSAKeys returns the Ed25519 keys of keys, in order: the store also
// holds the OpenID provider's RSA keys, which a KeyRing never uses.
func EdDSAKeys(keys []SigningKey) []SigningKey {
	out := make([]SigningKey, 0, len(keys))
	for _, key := range keys {
		if key.Algorithm == "EdDSA" {
			out = append(out, key)
		}
	}
	return out
}

// activeKey returns the key that signs: the one not retired.
func activeKey(keys []SigningKey) (SigningKey, bool) {
	for _, k := range keys {
		if k.RetiredAt.IsZero() {
			return k, true
		}
	}
	return SigningKey{}, false
}

func findKey(keys []SigningKey, kid string) ed25519.PublicKey {
	for _, key := range keys {
		if key.ID == kid {
			return ed25519.PublicKey(key.PublicKey)
		}
	}
	return nil
}

// JWKS returns the public keys to publish, at most jwksMaxAge old.
func (k *KeyRing) JWKS(ctx context.Context) (token.JWKSet, error) {
	keys, _, err := k.load(ctx, jwksMaxAge)
	if err != nil {
		return token.JWKSet{}, err
	}
	set := token.JWKSet{Keys: make([]token.JWK, 0, len(keys))}
	for _, key := range keys {
		set.Keys = append(set.Keys, token.Ed25519JWK(key.ID, ed25519.PublicKey(key.PublicKey)))
	}
	return set, nil
}
