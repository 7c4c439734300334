// Package seal encrypts the small secrets Bizy keeps in its database (signing
// private keys, pending mail bodies, TOTP secrets) with AES-256-GCM under the
// operator's DB_ENCRYPTION_KEY, so that a copy of the database alone does not
// give them away.
//
// A sealed value is text: "bizy-seal:v1:" KID ":" base64url(nonce ‖ ciphertext).
// KID names the key that sealed it, so a Box holding the current key and the
// previous ones opens values sealed under any of them while sealing only
// under the current one; re-sealing every value then retires an old key.
// Each value is bound to a context string (what it is and which row it
// belongs to) as GCM's additional data, so a sealed value copied into
// another row or column does not open there.
//
// It imports only the standard library, so every layer may use it.
package seal

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
)

// KeySize is the length of a key in bytes (AES-256).
const KeySize = 32

// prefix starts every sealed value; a value without it is plaintext.
const prefix = "bizy-seal:v1:"

// Errors returned by Open.
var (
	// ErrUnknownKey is a sealed value whose key the Box does not hold
	// (or a sealed value met by a nil Box: no key is configured).
	ErrUnknownKey = errors.New("seal: sealed with a key that is not configured")
	// ErrCorrupt is a sealed value that does not open: altered, truncated,
	// or moved from the row or column its context names.
	ErrCorrupt = errors.New("seal: sealed value is corrupt or belongs elsewhere")
)

// ParseKey decodes a key given as 64 hex digits or as base64 (standard or
// URL alphabet, padded or not) of 32 bytes. Its error never quotes s.
func ParseKey(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	if len(s) == 2*KeySize {
		if b, err := hex.DecodeString(s); err == nil {
			return b, nil
		}
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(s); err == nil && len(b) == KeySize {
			return b, nil
		}
	}
	return nil, fmt.Errorf("must be %d bytes as %d hex digits or base64", KeySize, 2*KeySize)
}

// key is one AES-GCM key and its id.
type key struct {
	id   string
	aead cipher.AEAD
}

func newKey(raw []byte) (*key, error) {
	if len(raw) != KeySize {
		return nil, fmt.Errorf("seal: key must be %d bytes, got %d", KeySize, len(raw))
	}
	block, err := aes.NewCipher(raw)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &key{id: KeyID(raw), aead: aead}, nil
}

// KeyID returns the public id of a key: 16 hex digits of a domain-separated
// SHA-256 of it, which tells keys apart without revealing anything usable
// about them.
func KeyID(raw []byte) string {
	sum := sha256.Sum256(append([]byte("bizy seal key id\x00"), raw...))
	return hex.EncodeToString(sum[:8])
}

// Box seals under its current key and opens under any key it holds. A nil
// *Box is valid and means no key is configured: it leaves values as
// plaintext. A Box is safe for concurrent use.
type Box struct {
	current *key
	keys    map[string]*key
}

// NewBox returns a Box that seals with current and also opens values sealed
// with any of previous (keys being rotated out).
func NewBox(current []byte, previous ...[]byte) (*Box, error) {
	cur, err := newKey(current)
	if err != nil {
		return nil, err
	}
	b := &Box{current: cur, keys: map[string]*key{cur.id: cur}}
	for _, raw := range previous {
		k, err := newKey(raw)
		if err != nil {
			return nil, err
		}
		if _, dup := b.keys[k.id]; !dup {
			b.keys[k.id] = k
		}
	}
	return b, nil
}

// KeyID returns the id of the key b seals with, or "" for a nil Box.
func (b *Box) KeyID() string {
	if b == nil {
		return ""
	}
	return b.current.id
}

// Seal encrypts plaintext bound to context and returns the sealed text. A
// nil Box returns plaintext unchanged.
func (b *Box) Seal(plaintext []byte, context string) []byte {
	if b == nil {
		return plaintext
	}
	nonce := make([]byte, b.current.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	ct := b.current.aead.Seal(nonce, nonce, plaintext, []byte(context))
	out := make([]byte, 0, len(prefix)+len(b.current.id)+1+base64.RawURLEncoding.EncodedLen(len(ct)))
	out = append(out, prefix...)
	out = append(out, b.current.id...)
	out = append(out, ':')
	return base64.RawURLEncoding.AppendEncode(out, ct)
}

// Open returns the plaintext of a value Seal made with the same context,
// or v itself when v is not sealed (written before a key was configured).
// It returns ErrUnknownKey when v was sealed with a key b lacks (or b is
// nil), and ErrCorrupt when v does not open with its context.
func (b *Box) Open(v []byte, context string) ([]byte, error) {
	if !IsSealed(v) {
		return v, nil
	}
	kid, body, ok := bytes.Cut(v[len(prefix):], []byte(":"))
	if !ok {
		return nil, ErrCorrupt
	}
	if b == nil {
		return nil, ErrUnknownKey
	}
	k, ok := b.keys[string(kid)]
	if !ok {
		return nil, ErrUnknownKey
	}
	ct, err := base64.RawURLEncoding.DecodeString(string(body))
	if err != nil || len(ct) < k.aead.NonceSize() {
		return nil, ErrCorrupt
	}
	pt, err := k.aead.Open(nil, ct[:k.aead.NonceSize()], ct[k.aead.NonceSize():], []byte(context))
	if err != nil {
		return nil, ErrCorrupt
	}
	return pt, nil
}

// NeedsReseal reports whether v should be sealed again: it is plaintext
// while b has a key, or it was sealed with a key other than b's current one.
func (b *Box) NeedsReseal(v []byte) bool {
	if b == nil {
		return false
	}
	if !IsSealed(v) {
		return true
	}
	kid, _, _ := bytes.Cut(v[len(prefix):], []byte(":"))
	return string(kid) != b.current.id
}

// SealedKeyID returns the id of the key that sealed v, and false when v is
// not sealed. It lets an operator tell which key a value needs.
func SealedKeyID(v []byte) (string, bool) {
	if !IsSealed(v) {
		return "", false
	}
	kid, _, _ := bytes.Cut(v[len(prefix):], []byte(":"))
	return string(kid), true
}

// IsSealed reports whether v is in the sealed form.
func IsSealed(v []byte) bool { return bytes.HasPrefix(v, []byte(prefix)) }
