package auth

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/sha256"
)

// A rotated-out refresh token keeps its successor sealed beside its hash,
// so that within REFRESH_REUSE_INTERVAL the same token presented again can
// be answered with the session's current one. The store keeps only hashes
// of refresh tokens, so the successor can't be kept in the clear; it is
// sealed (AES-256-GCM) under a key derived from the rotated-out token
// itself, which the store never holds: only whoever presents that token
// can open it, and a copy of the database alone opens nothing.

// successorKey derives the sealing key from the token the successor
// replaces. The label keeps it apart from HashSecret(prev), which is
// stored.
func successorKey(prev string) cipher.AEAD {
	key := sha256.Sum256([]byte("bizy refresh successor\x00" + prev))
	block, err := aes.NewCipher(key[:])
	if err != nil {
		panic(err) // a 32-byte key always makes a cipher
	}
	gcm, err := cipher.NewGCM(block)
	if err != nil {
		panic(err)
	}
	return gcm
}

// SealSuccessor seals next, the refresh token that replaces prev, for
// RefreshStore.RotateRefreshSuccessor.
func SealSuccessor(prev, next string) []byte {
	gcm := successorKey(prev)
	nonce := randomBytes(gcm.NonceSize())
	return gcm.Seal(nonce, nonce, []byte(next), nil)
}

// openSuccessor opens what SealSuccessor(prev, …) sealed; false when
// sealed is missing or was not sealed for prev.
func openSuccessor(prev string, sealed []byte) (string, bool) {
	gcm := successorKey(prev)
	if len(sealed) < gcm.NonceSize() {
		return "", false
	}
	next, err := gcm.Open(nil, sealed[:gcm.NonceSize()], sealed[gcm.NonceSize():], nil)
	if err != nil {
		return "", false
	}
	return string(next), true
}
