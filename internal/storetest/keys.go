package storetest

import (
	"errors"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/bizy-auth/bizy/internal/auth"
)

// newKey returns an unretired key created at created.
func newKey(created time.Time) auth.SigningKey {
	id := uuid.NewString()
	return auth.SigningKey{
		ID:         id,
		Algorithm:  "EdDSA",
		PrivateKey: []byte("private:" + id),
		PublicKey:  []byte("public:" + id),
		CreatedAt:  created,
	}
}

// mustAddKeys adds a key created at each time, in order, and returns them as
// given (unretired).
func mustAddKeys(t *testing.T, s auth.Store, times ...time.Time) []auth.SigningKey {
	t.Helper()
	var keys []auth.SigningKey
	for _, c := range times {
		k := newKey(c)
		if err := s.AddSigningKey(t.Context(), k); err != nil {
			t.Fatalf("AddSigningKey: %v", err)
		}
		keys = append(keys, k)
	}
	return keys
}

// wantKeys fails t unless got holds want, in that order, field for field.
func wantKeys(t *testing.T, got, want []auth.SigningKey) {
	t.Helper()
	if len(got) != len(want) {
		ids := func(ks []auth.SigningKey) (s []string) {
			for _, k := range ks {
				s = append(s, k.ID)
			}
			return s
		}
		t.Fatalf("got keys %v, want %v", ids(got), ids(want))
	}
	for i := range want {
		g, w := got[i], want[i]
		if g.ID != w.ID || g.Algorithm != w.Algorithm ||
			string(g.PrivateKey) != string(w.PrivateKey) || string(g.PublicKey) != string(w.PublicKey) {
			t.Errorf("key %d = %+v, want %+v", i, g, w)
		}
		wantTime(t, "CreatedAt of "+w.ID, g.CreatedAt, w.CreatedAt)
		wantTime(t, "RetiredAt of "+w.ID, g.RetiredAt, w.RetiredAt)
	}
}

func testAddSigningKeyRetires(t *testing.T, s auth.Store) {
	keys := mustAddKeys(t, s, at(0), at(time.Hour))
	keys[0].RetiredAt = keys[1].CreatedAt
	got, err := s.SigningKeys(t.Context(), time.Time{})
	if err != nil {
		t.Fatalf("SigningKeys: %v", err)
	}
	wantKeys(t, got, []auth.SigningKey{keys[1], keys[0]})

	// A third key retires the second and leaves the first retired as it was.
	third := mustAddKeys(t, s, at(2*time.Hour))[0]
	keys[1].RetiredAt = third.CreatedAt
	got, err = s.SigningKeys(t.Context(), time.Time{})
	if err != nil {
		t.Fatalf("SigningKeys: %v", err)
	}
	wantKeys(t, got, []auth.SigningKey{third, keys[1], keys[0]})
}

func testSigningKeysSince(t *testing.T, s auth.Store) {
	k := mustAddKeys(t, s, at(0), at(time.Hour), at(2*time.Hour))
	k[0].RetiredAt, k[1].RetiredAt = k[1].CreatedAt, k[2].CreatedAt
	for _, c := range []struct {
		name  string
		since time.Time
		want  []auth.SigningKey
	}{
		{"zero", time.Time{}, []auth.SigningKey{k[2], k[1], k[0]}},
		{"at first retirement", at(time.Hour), []auth.SigningKey{k[2], k[1], k[0]}},
		{"just after first retirement", at(time.Hour + time.Microsecond), []auth.SigningKey{k[2], k[1]}},
		{"after second retirement", at(3 * time.Hour), []auth.SigningKey{k[2]}},
	} {
		got, err := s.SigningKeys(t.Context(), c.since)
		if err != nil {
			t.Fatalf("%s: SigningKeys: %v", c.name, err)
		}
		t.Run(c.name, func(t *testing.T) { wantKeys(t, got, c.want) })
	}
}

func testSigningKeysEmpty(t *testing.T, s auth.Store) {
	got, err := s.SigningKeys(t.Context(), time.Time{})
	if err != nil || len(got) != 0 {
		t.Fatalf("SigningKeys = %v, %v; want none, nil", got, err)
	}
}

func testRevokeSigningKey(t *testing.T, s auth.Store) {
	k := mustAddKeys(t, s, at(0), at(time.Hour), at(2*time.Hour))
	if err := s.RevokeSigningKey(t.Context(), k[2].ID, at(3*time.Hour)); err != nil {
		t.Fatalf("RevokeSigningKey of the active key: %v", err)
	}
	if err := s.RevokeSigningKey(t.Context(), k[0].ID, at(4*time.Hour)); err != nil {
		t.Fatalf("RevokeSigningKey of a retired key: %v", err)
	}
	if err := s.RevokeSigningKey(t.Context(), k[2].ID, at(5*time.Hour)); err != nil {
		t.Fatalf("RevokeSigningKey again: %v", err)
	}
	got, err := s.SigningKeys(t.Context(), time.Time{})
	if err != nil {
		t.Fatalf("SigningKeys: %v", err)
	}
	k[1].RetiredAt = k[2].CreatedAt
	wantKeys(t, got, []auth.SigningKey{k[1]})
	kids, err := s.RevokedKeys(t.Context())
	if err != nil || len(kids) != 2 || kids[0] != k[2].ID || kids[1] != k[0].ID {
		t.Fatalf("RevokedKeys = %v, %v; want [%s %s] (by first revocation)", kids, err, k[2].ID, k[0].ID)
	}
	if err := s.RevokeSigningKey(t.Context(), "no-such-kid", at(0)); !errors.Is(err, auth.ErrNotFound) {
		t.Fatalf("RevokeSigningKey of an unknown kid = %v, want ErrNotFound", err)
	}
}

func testRevokedKeysEmpty(t *testing.T, s auth.Store) {
	mustAddKeys(t, s, at(0))
	if kids, err := s.RevokedKeys(t.Context()); err != nil || len(kids) != 0 {
		t.Fatalf("RevokedKeys = %v, %v; want none", kids, err)
	}
}

// testAddSigningKeyPerAlgorithm: a new RS256 key leaves the EdDSA key
// signing, and the other way round.
func testAddSigningKeyPerAlgorithm(t *testing.T, s auth.Store) {
	ed := mustAddKeys(t, s, at(0))[0]
	rs := newKey(at(time.Hour))
	rs.Algorithm = "RS256"
	if err := s.AddSigningKey(t.Context(), rs); err != nil {
		t.Fatalf("AddSigningKey: %v", err)
	}
	got, err := s.SigningKeys(t.Context(), time.Time{})
	if err != nil {
		t.Fatalf("SigningKeys: %v", err)
	}
	wantKeys(t, got, []auth.SigningKey{rs, ed})
}
