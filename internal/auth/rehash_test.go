package auth_test

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"
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
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "bizy.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
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
				LockoutThreshold: 5, LockoutDuration: time.Minute})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	old, next := svc(4), svc(5)
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
