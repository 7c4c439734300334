package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"log/slog"
	"time"

	"github.com/google/uuid"
	"golang.org/x/crypto/bcrypt"
)

// Config holds the rules a Service applies.
type Config struct {
	BcryptCost               int
	AccessTokenTTL           time.Duration
	RefreshTokenTTL          time.Duration
	Issuer                   string
	Audience                 string
	RequireEmailVerification bool
	LockoutThreshold         int
	LockoutDuration          time.Duration
	// Now is the clock; tests pass a fake one. Nil means time.Now.
	Now func() time.Time
}

// Client describes who made a request, for the security event log.
type Client struct {
	IP        string
	UserAgent string
}

// Service applies Bizy's account rules over a Store. It is safe for
// concurrent use.
type Service struct {
	log    *slog.Logger
	store  Store
	signer TokenSigner
	cfg    Config
	now    func() time.Time
	// dummyHash is compared against when a login name matches no account, so
	// that answer takes as long as a wrong password does.
	dummyHash []byte
}

// NewService returns a Service. It hashes a throwaway password at the
// configured cost, which takes as long as one login.
func NewService(log *slog.Logger, store Store, signer TokenSigner, cfg Config) (*Service, error) {
	if cfg.BcryptCost < bcrypt.MinCost || cfg.BcryptCost > bcrypt.MaxCost {
		return nil, fmt.Errorf("bcrypt cost %d out of range", cfg.BcryptCost)
	}
	if cfg.LockoutThreshold < 1 {
		return nil, fmt.Errorf("lockout threshold must be at least 1")
	}
	now := cfg.Now
	if now == nil {
		now = time.Now
	}
	dummy, err := bcrypt.GenerateFromPassword(randomBytes(18), cfg.BcryptCost)
	if err != nil {
		return nil, err
	}
	return &Service{log: log, store: store, signer: signer, cfg: cfg, now: now, dummyHash: dummy}, nil
}

// Config returns the rules s applies.
func (s *Service) Config() Config { return s.cfg }

// Ping reports whether the store answers.
func (s *Service) Ping(ctx context.Context) error { return s.store.Ping(ctx) }

// User returns the user with id, or ErrNotFound.
func (s *Service) User(ctx context.Context, id string) (User, error) {
	return s.store.UserByID(ctx, id)
}

// UserByLogin returns the user whose username (ignoring case) or email is
// login, or ErrNotFound.
func (s *Service) UserByLogin(ctx context.Context, login string) (User, error) {
	return s.store.UserByLogin(ctx, normalizeLogin(login))
}

func (s *Service) hashPassword(pw string) ([]byte, error) {
	return bcrypt.GenerateFromPassword([]byte(pw), s.cfg.BcryptCost)
}

// timestamp returns now in UTC at the microsecond precision every store keeps.
func (s *Service) timestamp() time.Time { return s.now().UTC().Truncate(time.Microsecond) }

func newID() string { return uuid.Must(uuid.NewV7()).String() }

func randomBytes(n int) []byte {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	return b
}

// newSecret returns a random 256-bit token for a client and the SHA-256 hash
// that is all the store keeps of it.
func newSecret() (string, []byte) {
	tok := base64.RawURLEncoding.EncodeToString(randomBytes(32))
	return tok, HashSecret(tok)
}

// HashSecret returns the SHA-256 of a client-held token, as stored.
func HashSecret(tok string) []byte {
	sum := sha256.Sum256([]byte(tok))
	return sum[:]
}
