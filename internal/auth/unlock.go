package auth

import (
	"context"
	"errors"
	"time"
)

// PurposeUnlock is the purpose of the single-use token an unlock mail
// carries.
const PurposeUnlock = "unlock"

// UnlockTTL is how long an unlock link works (SPEC: 1 h).
const UnlockTTL = time.Hour

// UnlockMailer renders the mail sent when an account is locked for
// everyone. A Mailer that also implements it (mail.Templates does) gets
// the account-wide lock's unlock mail sent; with one that doesn't, the
// lock still holds and lifts after LOCKOUT_DURATION, by a reset or by an
// admin. It is a separate interface so that Mailers written before it
// keep compiling.
type UnlockMailer interface {
	Unlock(to, username, token string) (Email, error)
}

// queueUnlockMail issues an unlock token for userID and queues its mail,
// inside tx, the transaction that locks the account for everyone; so
// there is one mail per lock, committed with it. It reports whether it
// queued one.
func (s *Service) queueUnlockMail(ctx context.Context, tx Store, userID string, now time.Time) (bool, error) {
	m, ok := s.mailer.(UnlockMailer)
	if !ok {
		return false, nil
	}
	u, err := tx.UserByID(ctx, userID)
	if errors.Is(err, ErrNotFound) || err == nil && u.Disabled {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	tok, err := s.issueToken(ctx, tx, u.ID, PurposeUnlock, UnlockTTL, now)
	if err != nil {
		return false, err
	}
	e, err := m.Unlock(u.Email, u.Username, tok)
	if err != nil {
		return false, err
	}
	return true, s.enqueue(ctx, tx, e, now)
}

// UnlockByToken spends the token of an unlock mail and clears every count
// and lock of its account, from every IP. A bad, used or expired token is
// ErrInvalidToken.
func (s *Service) UnlockByToken(ctx context.Context, token string, c Client) error {
	now := s.timestamp()
	var u User
	err := s.store.Tx(ctx, func(tx Store) error {
		var err error
		if u, err = spendToken(ctx, tx, token, PurposeUnlock, now); err != nil {
			return err
		}
		if err := tx.InvalidateUserTokens(ctx, u.ID, PurposeUnlock, now); err != nil {
			return err
		}
		return s.lockout.In(tx).Clear(ctx, u)
	})
	if err != nil {
		return err
	}
	s.record(ctx, s.store, Event{Type: EventUnlock, UserID: u.ID, LoginName: u.Username, IP: c.IP, UserAgent: c.UserAgent,
		Detail: "by the mailed link"})
	return nil
}
