package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
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
	// LockoutThreshold failures of one account from one client IP within
	// LockoutDuration lock that IP out of it; LockoutAccountThreshold
	// from all IPs lock the account (0: the same as LockoutThreshold).
	LockoutThreshold        int
	LockoutDuration         time.Duration
	LockoutAccountThreshold int
	// EventRetention is how long security events are kept (0: forever).
	EventRetention time.Duration
	// HashGate bounds the bcrypt work (HASH_CONCURRENCY, HASH_QUEUE,
	// HASH_WAIT); nil means one sized by DefaultHashGateConfig. Services
	// of one process should share one gate.
	HashGate *HashGate
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
	// OnUserDeleted, when set, is told of each deleted user once the
	// deletion has committed, to fan it out to API copies at once (Redis),
	// which erase the user's data; they also poll /deletions.
	OnUserDeleted func(ctx context.Context, userID string)
	// MailBudget, when set, bounds the mail forgot-password and
	// resend-verification send to one address; past it they send nothing
	// and record a mail_suppressed event. Nil sends without a bound.
	MailBudget MailBudget
	// Sealer encrypts TOTP secrets at rest (DB_ENCRYPTION_KEY); nil keeps
	// them in plaintext.
	Sealer Sealer
	// TOTPIssuer names Bizy in authenticator apps; "" means "Bizy".
	TOTPIssuer string
	// Passkeys runs WebAuthn ceremonies; nil turns passkeys off.
	Passkeys PasskeyCeremony
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
	// observe is told of every security event (ObserveEvents).
	observe *observer
	// gate bounds the bcrypt work; every hash and check goes through it.
	gate *HashGate
	// dummyHash is compared against when a login name matches no account, so
	// that answer takes as long as a wrong password does.
	dummyHash []byte
	mailer    Mailer
	// jobs runs background jobs (ResendVerification, ForgotPassword).
	jobs *jobQueue
}

// NewService returns a Service.
func NewService(log *slog.Logger, store Store, signer TokenSigner, cfg Config) (*Service, error) {
	if cfg.BcryptCost < bcrypt.MinCost || cfg.BcryptCost > bcrypt.MaxCost {
		return nil, fmt.Errorf("bcrypt cost %d out of range", cfg.BcryptCost)
	}
	now := cfg.Now
	if now == nil {
		now = time.Now
	}
	acct := cfg.LockoutAccountThreshold
	if acct == 0 {
		acct = max(DefaultLockoutAccountThreshold, cfg.LockoutThreshold)
	}
	lockout, err := NewLockout(log, store, now, LockoutRule{Threshold: cfg.LockoutThreshold,
		AccountThreshold: acct, Duration: cfg.LockoutDuration})
	if err != nil {
		return nil, err
	}
	dummy := dummyHash(cfg.BcryptCost)
	gate := cfg.HashGate
	if gate == nil {
		gate = NewHashGate(DefaultHashGateConfig())
	}
	mailer := cfg.Mailer
	if mailer == nil {
		mailer = noMail{}
	}
	s := &Service{log: log, store: store, signer: signer, cfg: cfg, now: now, lockout: lockout, gate: gate, dummyHash: dummy,
		mailer: mailer, jobs: &jobQueue{max: backgroundWorkers, limit: backgroundQueue}}
	lockout.accountLocked, lockout.mailed = s.queueUnlockMail, s.mailQueued
	s.observe = &observer{}
	lockout.events.observe = s.observe
	return s, nil
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

// hashPassword hashes pw at the configured cost, through the hashing
// gate; past the gate it records the refusal of c and returns ErrBusy.
func (s *Service) hashPassword(ctx context.Context, c Client, pw string) (hash []byte, err error) {
	if gerr := s.gated(ctx, c, func() { hash, err = bcrypt.GenerateFromPassword([]byte(pw), s.cfg.BcryptCost) }); gerr != nil {
		return nil, gerr
	}
	return hash, err
}

// checkPassword reports whether pw matches hash (passwordMatches), through
// the hashing gate like hashPassword.
func (s *Service) checkPassword(ctx context.Context, c Client, hash []byte, pw string) (ok bool, err error) {
	err = s.gated(ctx, c, func() { ok = passwordMatches(hash, pw) })
	return ok, err
}

// gated runs fn through the hashing gate. A refusal (ErrBusy) is a
// security event, recorded with the client c.
func (s *Service) gated(ctx context.Context, c Client, fn func()) error {
	err := s.gate.Do(ctx, fn)
	if errors.Is(err, ErrBusy) {
		s.record(ctx, s.store, Event{Type: EventBusy, IP: c.IP, UserAgent: c.UserAgent,
			Detail: "every password hashing slot and queue place taken"})
	}
	return err
}

// timestamp returns the clock's time as stamp keeps it.
func (s *Service) timestamp() time.Time { return stamp(s.now()) }

// stamp returns t in UTC at the microsecond precision every store keeps.
func stamp(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

func newID() string { return uuid.Must(uuid.NewV7()).String() }

// bcryptEncoding is bcrypt's own base64 alphabet, unpadded.
var bcryptEncoding = base64.NewEncoding("./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789").WithPadding(base64.NoPadding)

// dummyHash returns a well-formed bcrypt hash at cost whose salt and digest
// are random: comparing any password with it does a real check's bcrypt
// work at that cost, and no password is known to produce it. Hashing a
// throwaway password would give the same (it held up every start by one
// login's hashing, 250 ms at cost 12); random bytes cost nothing.
func dummyHash(cost int) []byte {
	salt := bcryptEncoding.EncodeToString(randomBytes(16))   // 22 characters
	digest := bcryptEncoding.EncodeToString(randomBytes(23)) // 31 characters
	return fmt.Appendf(nil, "$2a$%02d$%s%s", cost, salt, digest)
}

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
