package auth

import (
	"bytes"
	"errors"
	"testing"

	"golang.org/x/crypto/bcrypt"
)

// TestDummyHashCostsARealCheck: the hash an unknown login name is checked
// against parses as bcrypt at the configured cost, so the check does the
// full hashing (a mismatch, not a format error, which would return at
// once), matches no password, and differs between services.
func TestDummyHashCostsARealCheck(t *testing.T) {
	for _, cost := range []int{bcrypt.MinCost, 5, 12} {
		h := dummyHash(cost)
		if got, err := bcrypt.Cost(h); err != nil || got != cost {
			t.Fatalf("cost of %s = %d, %v; want %d", h, got, err, cost)
		}
		if cost > 5 {
			continue // parsing is enough; hashing at 12 takes a quarter second
		}
		for _, pw := range []string{"", "password", "Tr1cky!Horse"} {
			if err := bcrypt.CompareHashAndPassword(h, []byte(pw)); !errors.Is(err, bcrypt.ErrMismatchedHashAndPassword) {
				t.Fatalf("compare %q with %s: %v, want a mismatch after hashing", pw, h, err)
			}
		}
	}
	if a, b := dummyHash(10), dummyHash(10); bytes.Equal(a, b) {
		t.Fatalf("two dummy hashes are equal: %s", a)
	}
}
