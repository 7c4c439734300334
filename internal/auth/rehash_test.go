package auth_test

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/bizy-auth/bizy/internal/auth"
	"github.com/bizy-auth/bizy/internal/sqlite"
	"github.com/bizy-auth/bizy/token"
)

// TestLoginRehashesAtTheNewCost: after BCRYPT_COST changes, a user's next
// login stores their password hashed at the new cost, and logins go on
// working.
func TestLoginRehashesAtTheNewCost(t *testing.T) {
	ctx := context.Background()
	old, next := costServices(t)
	u, err := old.Register(ctx, auth.Registration{Username: "cost", Email: "cost@example.com", Password: "Tr1cky!Horse", EmailVerified: true}, auth.Client{})
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if _, err := next.Login(ctx, "cost", "Tr1cky!Horse", auth.Client{}); err != nil {
			t.Fatalf("login after the cost change: %v", err)
		}
		got, err := next.User(ctx, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		if c, _ := bcrypt.Cost(got.PasswordHash); c != 5 {
			t.Fatalf("stored cost = %d, want 5", c)
		}
	}
}

// costServices returns two services over one fresh SQLite database, at
// bcrypt costs 4 and 5: the service before and after a BCRYPT_COST change.
func costServices(t *testing.T) (old, next *auth.Service) {
	t.Helper()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "bizy.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.MigrateAuth(ctx); err != nil {
		t.Fatal(err)
	}
	signer, err := token.NewHS256Signer([]byte("0123456789abcdef0123456789abcdef"))
	if err != nil {
		t.Fatal(err)
	}
	svc := func(cost int) *auth.Service {
		s, err := auth.NewService(slog.New(slog.NewTextHandler(io.Discard, nil)), db.AuthStore(), auth.StaticSigner{S: signer},
			auth.Config{BcryptCost: cost, AccessTokenTTL: time.Minute, RefreshTokenTTL: time.Hour, Issuer: "i", Audience: "a",
				LockoutThreshold: 100, LockoutDuration: time.Minute, HashGate: roomyGate()})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	return svc(4), svc(5)
}

// TestConcurrentLoginsSurviveTheRehash: twelve logins with the right
// password at once, just after a BCRYPT_COST change, all succeed. The
// first to finish rehashes; the others checked the old hash and must not
// take the new one for a password change.
func TestConcurrentLoginsSurviveTheRehash(t *testing.T) {
	ctx := context.Background()
	old, next := costServices(t)
	if _, err := old.Register(ctx, auth.Registration{Username: "racer", Email: "racer@example.com", Password: "Tr1cky!Horse", EmailVerified: true}, auth.Client{}); err != nil {
		t.Fatal(err)
	}
	const n = 12
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { _, errs[i] = next.Login(ctx, "racer", "Tr1cky!Horse", auth.Client{IP: "192.0.2.1"}) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("login %d of %d racing the rehash: %v", i, n, err)
		}
	}
}
