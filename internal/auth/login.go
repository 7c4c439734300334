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
// ErrEmailUnverified or ErrDisabled, or, for an account with a second
// factor, an *MFARequiredError in place of the tokens (see LoginMFA).
func (s *Service) Login(ctx context.Context, login, password string, c Client) (Tokens, error) {
	c = c.storable() // the lockout's rows keep it too
	name := normalizeLogin(login)
	if name == "" || len(name) > loginNameMaxBytes || !ValidLoginName(name) {
		// Nothing can match; still spend the time a real check would,
		// through the same gate.
		if _, err := s.checkPassword(ctx, c, s.dummyHash, password); err != nil {
			return Tokens{}, err
		}
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
	ok, err := s.checkPassword(ctx, c, hash, password)
	if err != nil { // not checked (busy, or the request ended): no failure
		return Tokens{}, errors.Join(err, s.lockout.Release(ctx, r))
	}
	if !ok || u.ID == "" {
		if err := s.lockout.Fail(ctx, r); err != nil {
			return Tokens{}, err
		}
		return Tokens{}, ErrBadCredentials
	}
	if err := s.lockout.Succeed(ctx, r); err != nil {
		return Tokens{}, err
	}
	tok, err := s.openLoginSession(ctx, u, name, password, c)
	if err != nil {
		return Tokens{}, err // a *MFARequiredError when a second factor is due
	}
	return tok, nil
}

// hashRaces is how many times openLoginSession checks the password again
// after finding the stored hash changed under it, before giving up.
const hashRaces = 3

// openLoginSession opens a session for u, signed in as name, whose password the caller has
// just checked against u.PasswordHash, a copy read before the slow bcrypt
// work. The session opens only if that copy still stands, with the row
// locked, so a password change, reset or disable committed meanwhile
// can't be outlived by a session it never saw.
//
// A hash made at another BCRYPT_COST is redone on the way, so a cost
// change reaches every active account. Concurrent logins of one user all
// rehash; the first to commit wins and the others find the stored hash
// changed. They can't tell a rehash from a new password without the
// password, so they check it again against what is stored now (outside
// any transaction) and go on if it matches: a rehash never fails a login
// racing it, and a real change still does.
func (s *Service) openLoginSession(ctx context.Context, u User, name, password string, c Client) (Tokens, error) {
	// The signer is fetched before the transaction: a key ring reloads its
	// keys through the pool, and a transaction holding one connection must
	// never wait for a second (on a small pool, logins doing so starve
	// each other).
	signer, err := s.signer.Signer(ctx)
	if err != nil {
		return Tokens{}, err
	}
	checked := u.PasswordHash
	for range hashRaces {
		rehash, err := s.rehash(ctx, c, checked, password)
		if err != nil {
			return Tokens{}, err
		}
		var (
			tok     Tokens
			changed []byte
			mfa     *MFARequiredError // a second factor is due: no session yet
		)
		err = s.store.Tx(ctx, func(tx Store) error {
			cur, err := tx.UserForUpdate(ctx, u.ID)
			switch {
			case errors.Is(err, ErrNotFound):
				return ErrBadCredentials
			case err != nil:
				return err
			case !bytes.Equal(cur.PasswordHash, checked):
				changed = cur.PasswordHash
				return nil
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
			if mfa, err = s.secondFactorDue(ctx, tx, cur, name); err != nil || mfa != nil {
				return err
			}
			if tok, err = s.openSession(ctx, tx, signer, cur, c); err != nil {
				return err
			}
			return s.recordIn(ctx, tx, Event{Type: EventLoginSuccess, UserID: u.ID, LoginName: name, IP: c.IP, UserAgent: c.UserAgent})
		})
		if err == nil && mfa != nil {
			return Tokens{}, mfa
		}
		if err != nil || changed == nil {
			return tok, err
		}
		ok, err := s.checkPassword(ctx, c, changed, password)
		if err != nil {
			return Tokens{}, err
		}
		if !ok {
			return Tokens{}, ErrBadCredentials // a new password, not a rehash
		}
		checked = changed
	}
	return Tokens{}, ErrBadCredentials
}

// rehash returns a new hash of pw at the configured cost when hash was made
// at another one, and nil when it needs none.
func (s *Service) rehash(ctx context.Context, c Client, hash []byte, pw string) ([]byte, error) {
	cost, err := bcrypt.Cost(hash)
	if err != nil || cost == s.cfg.BcryptCost {
		return nil, nil
	}
	return s.hashPassword(ctx, c, pw)
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

// openSession stores a new session for u in st, signed in with a password
// alone, and signs its first access token with signer.
func (s *Service) openSession(ctx context.Context, st Store, signer *token.Signer, u User, c Client) (Tokens, error) {
	return s.openSessionAMR(ctx, st, signer, u, c, []string{AMRPassword})
}

// openSessionAMR is openSession for a sign-in made as amr says; the amr is
// stored with the session so its refreshed tokens keep it.
func (s *Service) openSessionAMR(ctx context.Context, st Store, signer *token.Signer, u User, c Client, amr []string) (Tokens, error) {
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
	if err := st.SetSessionAMR(ctx, sess.ID, amr); err != nil {
		return Tokens{}, err
	}
	access, err := s.sign(signer, u, sess.ID, amr, now)
	if err != nil {
		return Tokens{}, err
	}
	return Tokens{AccessToken: access, ExpiresIn: int(s.cfg.AccessTokenTTL / time.Second),
		RefreshToken: refresh, User: u, SessionID: sess.ID}, nil
}

// issue signs an access token for u under session sid, signed in as amr
// says (nil: a password alone).
func (s *Service) issue(ctx context.Context, u User, sid string, amr []string, now time.Time) (string, error) {
	if len(amr) == 0 {
		amr = []string{AMRPassword}
	}
	signer, err := s.signer.Signer(ctx)
	if err != nil {
		return "", err
	}
	return s.sign(signer, u, sid, amr, now)
}

// sign signs an access token for u under session sid, signed in as amr
// says, with signer.
func (s *Service) sign(signer *token.Signer, u User, sid string, amr []string, now time.Time) (string, error) {
	return signer.Sign(token.Claims{
		Issuer: s.cfg.Issuer, Subject: u.ID, Audience: []string{s.cfg.Audience},
		ExpiresAt: now.Add(s.cfg.AccessTokenTTL), IssuedAt: now, ID: newID(),
		SessionID: sid, UserID: u.ID, Username: u.Username, Email: u.Email,
		IsAdmin: u.IsAdmin, EmailVerified: u.EmailVerified, AMR: amr, AAL: aalOf(amr),
	})
}
