package auth

import (
	"bytes"
	"context"
	"time"
)

// ResetPassword sets a new password with a reset token. A weak password is
// a *ValidationError and leaves the token usable; a bad, used or expired
// token is ErrInvalidToken. Every session of the user is revoked, the lock
// on their names lifted, and the address counts as verified: the link
// proved the user reads it.
func (s *Service) ResetPassword(ctx context.Context, token, password string, c Client) error {
	if msg := validPassword(password); msg != "" {
		return &ValidationError{Fields: map[string]string{"password": msg}}
	}
	hash, err := s.hashPassword(password)
	if err != nil {
		return err
	}
	p := newPassword{hash: hash, at: s.timestamp(), verifiesEmail: true, event: EventPasswordReset}
	return s.setPassword(ctx, p, c, func(tx Store) (User, error) {
		return spendToken(ctx, tx, token, PurposeResetPassword, p.at)
	})
}

// PasswordChange is a signed-in user's request to replace their password.
type PasswordChange struct {
	UserID string
	// SessionID is the caller's session, which stays signed in; every other
	// session of the user is revoked.
	SessionID string
	Current   string // the password now, checked first
	New       string
}

// ChangePassword replaces the password of ch.UserID after checking the
// current one. A wrong current password counts as a failed login for the
// username (see Lockout) and is a *CredentialError naming
// current_password; a locked username gets a *LockedError before any check.
// A weak or unchanged new password is a *ValidationError naming
// new_password. Every session of the user but ch.SessionID is revoked.
func (s *Service) ChangePassword(ctx context.Context, ch PasswordChange, c Client) error {
	u, err := s.store.UserByID(ctx, ch.UserID)
	if err != nil {
		return err
	}
	r, err := s.lockout.Reserve(ctx, Attempt{Name: normalizeLogin(u.Username), UserID: u.ID, Client: c})
	if err != nil {
		return err
	}
	if !passwordMatches(u.PasswordHash, ch.Current) {
		if err := s.lockout.Fail(ctx, r); err != nil {
			return err
		}
		return &CredentialError{Field: "current_password", Message: "is incorrect"}
	}
	if err := s.lockout.Succeed(ctx, r); err != nil {
		return err
	}
	if msg := validPassword(ch.New); msg != "" {
		return &ValidationError{Fields: map[string]string{"new_password": msg}}
	}
	if ch.Current == ch.New {
		return &ValidationError{Fields: map[string]string{"new_password": "must differ from the current password"}}
	}
	hash, err := s.hashPassword(ch.New)
	if err != nil {
		return err
	}
	p := newPassword{hash: hash, at: s.timestamp(), keepSession: ch.SessionID, event: EventPasswordChanged}
	return s.setPassword(ctx, p, c, func(tx Store) (User, error) {
		cur, err := tx.UserForUpdate(ctx, ch.UserID)
		if err == nil && !bytes.Equal(cur.PasswordHash, u.PasswordHash) {
			// Changed by another request since the check above.
			return User{}, &CredentialError{Field: "current_password", Message: "is incorrect"}
		}
		return cur, err
	})
}

// newPassword is a password setPassword stores, and what comes with it.
type newPassword struct {
	hash []byte
	at   time.Time
	// keepSession is the session that stays signed in ("": none).
	keepSession string
	// verifiesEmail marks the address verified: a reset link proved the
	// user reads it.
	verifiesEmail bool
	// event is the security event recorded once it is stored.
	event string
}

// setPassword stores p as the password of the user that lock finds and
// locks inside one transaction: reset links die, every session but
// p.keepSession is revoked, the names' failed logins and locks are
// cleared, and a notice is queued in the outbox. Only once that has
// committed are the revoked sessions announced and the mail worker woken;
// p.event is recorded in the transaction. lock's errors are returned as
// they are.
func (s *Service) setPassword(ctx context.Context, p newPassword, c Client, lock func(tx Store) (User, error)) error {
	var (
		u       User
		revoked []string
	)
	err := s.store.Tx(ctx, func(tx Store) error {
		var err error
		if u, err = lock(tx); err != nil {
			return err
		}
		u.PasswordHash, u.UpdatedAt = p.hash, p.at
		if p.verifiesEmail {
			u.EmailVerified = true
		}
		if err := tx.UpdateUser(ctx, u); err != nil {
			return err
		}
		if err := tx.InvalidateUserTokens(ctx, u.ID, PurposeResetPassword, p.at); err != nil {
			return err
		}
		if revoked, err = s.revokeAll(ctx, tx, u.ID, p.keepSession, p.at); err != nil {
			return err
		}
		if err := s.lockout.In(tx).Clear(ctx, u); err != nil {
			return err
		}
		e, err := s.mailer.PasswordChanged(u.Email, u.Username)
		if err != nil {
			return err
		}
		if err := s.enqueue(ctx, tx, e, p.at); err != nil {
			return err
		}
		return s.recordIn(ctx, tx, Event{Type: p.event, UserID: u.ID, LoginName: u.Username, IP: c.IP, UserAgent: c.UserAgent})
	})
	if err != nil {
		return err
	}
	s.announce(ctx, revoked, p.at)
	s.mailQueued()
	return nil
}
