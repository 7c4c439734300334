package auth

import (
	"bytes"
	"context"
	"errors"
	"time"
)

// enqueue renders nothing itself: it stores e in st's outbox, due at once.
func (s *Service) enqueue(ctx context.Context, st Store, e Email, now time.Time) error {
	return st.EnqueueEmail(ctx, OutboxEmail{ID: newID(), Email: e, CreatedAt: now})
}

// issueToken stores a new single-use token for u and returns it. Older
// unused tokens of the same purpose die, so only the newest link works.
func (s *Service) issueToken(ctx context.Context, st Store, userID, purpose string, ttl time.Duration, now time.Time) (string, error) {
	if err := st.InvalidateUserTokens(ctx, userID, purpose, now); err != nil {
		return "", err
	}
	tok, hash := newSecret()
	err := st.CreateUserToken(ctx, UserToken{Hash: hash, UserID: userID, Purpose: purpose, CreatedAt: now, ExpiresAt: now.Add(ttl)})
	return tok, err
}

// sendVerification issues a verification token for u and queues its mail,
// inside st's transaction.
func (s *Service) sendVerification(ctx context.Context, st Store, u User, now time.Time) error {
	tok, err := s.issueToken(ctx, st, u.ID, PurposeVerifyEmail, VerificationTTL, now)
	if err != nil {
		return err
	}
	e, err := s.mailer.Verification(u.Email, u.Username, tok)
	if err != nil {
		return err
	}
	return s.enqueue(ctx, st, e, now)
}

// VerifyEmail spends a verification token and marks its user's address
// verified. A bad, used or expired token is ErrInvalidToken.
func (s *Service) VerifyEmail(ctx context.Context, token string, c Client) (User, error) {
	now := s.timestamp()
	var u User
	err := s.store.Tx(ctx, func(tx Store) error {
		t, err := tx.ConsumeUserToken(ctx, HashSecret(token), PurposeVerifyEmail, now)
		if errors.Is(err, ErrNotFound) {
			return ErrInvalidToken
		}
		if err != nil {
			return err
		}
		if u, err = tx.UserForUpdate(ctx, t.UserID); err != nil {
			return err
		}
		u.EmailVerified, u.UpdatedAt = true, now
		if err := tx.UpdateUser(ctx, u); err != nil {
			return err
		}
		return tx.InvalidateUserTokens(ctx, u.ID, PurposeVerifyEmail, now)
	})
	if err != nil {
		return User{}, err
	}
	s.record(ctx, s.store, Event{Type: EventEmailVerified, UserID: u.ID, LoginName: u.Username, IP: c.IP, UserAgent: c.UserAgent})
	return u, nil
}

// ResendVerification queues a new verification mail when email belongs to
// an unverified account. It returns at once and does the work in the
// background, so neither the answer nor its timing tells whether the
// address is known.
func (s *Service) ResendVerification(ctx context.Context, email string, c Client) {
	email = NormalizeEmail(email)
	if !ValidLoginName(email) {
		return // no account can have it
	}
	s.background(ctx, func(ctx context.Context) error {
		u, err := s.store.UserByLogin(ctx, email)
		if errors.Is(err, ErrNotFound) || err == nil && (u.Email != email || u.EmailVerified || u.Disabled) {
			return nil // nothing to send, and nothing to tell
		}
		if err != nil {
			return err
		}
		now := s.timestamp()
		if err := s.store.Tx(ctx, func(tx Store) error { return s.sendVerification(ctx, tx, u, now) }); err != nil {
			return err
		}
		s.mailQueued()
		s.record(ctx, s.store, Event{Type: EventVerificationSent, UserID: u.ID, LoginName: email, IP: c.IP, UserAgent: c.UserAgent})
		return nil
	})
}

// ForgotPassword queues a reset mail when email belongs to an account. Like
// ResendVerification it answers at once and works in the background.
func (s *Service) ForgotPassword(ctx context.Context, email string, c Client) {
	email = NormalizeEmail(email)
	if !ValidLoginName(email) {
		return // no account can have it
	}
	s.background(ctx, func(ctx context.Context) error {
		u, err := s.store.UserByLogin(ctx, email)
		if errors.Is(err, ErrNotFound) || err == nil && u.Email != email {
			s.record(ctx, s.store, Event{Type: EventResetRequested, LoginName: email, IP: c.IP, UserAgent: c.UserAgent,
				Detail: "no account with this address"})
			return nil
		}
		if err != nil {
			return err
		}
		if u.Disabled {
			return nil
		}
		now := s.timestamp()
		err = s.store.Tx(ctx, func(tx Store) error {
			tok, err := s.issueToken(ctx, tx, u.ID, PurposeResetPassword, ResetTTL, now)
			if err != nil {
				return err
			}
			e, err := s.mailer.PasswordReset(u.Email, u.Username, tok)
			if err != nil {
				return err
			}
			return s.enqueue(ctx, tx, e, now)
		})
		if err != nil {
			return err
		}
		s.mailQueued()
		s.record(ctx, s.store, Event{Type: EventResetRequested, UserID: u.ID, LoginName: email, IP: c.IP, UserAgent: c.UserAgent})
		return nil
	})
}

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
	now := s.timestamp()
	var u User
	err = s.store.Tx(ctx, func(tx Store) error {
		t, err := tx.ConsumeUserToken(ctx, HashSecret(token), PurposeResetPassword, now)
		if errors.Is(err, ErrNotFound) {
			return ErrInvalidToken
		}
		if err != nil {
			return err
		}
		if u, err = tx.UserForUpdate(ctx, t.UserID); err != nil {
			return err
		}
		return s.setPassword(ctx, tx, &u, hash, "", now, true)
	})
	if err != nil {
		return err
	}
	s.mailQueued()
	s.record(ctx, s.store, Event{Type: EventPasswordReset, UserID: u.ID, LoginName: u.Username, IP: c.IP, UserAgent: c.UserAgent})
	return nil
}

// ChangePassword replaces the password of userID after checking the
// current one. A wrong current password counts as a failed login for the
// username (see Lockout) and is a *CredentialError naming current_password. Every other
// session of the user is revoked; session keepSID, the caller's, stays.
func (s *Service) ChangePassword(ctx context.Context, userID, keepSID, current, next string, c Client) error {
	u, err := s.store.UserByID(ctx, userID)
	if err != nil {
		return err
	}
	r, err := s.lockout.Reserve(ctx, Attempt{Name: normalizeLogin(u.Username), UserID: u.ID, Client: c})
	if err != nil {
		return err
	}
	if !passwordMatches(u.PasswordHash, current) {
		if err := s.lockout.Fail(ctx, r); err != nil {
			return err
		}
		return &CredentialError{Field: "current_password", Message: "is incorrect"}
	}
	if err := s.lockout.Succeed(ctx, r); err != nil {
		return err
	}
	if msg := validPassword(next); msg != "" {
		return &ValidationError{Fields: map[string]string{"new_password": msg}}
	}
	if current == next {
		return &ValidationError{Fields: map[string]string{"new_password": "must differ from the current password"}}
	}
	hash, err := s.hashPassword(next)
	if err != nil {
		return err
	}
	ts := s.timestamp()
	checked := u.PasswordHash
	err = s.store.Tx(ctx, func(tx Store) error {
		if u, err = tx.UserForUpdate(ctx, userID); err != nil {
			return err
		}
		if !bytes.Equal(u.PasswordHash, checked) {
			// Changed by another request since the check above.
			return &CredentialError{Field: "current_password", Message: "is incorrect"}
		}
		return s.setPassword(ctx, tx, &u, hash, keepSID, ts, false)
	})
	if err != nil {
		return err
	}
	s.mailQueued()
	s.record(ctx, s.store, Event{Type: EventPasswordChanged, UserID: u.ID, LoginName: u.Username, IP: c.IP, UserAgent: c.UserAgent})
	return nil
}

// setPassword stores hash as u's password inside tx: reset links die, every
// session but keepSID is revoked, the names' failed logins are cleared, and
// a notice is mailed.
func (s *Service) setPassword(ctx context.Context, tx Store, u *User, hash []byte, keepSID string, now time.Time, verified bool) error {
	u.PasswordHash, u.UpdatedAt = hash, now
	if verified {
		u.EmailVerified = true
	}
	if err := tx.UpdateUser(ctx, *u); err != nil {
		return err
	}
	if err := tx.InvalidateUserTokens(ctx, u.ID, PurposeResetPassword, now); err != nil {
		return err
	}
	if err := s.revokeAll(ctx, tx, u.ID, keepSID, now); err != nil {
		return err
	}
	if err := s.lockout.In(tx).Clear(ctx, *u); err != nil {
		return err
	}
	e, err := s.mailer.PasswordChanged(u.Email, u.Username)
	if err != nil {
		return err
	}
	return s.enqueue(ctx, tx, e, now)
}
