package auth_test

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/bizy-auth/bizy/internal/auth"
	"github.com/bizy-auth/bizy/internal/clocktest"
	"github.com/bizy-auth/bizy/internal/postgres/pgtest"
	"github.com/bizy-auth/bizy/internal/sqlite"
	"github.com/bizy-auth/bizy/token"
)

const goodPassword = "Tr1cky!Horse"

var discard = slog.New(slog.NewTextHandler(io.Discard, nil))

// storesUnderTest opens a fresh, migrated auth store on SQLite, and on
// PostgreSQL too when BIZY_TEST_POSTGRES_URL is set (failing, not
// skipping, when that server does not answer).
func storesUnderTest() map[string]func(*testing.T) auth.Store {
	stores := map[string]func(*testing.T) auth.Store{"sqlite": func(t *testing.T) auth.Store {
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
		return db.AuthStore()
	}}
	if os.Getenv(pgtest.EnvURL) != "" {
		stores["postgres"] = func(t *testing.T) auth.Store {
			t.Helper()
			db := pgtest.Open(t)
			if err := db.MigrateAuth(context.Background()); err != nil {
				t.Fatal(err)
			}
			return db.AuthStore()
		}
	}
	return stores
}

// resetMailer is an auth.Mailer that renders empty messages and keeps the
// last password-reset token, so a test can follow the link.
type resetMailer struct {
	mu    sync.Mutex
	token string
}

func (m *resetMailer) Verification(to, _, _ string) (auth.Email, error) {
	return auth.Email{To: to}, nil
}

func (m *resetMailer) PasswordChanged(to, _ string) (auth.Email, error) {
	return auth.Email{To: to}, nil
}

func (m *resetMailer) PasswordReset(to, _, tok string) (auth.Email, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.token = tok
	return auth.Email{To: to}, nil
}

func (m *resetMailer) lastToken() string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.token
}

// newService returns a Service over st with a fake clock, a lockout of 5
// failures for 15 minutes, and cfg's OnRevoke and Mailer.
// roomyGate is a hashing gate for tests that are not about it: on a
// loaded machine under -race, hashes wait long, and no test should meet
// a 503 it is not about.
func roomyGate() *auth.HashGate {
	return auth.NewHashGate(auth.HashGateConfig{Concurrency: 4, Queue: 1000, Wait: time.Minute})
}

func newService(t *testing.T, st auth.Store, clock *clocktest.Clock, cfg auth.Config) *auth.Service {
	t.Helper()
	signer, err := token.NewHS256Signer([]byte("0123456789abcdef0123456789abcdef"))
	if err != nil {
		t.Fatal(err)
	}
	cfg.BcryptCost, cfg.AccessTokenTTL, cfg.RefreshTokenTTL = 4, 15*time.Minute, 720*time.Hour
	cfg.Issuer, cfg.Audience, cfg.Now = "bizy-auth", "bizy", clock.Now
	cfg.LockoutThreshold, cfg.LockoutDuration = 5, 15*time.Minute
	if cfg.HashGate == nil {
		cfg.HashGate = roomyGate()
	}
	svc, err := auth.NewService(discard, st, auth.StaticSigner{S: signer}, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(svc.Wait)
	return svc
}

// mustRegister creates a verified user.
func mustRegister(t *testing.T, svc *auth.Service, username string, admin bool) auth.User {
	t.Helper()
	u, err := svc.Register(context.Background(), auth.Registration{Username: username, Email: username + "@example.com",
		Password: goodPassword, IsAdmin: admin, EmailVerified: true}, auth.Client{})
	if err != nil {
		t.Fatalf("register %s: %v", username, err)
	}
	return u
}

// mustLogin opens a session for username.
func mustLogin(t *testing.T, svc *auth.Service, username string) auth.Tokens {
	t.Helper()
	tok, err := svc.Login(context.Background(), username, goodPassword, auth.Client{})
	if err != nil {
		t.Fatalf("login %s: %v", username, err)
	}
	return tok
}

// events returns the stored events of type typ, newest first.
func events(t *testing.T, st auth.EventStore, typ string) []auth.Event {
	t.Helper()
	evs, _, err := st.Events(context.Background(), auth.EventFilter{Type: typ, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	return evs
}
