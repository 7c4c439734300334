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
	BcryptCost      int
	AccessTokenTTL  time.Duration
	RefreshTokenTTL time.Duration
	// RefreshReuseInterval is how long after its rotation a refresh token
	// presented again is answered with the session's current tokens (a
	// browser's tabs, a client's retry) rather than taken for a stolen
	// copy; 0 treats every reuse as theft.
	RefreshReuseInterval     time.Duration
	Issuer                   string
	Audience                 string
	RequireEmailVerification bool
	LockoutThreshold         int
	LockoutDuration          time.Duration
	// Now is the clock; tests pass a fake one. Nil means time.Now.
	Now func() time.Time
	// Mailer renders the messages queued in the outbox. Nil sends none.
	Mailer Mailer
	// MailQueued, when set, is called after a transaction that queued mail
	// commits, so a delivery worker can send it at once.
	MailQueued func()
	// OnRevoke, when set, is told of each revoked session and when its last
	// access token expires, to fan the news out to API copies at once
	// (Redis); they also poll /revocations. It is called once the
	// revocation has committed, never inside a transaction, one call per
	// session; a slow OnRevoke delays only the request that revoked. (The
	// API's own lookup of revoked sessions is apiserver.Config.Revoked.)
	OnRevoke func(ctx context.Context, sid string, expiresAt time.Time)
	// MailBudget, when set, bounds the mail forgot-password and
	// resend-verification send to one address; past it they send nothing
	// and record a mail_suppressed event. Nil sends without a bound.
	MailBudget MailBudget
}

// Client describes who made a request, for the security event log. It is
// stored as given: the HTTP edge (web.ResolveClient) has already cleaned
// the UserAgent with input.UserAgent.
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
	// lockout is the failed-login rule every password check goes through.
	lockout *Lockout
	// dummyHash is compared against when a login name matches no account, so
	// that answer takes as long as a wrong password does.
	dummyHash []byte
	mailer    Mailer
	// jobs runs background jobs (ResendVerification, ForgotPassword).
	jobs *jobQueue
}

// NewService returns a Service. It hashes a throwaway password at the
// configured cost, which takes as long as one login.
func NewService(log *slog.Logger, store Store, signer TokenSigner, cfg Config) (*Service, error) {
	if cfg.BcryptCost < bcrypt.MinCost || cfg.BcryptCost > bcrypt.MaxCost {
		return nil, fmt.Errorf("bcrypt cost %d out of range", cfg.BcryptCost)
	}
	now := cfg.Now
	if now == nil {
		now = time.Now
	}
	lockout, err := NewLockout(log, store, store, now, LockoutRule{Threshold: cfg.LockoutThreshold, Duration: cfg.LockoutDuration})
	if err != nil {
		return nil, err
	}
	dummy, err := bcrypt.GenerateFromPassword(randomBytes(18), cfg.BcryptCost)
	if err != nil {
		return nil, err
	}
	mailer := cfg.Mailer
	if mailer == nil {
		mailer = noMail{}
	}
	return &Service{log: log, store: store, signer: signer, cfg: cfg, now: now, lockout: lockout, dummyHash: dummy,
		mailer: mailer, jobs: &jobQueue{max: backgroundWorkers, limit: backgroundQueue}}, nil
}

// mailQueued tells the delivery worker that a commit queued mail.
func (s *Service) mailQueued() {
	if s.cfg.MailQueued != nil {
		s.cfg.MailQueued()
	}
}

// noMail is the Mailer of a service built without one: it renders empty
// messages, which is enough for tests of other flows.
type noMail struct{}

func (noMail) Verification(to, _, _ string) (Email, error)  { return Email{To: to}, nil }
func (noMail) PasswordReset(to, _, _ string) (Email, error) { return Email{To: to}, nil }
func (noMail) PasswordChanged(to, _ string) (Email, error)  { return Email{To: to}, nil }

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

// timestamp returns the clock's time as stamp keeps it.
func (s *Service) timestamp() time.Time { return stamp(s.now()) }

// stamp returns t in UTC at the microsecond precision every store keeps.
func stamp(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

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
