package revocation

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/bizy-auth/bizy/token"
)

// keySet is the List's set of revoked signing keys. Revocations are rare
// emergencies, so it is kept whole for the life of the process: a revoked
// kid must never verify again, whatever a JWKS cache still holds.
type keySet struct {
	kids sync.Map      // kid → struct{}
	gen  atomic.Uint64 // kids added
}

// RevokeKey records that the signing key kid is revoked: tokens it signed
// are refused by the KeySource Keys returns, cached ones included. An
// empty kid is ignored. It is safe for concurrent use.
func (l *List) RevokeKey(kid string) {
	if kid == "" {
		return
	}
	if _, loaded := l.keys.kids.LoadOrStore(kid, struct{}{}); !loaded {
		l.keys.gen.Add(1)
	}
}

// KeyRevoked reports whether RevokeKey was told of kid.
func (l *List) KeyRevoked(kid string) bool {
	_, ok := l.keys.kids.Load(kid)
	return ok
}

// Keys returns a token.KeySource that answers as src does, except that a
// revoked kid is unknown (token.ErrUnknownKey). Its Generation grows with
// src's and with every key revoked, so a token.Verifier checks its cached
// tokens again when a key is revoked and refuses those the key signed.
func (l *List) Keys(src token.KeySource) token.KeySource {
	gens, _ := src.(interface{ Generation() uint64 })
	return keyFilter{src: src, gens: gens, keys: &l.keys}
}

type keyFilter struct {
	src  token.KeySource
	gens interface{ Generation() uint64 } // src's, or nil
	keys *keySet
}

func (f keyFilter) PublicKey(ctx context.Context, kid string) (ed25519.PublicKey, error) {
	if _, revoked := f.keys.kids.Load(kid); revoked {
		return nil, fmt.Errorf("%w: kid %q is revoked", token.ErrUnknownKey, kid)
	}
	return f.src.PublicKey(ctx, kid)
}

// Generation is the sum of two counters that only grow, so it changes
// whenever either does.
func (f keyFilter) Generation() uint64 {
	g := f.keys.gen.Load()
	if f.gens != nil {
		g += f.gens.Generation()
	}
	return g
}
