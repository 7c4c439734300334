package auth

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/bizy-auth/bizy/token"
)

// Tokens is what a successful login or refresh hands the client.
type Tokens struct {
	AccessToken  string
	ExpiresIn    int // seconds
	RefreshToken string
	User         User
	SessionID    string
}

func normalizeLogin(login string) string { return strings.ToLower(strings.TrimSpace(login)) }

// Login checks a login name (username or email) and password and opens a
// session. An unknown name and a wrong password both return
// ErrBadCredentials after the same bcrypt work, and both count towards the
// name's lock, so neither the answer, its timing nor a lock tells whether the
// account exists. A locked name gets a *LockedError before any password check.
// Only with the right password does it reveal ErrEmailUnverified or ErrDisabled.
func (s *Service) Login(ctx context.Context, login, password string, c Client) (Tokens, error) {
	name := normalizeLogin(login)
	if name == "" || len(name) > loginNameMaxBytes {
		// Nothing can match; still spend the time a real check would.
		_ = bcrypt.CompareHashAndPassword(s.dummyHash, []byte(password))
		return Tokens{}, ErrBadCredentials
	}
	now := s.now()
	until, err := s.store.LoginLockedUntil(ctx, name)
	if err != nil {
		return Tokens{}, err
	}
	if now.Before(until) {
		s.record(ctx, s.store, Event{Type: EventLoginLocked, LoginName: name, IP: c.IP, UserAgent: c.UserAgent})
		return Tokens{}, &LockedError{RetryAfterSeconds: retryAfter(until.Sub(now))}
	}
	u, err := s.store.UserByLogin(ctx, name)
	switch {
	case errors.Is(err, ErrNotFound):
		_ = bcrypt.CompareHashAndPassword(s.dummyHash, []byte(password))
		return Tokens{}, s.loginFailed(ctx, name, "", c)
	case err != nil:
		return Tokens{}, err
	}
	if !passwordMatches(u.PasswordHash, password) {
		return Tokens{}, s.loginFailed(ctx, name, u.ID, c)
	}
	if err := s.store.ClearLoginFailures(ctx, name); err != nil {
		return Tokens{}, err
	}
	switch {
	case u.Disabled:
		return Tokens{}, ErrDisabled
	case s.cfg.RequireEmailVerification && !u.EmailVerified:
		return Tokens{}, ErrEmailUnverified
	}
	tok, err := s.openSession(ctx, u, c)
	if err != nil {
		return Tokens{}, err
	}
	s.record(ctx, s.store, Event{Type: EventLoginSuccess, UserID: u.ID, LoginName: name, IP: c.IP, UserAgent: c.UserAgent})
	return tok, nil
}

// passwordMatches compares in constant time (bcrypt does). A password longer
// than bcrypt's 72 bytes never matches rather than matching on its prefix.
func passwordMatches(hash []byte, pw string) bool {
	if len(pw) > PasswordMaxBytes {
		_ = bcrypt.CompareHashAndPassword(hash, []byte(pw[:PasswordMaxBytes]))
		return false
	}
	return bcrypt.CompareHashAndPassword(hash, []byte(pw)) == nil
}

// loginFailed counts a failure for name, locks it at the threshold and
// returns ErrBadCredentials. The failure that reaches the threshold is still
// a 401; the lock applies from the next try.
func (s *Service) loginFailed(ctx context.Context, name, userID string, c Client) error {
	s.record(ctx, s.store, Event{Type: EventLoginFailure, UserID: userID, LoginName: name, IP: c.IP, UserAgent: c.UserAgent})
	n, err := s.store.AddLoginFailure(ctx, name, s.now())
	if err != nil {
		return err
	}
	if n >= s.cfg.LockoutThreshold {
		if err := s.store.LockLogin(ctx, name, s.now().Add(s.cfg.LockoutDuration)); err != nil {
			return err
		}
		s.record(ctx, s.store, Event{Type: EventLock, UserID: userID, LoginName: name, IP: c.IP, UserAgent: c.UserAgent,
			Detail: "locked after " + strconv.Itoa(n) + " failed logins"})
	}
	return ErrBadCredentials
}

// openSession stores a new session for u and signs its first access token.
func (s *Service) openSession(ctx context.Context, u User, c Client) (Tokens, error) {
	now := s.timestamp()
	refresh, hash := newSecret()
	sess := Session{
		ID: newID(), UserID: u.ID, RefreshHash: hash,
		CreatedAt: now, RefreshedAt: now, ExpiresAt: now.Add(s.cfg.RefreshTokenTTL),
		IP: c.IP, UserAgent: truncate(c.UserAgent, 512),
	}
	if err := s.store.CreateSession(ctx, sess); err != nil {
		return Tokens{}, err
	}
	access, err := s.issue(ctx, u, sess.ID, now)
	if err != nil {
		return Tokens{}, err
	}
	return Tokens{AccessToken: access, ExpiresIn: int(s.cfg.AccessTokenTTL / time.Second),
		RefreshToken: refresh, User: u, SessionID: sess.ID}, nil
}

// issue signs an access token for u under session sid.
func (s *Service) issue(ctx context.Context, u User, sid string, now time.Time) (string, error) {
	signer, err := s.signer.Signer(ctx)
	if err != nil {
		return "", err
	}
	return signer.Sign(token.Claims{
		Issuer: s.cfg.Issuer, Subject: u.ID, Audience: []string{s.cfg.Audience},
		ExpiresAt: now.Add(s.cfg.AccessTokenTTL), IssuedAt: now, ID: newID(),
		SessionID: sid, UserID: u.ID, Username: u.Username, Email: u.Email,
		IsAdmin: u.IsAdmin, EmailVerified: u.EmailVerified,
	})
}

func retryAfter(d time.Duration) int {
	secs := int((d + time.Second - 1) / time.Second)
	if secs < 1 {
		secs = 1
	}
	return secs
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}
