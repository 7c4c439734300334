package token

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// DefaultLeeway is the clock skew tolerated when Config.Leeway is zero.
// Tokens are checked on other machines than the one that issued them, and a
// zero leeway would reject a fresh token whose iat is a second ahead of the
// verifier's clock; 30 s is small next to a 15-minute token lifetime.
const DefaultLeeway = 30 * time.Second

// maxTokenSize bounds the work an oversized token can cause; Bizy tokens
// are well under 1 KiB.
const maxTokenSize = 16 << 10

// Config configures NewVerifier.
type Config struct {
	// Algorithm is the only alg accepted: EdDSA or HS256.
	Algorithm string
	// Secret is the HS256 key, at least MinSecretSize bytes. It is copied.
	Secret []byte
	// Keys finds EdDSA public keys by kid; required for EdDSA.
	Keys KeySource
	// Issuer and Audience are required; iss must equal Issuer and aud
	// must contain Audience.
	Issuer, Audience string
	// Leeway is the clock skew allowed on exp, nbf and iat, and on
	// MaxLifetime. Zero means DefaultLeeway; a negative value means none.
	Leeway time.Duration
	// MaxLifetime, when positive, bounds the tokens accepted: each must
	// carry iat, and exp − iat must not exceed MaxLifetime plus Leeway.
	// Set it to the issuer's access-token lifetime so that a token minted
	// for years, say with a leaked or retired key, is refused. Zero means
	// no bound; a token's iat must never be after its exp regardless.
	MaxLifetime time.Duration
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// CacheSize, when positive, keeps up to that many verified tokens so
	// that verifying one again skips parsing and signature checking.
	// Zero disables the cache.
	CacheSize int
}

// A Verifier checks access tokens: the signature under the configured
// algorithm and key, then exp, nbf, iat, iss, aud, sub, user_id and sid.
// It is safe for concurrent use.
//
// With a cache (Config.CacheSize > 0) a token seen before is answered from
// memory, re-checking only exp, nbf and iat against the clock, so expiry
// stays exact. This gives the same answers as verifying afresh because
// everything else is a pure function of the token bytes, the configuration
// and the key. Keys can be withdrawn, so when the KeySource reports a
// Generation (see KeySource) that has changed since a token was cached,
// the token is verified afresh: once a JWKS has fetched a set without a
// key, cached tokens signed by that key stop verifying. For a KeySource
// without Generation, cached tokens stay valid until their exp, which
// MaxLifetime bounds. Session revocation is not a property of the token;
// callers check it separately by SessionID, on cached and uncached answers
// alike.
type Verifier struct {
	alg              string
	secret           []byte
	keys             KeySource
	gens             generationer // keys, if it reports generations
	issuer, audience string
	leeway           time.Duration
	maxLifetime      time.Duration
	now              func() time.Time
	parser           *jwt.Parser
	cache            *cache
}

// generationer is the optional KeySource method described on KeySource.
type generationer interface {
	Generation() uint64
}

// NewVerifier returns a Verifier for cfg. It returns an error wrapping
// ErrAlgorithm for an algorithm other than EdDSA or HS256, ErrShortSecret
// for HS256 with a secret under MinSecretSize bytes, and a plain error for
// EdDSA without Keys, an empty Issuer or Audience, or a negative CacheSize
// or MaxLifetime.
func NewVerifier(cfg Config) (*Verifier, error) {
	v := &Verifier{
		alg:         cfg.Algorithm,
		keys:        cfg.Keys,
		issuer:      cfg.Issuer,
		audience:    cfg.Audience,
		leeway:      cfg.Leeway,
		maxLifetime: cfg.MaxLifetime,
		now:         cfg.Now,
		parser:      jwt.NewParser(jwt.WithoutClaimsValidation(), jwt.WithStrictDecoding()),
	}
	switch cfg.Algorithm {
	case HS256:
		if len(cfg.Secret) < MinSecretSize {
			return nil, ErrShortSecret
		}
		v.secret = append([]byte(nil), cfg.Secret...)
	case EdDSA:
		if cfg.Keys == nil {
			return nil, errors.New("token: EdDSA verifier needs a KeySource")
		}
		v.gens, _ = cfg.Keys.(generationer)
	default:
		return nil, fmt.Errorf("%w: %q is not EdDSA or HS256", ErrAlgorithm, cfg.Algorithm)
	}
	if cfg.Issuer == "" || cfg.Audience == "" {
		return nil, errors.New("token: verifier needs an Issuer and an Audience")
	}
	switch {
	case v.leeway == 0:
		v.leeway = DefaultLeeway
	case v.leeway < 0:
		v.leeway = 0
	}
	if v.now == nil {
		v.now = time.Now
	}
	if v.maxLifetime < 0 {
		return nil, errors.New("token: negative MaxLifetime")
	}
	switch {
	case cfg.CacheSize < 0:
		return nil, errors.New("token: negative CacheSize")
	case cfg.CacheSize > 0:
		v.cache = newCache(cfg.CacheSize)
	}
	return v, nil
}

// Verify checks raw and returns its claims, which the caller owns. A
// rejection wraps exactly one of ErrMalformed, ErrAlgorithm, ErrUnknownKey,
// ErrBadSignature, ErrMissingClaim, ErrLifetime, ErrExpired, ErrNotYetValid,
// ErrIssuer or ErrAudience; an error from the KeySource other than
// ErrUnknownKey is returned wrapped as is. ctx is used only to look up keys.
func (v *Verifier) Verify(ctx context.Context, raw string) (*Claims, error) {
	now := v.now()
	if v.cache == nil {
		return v.verify(ctx, raw, now)
	}
	// The generation is read before the key is looked up, so an entry
	// never claims a newer key set than the one it was verified under.
	var gen uint64
	if v.gens != nil {
		gen = v.gens.Generation()
	}
	if e, ok := v.cache.get(raw); ok {
		if e.gen == gen {
			if err := v.checkTimes(now, e.claims); err != nil {
				if errors.Is(err, ErrExpired) {
					v.cache.remove(raw)
				}
				return nil, err
			}
			return clone(e.claims), nil
		}
		// The key set has changed since: its key may be gone.
		v.cache.remove(raw)
	}
	c, err := v.verify(ctx, raw, now)
	if err != nil {
		return nil, err
	}
	v.cache.put(raw, cacheEntry{claims: c, gen: gen})
	return clone(c), nil
}

func (v *Verifier) verify(ctx context.Context, raw string, now time.Time) (*Claims, error) {
	if len(raw) > maxTokenSize {
		return nil, fmt.Errorf("%w: longer than %d bytes", ErrMalformed, maxTokenSize)
	}
	var (
		w      wireClaims
		keyErr error
	)
	_, err := v.parser.ParseWithClaims(raw, &w, func(t *jwt.Token) (any, error) {
		k, err := v.key(ctx, t)
		keyErr = err
		return k, err
	})
	switch {
	case keyErr != nil:
		return nil, keyErr
	case err == nil:
	case errors.Is(err, jwt.ErrTokenSignatureInvalid):
		return nil, fmt.Errorf("%w: %v", ErrBadSignature, err)
	case errors.Is(err, jwt.ErrTokenUnverifiable):
		// The jwt package knows no such alg.
		return nil, fmt.Errorf("%w: %v", ErrAlgorithm, err)
	default:
		return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	return v.check(now, &w)
}

// key returns the verification key for t after checking its header.
func (v *Verifier) key(ctx context.Context, t *jwt.Token) (any, error) {
	if alg, _ := t.Header["alg"].(string); alg != v.alg {
		return nil, fmt.Errorf("%w: got %q, want %q", ErrAlgorithm, alg, v.alg)
	}
	if _, ok := t.Header["crit"]; ok {
		// RFC 7515 §4.1.11: extensions we do not understand must fail.
		return nil, fmt.Errorf("%w: unsupported crit header", ErrMalformed)
	}
	if v.alg == HS256 {
		return v.secret, nil
	}
	kid, _ := t.Header["kid"].(string)
	if kid == "" {
		return nil, fmt.Errorf("%w: EdDSA token without kid", ErrUnknownKey)
	}
	k, err := v.keys.PublicKey(ctx, kid)
	if err != nil {
		if errors.Is(err, ErrUnknownKey) {
			return nil, err
		}
		return nil, fmt.Errorf("token: key source: %w", err)
	}
	return k, nil
}

// check validates the claims of a token whose signature is good.
func (v *Verifier) check(now time.Time, w *wireClaims) (*Claims, error) {
	if w.ExpiresAt == nil {
		return nil, fmt.Errorf("%w: exp", ErrMissingClaim)
	}
	if len(w.Audience) == 0 {
		return nil, fmt.Errorf("%w: aud", ErrMissingClaim)
	}
	c := w.claims()
	if err := v.checkLifetime(&c); err != nil {
		return nil, err
	}
	if err := v.checkTimes(now, &c); err != nil {
		return nil, err
	}
	if c.Issuer != v.issuer {
		return nil, fmt.Errorf("%w: %q", ErrIssuer, c.Issuer)
	}
	if !slices.Contains(c.Audience, v.audience) {
		return nil, fmt.Errorf("%w: %q", ErrAudience, c.Audience)
	}
	switch {
	case c.Subject == "":
		return nil, fmt.Errorf("%w: sub", ErrMissingClaim)
	case c.UserID == "":
		return nil, fmt.Errorf("%w: user_id", ErrMissingClaim)
	case c.SessionID == "":
		return nil, fmt.Errorf("%w: sid", ErrMissingClaim)
	case c.Subject != c.UserID:
		return nil, fmt.Errorf("%w: sub and user_id differ", ErrMalformed)
	}
	return &c, nil
}

// checkLifetime checks that iat is not after exp and, with a MaxLifetime,
// that iat is present and exp − iat within MaxLifetime and the leeway. It
// depends only on the claims, so cached tokens need not be checked again.
func (v *Verifier) checkLifetime(c *Claims) error {
	if v.maxLifetime > 0 && c.IssuedAt.IsZero() {
		return fmt.Errorf("%w: iat", ErrMissingClaim)
	}
	if c.IssuedAt.IsZero() {
		return nil
	}
	life := c.ExpiresAt.Sub(c.IssuedAt)
	switch {
	case life < 0:
		return fmt.Errorf("%w: iat %s after exp %s", ErrLifetime,
			c.IssuedAt.Format(time.RFC3339), c.ExpiresAt.Format(time.RFC3339))
	case v.maxLifetime > 0 && life > v.maxLifetime+v.leeway:
		return fmt.Errorf("%w: lifetime %s exceeds %s", ErrLifetime, life, v.maxLifetime)
	}
	return nil
}

// checkTimes checks exp, nbf and iat against now, allowing the leeway.
func (v *Verifier) checkTimes(now time.Time, c *Claims) error {
	if !now.Before(c.ExpiresAt.Add(v.leeway)) {
		return fmt.Errorf("%w: expired at %s", ErrExpired, c.ExpiresAt.Format(time.RFC3339))
	}
	early := now.Add(v.leeway)
	if !c.NotBefore.IsZero() && early.Before(c.NotBefore) {
		return fmt.Errorf("%w: nbf %s", ErrNotYetValid, c.NotBefore.Format(time.RFC3339))
	}
	if !c.IssuedAt.IsZero() && early.Before(c.IssuedAt) {
		return fmt.Errorf("%w: iat %s", ErrNotYetValid, c.IssuedAt.Format(time.RFC3339))
	}
	return nil
}

// clone copies cached claims, with their usual single audience, in one
// allocation so callers may modify what Verify returns.
func clone(c *Claims) *Claims {
	b := &struct {
		c   Claims
		aud [1]string
	}{c: *c}
	if len(c.Audience) == 1 {
		b.aud[0] = c.Audience[0]
		b.c.Audience = b.aud[:]
	} else {
		b.c.Audience = slices.Clone(c.Audience)
	}
	return &b.c
}
