package auth

import (
	"bytes"
	"context"
	"errors"
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

// normalizeLogin returns a login name as accounts are looked up by: a
// username lower-cased, an address as NormalizeEmail stores it.
func normalizeLogin(login string) string {
	if strings.Contains(login, "@") {
		return NormalizeEmail(login)
	}
	return strings.ToLower(strings.TrimSpace(login))
}

// Login checks a login name (username or email) and password and opens a
// session. An unknown name and a wrong password both return
// ErrBadCredentials after the same bcrypt work, and both count towards the
// name's lock (see Lockout), so neither the answer, its timing nor a lock
// tells whether the account exists. A locked name gets a *LockedError
// before any password check. Only with the right password does it reveal
// ErrEmailUnverified or ErrDisabled.
func (s *Service) Login(ctx context.Context, login, password string, c Client) (Tokens, error) {
	name := normalizeLogin(login)
	if name == "" || len(name) > loginNameMaxBytes || !ValidLoginName(name) {
		// Nothing can match; still spend the time a real check would.
		_ = bcrypt.CompareHashAndPassword(s.dummyHash, []byte(password))
		return Tokens{}, ErrBadCredentials
	}
	u, err := s.store.UserByLogin(ctx, name)
	switch {
	case errors.Is(err, ErrNotFound):
		u = User{} // counted and checked all the same, against the dummy hash
	case err != nil:
		return Tokens{}, err
	}
	r, err := s.lockout.Reserve(ctx, Attempt{Name: name, UserID: u.ID, Client: c})
	if err != nil {
		return Tokens{}, err
	}
	hash := u.PasswordHash
	if u.ID == "" {
		hash = s.dummyHash // the same bcrypt work, and never a match
	}
	if !passwordMatches(hash, password) || u.ID == "" {
		if err := s.lockout.Fail(ctx, r); err != nil {
			return Tokens{}, err
		}
		return Tokens{}, ErrBadCredentials
	}
	if err := s.lockout.Succeed(ctx, r); err != nil {
		return Tokens{}, err
	}
	// A hash made at another BCRYPT_COST is redone now that the password is
	// at hand, so a cost change reaches every active account (and their
	// logins stop taking a different time from the dummy check).
	rehash, err := s.rehash(u.PasswordHash, password)
	if err != nil {
		return Tokens{}, err
	}
	// The password was checked against a copy read before the (slow)
	// bcrypt work. Open the session only if that copy still stands, with
	// the row locked, so a password change, reset or disable committed in
	// the meantime can't be outlived by a session it never saw.
	var tok Tokens
	err = s.store.Tx(ctx, func(tx Store) error {
		cur, err := tx.UserForUpdate(ctx, u.ID)
		switch {
		case errors.Is(err, ErrNotFound):
			return ErrBadCredentials
		case err != nil:
			return err
		case !bytes.Equal(cur.PasswordHash, u.PasswordHash):
			return ErrBadCredentials
		case cur.Disabled:
			return ErrDisabled
		case s.cfg.RequireEmailVerification && !cur.EmailVerified:
			return ErrEmailUnverified
		}
		if rehash != nil {
			cur.PasswordHash, cur.UpdatedAt = rehash, s.timestamp()
			if err := tx.UpdateUser(ctx, cur); err != nil {
				return err
			}
		}
		if tok, err = s.openSession(ctx, tx, cur, c); err != nil {
			return err
		}
		return s.recordIn(ctx, tx, Event{Type: EventLoginSuccess, UserID: u.ID, LoginName: name, IP: c.IP, UserAgent: c.UserAgent})
	})
	if err != nil {
		return Tokens{}, err
	}
	return tok, nil
}

// rehash returns a new hash of pw at the configured cost when hash was made
// at another one, and nil when it needs none.
func (s *Service) rehash(hash []byte, pw string) ([]byte, error) {
	cost, err := bcrypt.Cost(hash)
	if err != nil || cost == s.cfg.BcryptCost {
		return nil, nil
	}
	return s.hashPassword(pw)
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

// openSession stores a new session for u in st and signs its first access
// token.
func (s *Service) openSession(ctx context.Context, st Store, u User, c Client) (Tokens, error) {
	now := s.timestamp()
	c = c.storable()
	refresh, hash := newSecret()
	sess := Session{
		ID: newID(), UserID: u.ID, RefreshHash: hash,
		CreatedAt: now, RefreshedAt: now, ExpiresAt: now.Add(s.cfg.RefreshTokenTTL),
		IP: c.IP, UserAgent: c.UserAgent,
	}
	if err := st.CreateSession(ctx, sess); err != nil {
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
