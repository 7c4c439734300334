package storetest

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/bizy-auth/bizy/internal/auth"
	"github.com/bizy-auth/bizy/internal/seal"
	"github.com/bizy-auth/bizy/internal/sealed"
)

// Sealed is one handle on a database, opened with a seal box, as a restart
// of the service would open it.
type Sealed struct {
	Store  auth.Store
	Outbox auth.Outbox
	// CheckSealed opens every sealed secret and counts those that need
	// resealing; Reseal seals those again under the current key.
	CheckSealed func(ctx context.Context) (int, error)
	Reseal      func(ctx context.Context) (int, error)
	// Raw reads table.column of row id as stored; SetRaw writes it.
	Raw    func(ctx context.Context, table, column, id string) ([]byte, error)
	SetRaw func(ctx context.Context, table, column, id string, v []byte) error
}

// Sealing checks that an engine keeps the secrets of the auth tables
// (signing private keys, pending mail bodies) sealed at rest with the box
// it is opened with. newDB is called once per subtest and returns a
// function that opens that same, migrated database again, with box (nil:
// no key), releasing the handle with t.Cleanup.
func Sealing(t *testing.T, newDB func(t *testing.T) func(box *seal.Box) Sealed) {
	cases := []struct {
		name string
		test func(t *testing.T, open func(*seal.Box) Sealed)
	}{
		{"AtRestAndAfterRestart", testSealedAtRest},
		{"WrongOrMissingKeyRefused", testSealWrongKey},
		{"PlaintextReadThenResealed", testSealPlaintextMigrates},
		{"RotateWithOldKeys", testSealRotation},
		{"SwappedRowsRefused", testSealSwapped},
		{"TOTPResealed", testSealTOTPResealed},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { c.test(t, newDB(t)) })
	}
}

func newSealKey(t *testing.T) []byte {
	t.Helper()
	k := make([]byte, seal.KeySize)
	rand.Read(k)
	return k
}

func newBox(t *testing.T, cur []byte, old ...[]byte) *seal.Box {
	t.Helper()
	b, err := seal.NewBox(cur, old...)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// secrets is what testSealed* store: one signing key and one message.
type secrets struct {
	key  auth.SigningKey
	mail auth.OutboxEmail
}

func storeSecrets(t *testing.T, db Sealed) secrets {
	t.Helper()
	now := time.Now().UTC()
	sec := secrets{key: newKey(now), mail: newEmail(now.Add(-time.Second))}
	if err := db.Store.AddSigningKey(t.Context(), sec.key); err != nil {
		t.Fatalf("AddSigningKey: %v", err)
	}
	if err := db.Store.EnqueueEmail(t.Context(), sec.mail); err != nil {
		t.Fatalf("EnqueueEmail: %v", err)
	}
	return sec
}

// wantReadBack fails t unless db gives back the secrets as stored.
func wantReadBack(t *testing.T, db Sealed, sec secrets) {
	t.Helper()
	keys, err := db.Store.SigningKeys(t.Context(), time.Time{})
	if err != nil {
		t.Fatalf("SigningKeys: %v", err)
	}
	if len(keys) != 1 || !bytes.Equal(keys[0].PrivateKey, sec.key.PrivateKey) {
		t.Fatalf("SigningKeys did not give the private key back: %+v", keys)
	}
	ms, err := db.Outbox.Claim(t.Context(), "reader-"+sec.mail.ID[:8]+time.Now().Format("150405.000000"), time.Now().Add(time.Hour), time.Second, 10)
	if err != nil {
		t.Fatalf("Claim: %v", err)
	}
	if len(ms) != 1 || ms[0].Email != sec.mail.Email {
		t.Fatalf("Claim did not give the message back: %+v", ms)
	}
}

// wantAtRest fails t unless the raw columns hold sealed values that give
// away neither the private key nor the mailed token.
func wantAtRest(t *testing.T, db Sealed, sec secrets) {
	t.Helper()
	token := sec.mail.ID // newEmail's link carries the id as its token
	for _, c := range []struct{ table, column, id, secret string }{
		{"signing_keys", "private_key", sec.key.ID, string(sec.key.PrivateKey)},
		{"outbox", "text_body", sec.mail.ID, token},
		{"outbox", "html_body", sec.mail.ID, token},
	} {
		raw, err := db.Raw(t.Context(), c.table, c.column, c.id)
		if err != nil {
			t.Fatalf("raw %s.%s: %v", c.table, c.column, err)
		}
		if !seal.IsSealed(raw) || strings.Contains(string(raw), c.secret) {
			t.Errorf("%s.%s at rest = %q: not sealed, or it shows the secret", c.table, c.column, raw)
		}
	}
}

func testSealedAtRest(t *testing.T, open func(*seal.Box) Sealed) {
	k := newSealKey(t)
	sec := storeSecrets(t, open(newBox(t, k)))
	db := open(newBox(t, k)) // a restart with the same key
	wantAtRest(t, db, sec)
	if n, err := db.CheckSealed(t.Context()); n != 0 || err != nil {
		t.Errorf("CheckSealed = %d, %v; want 0 stale", n, err)
	}
	wantReadBack(t, db, sec)
}

func testSealWrongKey(t *testing.T, open func(*seal.Box) Sealed) {
	sec := storeSecrets(t, open(newBox(t, newSealKey(t))))
	for name, box := range map[string]*seal.Box{"wrong key": newBox(t, newSealKey(t)), "no key": nil} {
		db := open(box)
		if _, err := db.CheckSealed(t.Context()); !errors.Is(err, seal.ErrUnknownKey) {
			t.Errorf("%s: CheckSealed = %v, want seal.ErrUnknownKey", name, err)
		}
		if _, err := db.Store.SigningKeys(t.Context(), time.Time{}); !errors.Is(err, seal.ErrUnknownKey) ||
			!strings.Contains(err.Error(), sec.key.ID) {
			t.Errorf("%s: SigningKeys = %v, want seal.ErrUnknownKey naming the row", name, err)
		}
		if _, err := db.Reseal(t.Context()); box != nil && !errors.Is(err, seal.ErrUnknownKey) {
			t.Errorf("%s: Reseal = %v, want seal.ErrUnknownKey", name, err)
		}
	}
}

func testSealPlaintextMigrates(t *testing.T, open func(*seal.Box) Sealed) {
	sec := storeSecrets(t, open(nil))
	k := newSealKey(t)
	db := open(newBox(t, k))
	wantReadBack(t, open(newBox(t, k)), sec) // plaintext rows read with a key set
	if n, err := db.CheckSealed(t.Context()); n != 3 || err != nil {
		t.Fatalf("CheckSealed = %d, %v; want 3 stale (key, text, html)", n, err)
	}
	if n, err := db.Reseal(t.Context()); n != 3 || err != nil {
		t.Fatalf("Reseal = %d, %v; want 3", n, err)
	}
	wantAtRest(t, db, sec)
	if n, err := db.Reseal(t.Context()); n != 0 || err != nil {
		t.Fatalf("Reseal again = %d, %v; want 0", n, err)
	}
}

func testSealRotation(t *testing.T, open func(*seal.Box) Sealed) {
	oldKey, newKey := newSealKey(t), newSealKey(t)
	sec := storeSecrets(t, open(newBox(t, oldKey)))
	db := open(newBox(t, newKey, oldKey))
	if n, err := db.CheckSealed(t.Context()); n != 3 || err != nil {
		t.Fatalf("CheckSealed under a new key = %d, %v; want 3 stale", n, err)
	}
	if n, err := db.Reseal(t.Context()); n != 3 || err != nil {
		t.Fatalf("Reseal = %d, %v; want 3", n, err)
	}
	wantReadBack(t, open(newBox(t, newKey)), sec) // the old key is no longer needed
	if _, err := open(newBox(t, oldKey)).CheckSealed(t.Context()); !errors.Is(err, seal.ErrUnknownKey) {
		t.Errorf("the old key alone still opens resealed values: %v", err)
	}
}

func testSealSwapped(t *testing.T, open func(*seal.Box) Sealed) {
	db := open(newBox(t, newSealKey(t)))
	now := time.Now().UTC()
	a, b := newKey(now.Add(-time.Minute)), newKey(now)
	for _, k := range []auth.SigningKey{a, b} {
		if err := db.Store.AddSigningKey(t.Context(), k); err != nil {
			t.Fatal(err)
		}
	}
	ra, err := db.Raw(t.Context(), "signing_keys", "private_key", a.ID)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.SetRaw(t.Context(), "signing_keys", "private_key", b.ID, ra); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Store.SigningKeys(t.Context(), time.Time{}); !errors.Is(err, seal.ErrCorrupt) {
		t.Fatalf("a private key copied into another row: SigningKeys = %v, want seal.ErrCorrupt", err)
	}
	if _, err := db.CheckSealed(t.Context()); !errors.Is(err, seal.ErrCorrupt) {
		t.Fatalf("CheckSealed = %v, want seal.ErrCorrupt", err)
	}
}

// testSealTOTPResealed: a TOTP secret the service sealed (bound to its
// user's row, as sealed.Seal binds it) is sealed again by Reseal, so the
// old key can go without taking second factors with it.
func testSealTOTPResealed(t *testing.T, open func(*seal.Box) Sealed) {
	oldKey, newKey := newSealKey(t), newSealKey(t)
	db := open(newBox(t, oldKey))
	u := mustCreateUser(t, db.Store)
	plain := []byte("JBSWY3DPEHPK3PXP")
	stored := sealed.Seal(newBox(t, oldKey), plain, "mfa_totp", "secret", u.ID)
	if err := db.Store.PutTOTP(t.Context(), auth.TOTP{UserID: u.ID, Secret: stored, CreatedAt: time.Now().UTC()}); err != nil {
		t.Fatalf("PutTOTP: %v", err)
	}
	if n, err := open(newBox(t, newKey, oldKey)).Reseal(t.Context()); n != 1 || err != nil {
		t.Fatalf("Reseal = %d, %v; want the TOTP secret", n, err)
	}
	got, err := db.Store.TOTP(t.Context(), u.ID)
	if err != nil {
		t.Fatalf("TOTP: %v", err)
	}
	pt, err := sealed.Open(newBox(t, newKey), got.Secret, "mfa_totp", "secret", u.ID)
	if err != nil || !bytes.Equal(pt, plain) {
		t.Fatalf("the TOTP secret under the new key alone = %q, %v; want %q", pt, err, plain)
	}
}
