package seal

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"strings"
	"testing"
)

func newRawKey(t *testing.T) []byte {
	t.Helper()
	k := make([]byte, KeySize)
	if _, err := rand.Read(k); err != nil {
		t.Fatal(err)
	}
	return k
}

func mustBox(t *testing.T, cur []byte, prev ...[]byte) *Box {
	t.Helper()
	b, err := NewBox(cur, prev...)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestSealOpensOnlyInItsContext(t *testing.T) {
	b := mustBox(t, newRawKey(t))
	secret := []byte("ed25519 private key bytes")
	sealed := b.Seal(secret, "signing_key:k1")
	if bytes.Contains(sealed, secret) || !IsSealed(sealed) {
		t.Fatalf("sealed value %q shows the plaintext or lacks the prefix", sealed)
	}
	got, err := b.Open(sealed, "signing_key:k1")
	if err != nil || !bytes.Equal(got, secret) {
		t.Fatalf("Open = %q, %v", got, err)
	}
	if _, err := b.Open(sealed, "signing_key:k2"); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("Open in another row's context = %v, want ErrCorrupt", err)
	}
	if again := b.Seal(secret, "signing_key:k1"); bytes.Equal(again, sealed) {
		t.Fatal("two seals of one value are equal: the nonce is not fresh")
	}
}

func TestOpenRefusesAlteredValues(t *testing.T) {
	b := mustBox(t, newRawKey(t))
	sealed := b.Seal([]byte("reset link"), "outbox:1")
	for name, v := range map[string][]byte{
		"truncated":     sealed[:len(sealed)-3],
		"no separator":  []byte(prefix + "abc"),
		"bad base64":    append(append([]byte{}, sealed[:len(sealed)-2]...), '!', '!'),
		"flipped byte":  flipMiddle(sealed),
		"empty payload": []byte(prefix + b.KeyID() + ":"),
	} {
		if _, err := b.Open(v, "outbox:1"); !errors.Is(err, ErrCorrupt) {
			t.Errorf("%s: Open = %v, want ErrCorrupt", name, err)
		}
	}
}

// flipMiddle changes one base64 digit inside the ciphertext (the last digit
// may carry only padding bits, which decoding ignores).
func flipMiddle(v []byte) []byte {
	out := append([]byte{}, v...)
	i := len(out) - 8
	if out[i] == 'A' {
		out[i] = 'B'
	} else {
		out[i] = 'A'
	}
	return out
}

func TestRotation(t *testing.T) {
	oldKey, newKey := newRawKey(t), newRawKey(t)
	old := mustBox(t, oldKey)
	sealed := old.Seal([]byte("totp secret"), "totp:u1")

	rotated := mustBox(t, newKey, oldKey)
	got, err := rotated.Open(sealed, "totp:u1")
	if err != nil || string(got) != "totp secret" {
		t.Fatalf("a box holding the old key opens its values: %q, %v", got, err)
	}
	if !rotated.NeedsReseal(sealed) {
		t.Fatal("a value under the previous key needs resealing")
	}
	resealed := rotated.Seal(got, "totp:u1")
	if rotated.NeedsReseal(resealed) {
		t.Fatal("a value under the current key needs no resealing")
	}
	if kid, ok := SealedKeyID(sealed); !ok || kid != old.KeyID() {
		t.Fatalf("SealedKeyID = %q, %v; want the old key's id %q", kid, ok, old.KeyID())
	}
	if _, ok := SealedKeyID([]byte("plain")); ok {
		t.Fatal("SealedKeyID of plaintext reports a key")
	}
	newOnly := mustBox(t, newKey)
	if _, err := newOnly.Open(sealed, "totp:u1"); !errors.Is(err, ErrUnknownKey) {
		t.Fatalf("Open without the old key = %v, want ErrUnknownKey", err)
	}
	if _, err := newOnly.Open(resealed, "totp:u1"); err != nil {
		t.Fatalf("resealed value under the new key alone: %v", err)
	}
}

func TestNilBoxKeepsPlaintext(t *testing.T) {
	var b *Box
	if got := b.Seal([]byte("x"), "c"); string(got) != "x" {
		t.Fatalf("nil Box Seal = %q", got)
	}
	if got, err := b.Open([]byte("x"), "c"); err != nil || string(got) != "x" {
		t.Fatalf("nil Box Open of plaintext = %q, %v", got, err)
	}
	sealed := mustBox(t, newRawKey(t)).Seal([]byte("x"), "c")
	if _, err := b.Open(sealed, "c"); !errors.Is(err, ErrUnknownKey) {
		t.Fatalf("nil Box Open of a sealed value = %v, want ErrUnknownKey", err)
	}
	if b.NeedsReseal([]byte("x")) || b.KeyID() != "" {
		t.Fatal("a nil Box reseals nothing and has no key id")
	}
	plain := mustBox(t, newRawKey(t))
	if !plain.NeedsReseal([]byte("written before the key was set")) {
		t.Fatal("plaintext needs sealing once a key is configured")
	}
}

func TestParseKey(t *testing.T) {
	raw := newRawKey(t)
	for name, s := range map[string]string{
		"hex":        hex.EncodeToString(raw),
		"HEX":        strings.ToUpper(hex.EncodeToString(raw)),
		"base64":     base64.StdEncoding.EncodeToString(raw),
		"raw base64": base64.RawStdEncoding.EncodeToString(raw),
		"base64url":  base64.RawURLEncoding.EncodeToString(raw),
		"spaces":     " " + hex.EncodeToString(raw) + "\n",
	} {
		got, err := ParseKey(s)
		if err != nil || !bytes.Equal(got, raw) {
			t.Errorf("%s: ParseKey = %x, %v", name, got, err)
		}
	}
	for _, s := range []string{"", "short", hex.EncodeToString(raw[:16]), base64.StdEncoding.EncodeToString(append(raw, 1))} {
		if _, err := ParseKey(s); err == nil {
			t.Errorf("ParseKey(%q) accepted a key that is not 32 bytes", s)
		} else if s != "" && strings.Contains(err.Error(), s) {
			t.Errorf("ParseKey's error quotes the key: %v", err)
		}
	}
}

func TestKeyIDsDifferAndHideTheKey(t *testing.T) {
	a, b := newRawKey(t), newRawKey(t)
	if KeyID(a) == KeyID(b) || len(KeyID(a)) != 16 {
		t.Fatalf("key ids %q %q", KeyID(a), KeyID(b))
	}
	if strings.Contains(hex.EncodeToString(a), KeyID(a)) {
		t.Fatal("the key id is a piece of the key")
	}
}

func BenchmarkSealOpen(b *testing.B) {
	box, _ := NewBox(make([]byte, KeySize))
	msg := bytes.Repeat([]byte("x"), 2048) // a mail body
	for b.Loop() {
		if _, err := box.Open(box.Seal(msg, "outbox:1"), "outbox:1"); err != nil {
			b.Fatal(err)
		}
	}
}
