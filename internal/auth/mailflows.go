package auth

import (
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

// spendToken uses up the single-use token with purpose inside tx and
// returns its user, locked for update. A bad, used or expired token is
// ErrInvalidToken.
func spendToken(ctx context.Context, tx Store, token, purpose string, now time.Time) (User, error) {
	t, err := tx.ConsumeUserToken(ctx, HashSecret(token), purpose, now)
	if errors.Is(err, ErrNotFound) {
		return User{}, ErrInvalidToken
	}
	if err != nil {
		return User{}, err
	}
	return tx.UserForUpdate(ctx, t.UserID)
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
		var err error
		if u, err = spendToken(ctx, tx, token, PurposeVerifyEmail, now); err != nil {
			return err
		}
		u.EmailVerified, u.UpdatedAt = true, now
		if err := tx.UpdateUser(ctx, u); err != nil {
			return err
		}
		if err := tx.InvalidateUserTokens(ctx, u.ID, PurposeVerifyEmail, now); err != nil {
			return err
		}
		return s.recordIn(ctx, tx, Event{Type: EventEmailVerified, UserID: u.ID, LoginName: u.Username, IP: c.IP, UserAgent: c.UserAgent})
	})
	if err != nil {
		return User{}, err
	}
	return u, nil
}

// ResendVerification queues a new verification mail when email belongs to
// an unverified account. It returns at once and does the work in the
// background, so neither the answer nor its timing tells whether the
// address is known. Past the address's MailBudget it sends nothing.
func (s *Service) ResendVerification(ctx context.Context, email string, c Client) {
	email = NormalizeEmail(email)
	if !ValidLoginName(email) {
		return // no account can have it
	}
	s.background(ctx, func(ctx context.Context) error {
		if !s.takeMail(ctx, email, "verification", c) {
			return nil
		}
		u, err := s.store.UserByLogin(ctx, email)
		if errors.Is(err, ErrNotFound) || err == nil && (u.Email != email || u.EmailVerified || u.Disabled) {
			return nil // nothing to send, and nothing to tell
		}
		if err != nil {
			return err
		}
		now := s.timestamp()
		err = s.store.Tx(ctx, func(tx Store) error {
			if err := s.sendVerification(ctx, tx, u, now); err != nil {
				return err
			}
			return s.recordIn(ctx, tx, Event{Type: EventVerificationSent, UserID: u.ID, LoginName: email, IP: c.IP, UserAgent: c.UserAgent})
		})
		if err != nil {
			return err
		}
		s.mailQueued()
		return nil
	})
}

// ForgotPassword queues a reset mail when email belongs to an account. Like
// ResendVerification it answers at once, works in the background and
// sends nothing past the address's MailBudget.
func (s *Service) ForgotPassword(ctx context.Context, email string, c Client) {
	email = NormalizeEmail(email)
	if !ValidLoginName(email) {
		return // no account can have it
	}
	s.background(ctx, func(ctx context.Context) error {
		if !s.takeMail(ctx, email, "password reset", c) {
			return nil
		}
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
			if err := s.enqueue(ctx, tx, e, now); err != nil {
				return err
			}
			return s.recordIn(ctx, tx, Event{Type: EventResetRequested, UserID: u.ID, LoginName: email, IP: c.IP, UserAgent: c.UserAgent})
		})
		if err != nil {
			return err
		}
		s.mailQueued()
		return nil
	})
}
