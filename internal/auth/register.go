package auth

import (
	"context"
	"strings"
)

// Registration is what a new user chooses.
type Registration struct {
	Username string
	Email    string
	Password string
	// Set only by trusted callers (the CLI); the public endpoint leaves them false.
	IsAdmin       bool
	EmailVerified bool
}

// Register validates r, hashes the password and creates the user with a
// security event and, unless the address is already verified, a
// verification mail in the outbox, all in one transaction. It returns a *ValidationError for bad
// input and a *ConflictError when the username or email is taken.
func (s *Service) Register(ctx context.Context, r Registration, c Client) (User, error) {
	r.Username = strings.TrimSpace(r.Username)
	var ve ValidationError
	if msg := validUsername(r.Username); msg != "" {
		ve.Add("username", msg)
	}
	// Checked as given: normalising maps some invisible characters away.
	if msg := validEmail(r.Email); msg != "" {
		ve.Add("email", msg)
	}
	r.Email = NormalizeEmail(r.Email)
	if msg := validPassword(r.Password); msg != "" {
		ve.Add("password", msg)
	}
	if err := ve.Err(); err != nil {
		return User{}, err
	}
	hash, err := s.hashPassword(r.Password)
	if err != nil {
		return User{}, err
	}
	now := s.timestamp()
	u := User{
		ID: newID(), Username: r.Username, Email: r.Email,
		EmailVerified: r.EmailVerified, IsAdmin: r.IsAdmin,
		CreatedAt: now, UpdatedAt: now, PasswordHash: hash,
	}
	err = s.store.Tx(ctx, func(tx Store) error {
		if err := tx.CreateUser(ctx, u); err != nil {
			return err
		}
		if err := s.recordIn(ctx, tx, Event{Type: EventRegister, UserID: u.ID,
			LoginName: u.Username, IP: c.IP, UserAgent: c.UserAgent}); err != nil {
			return err
		}
		if u.EmailVerified {
			return nil
		}
		// The mail commits with the account, or neither does.
		if err := s.sendVerification(ctx, tx, u, now); err != nil {
			return err
		}
		return s.recordIn(ctx, tx, Event{Type: EventVerificationSent, UserID: u.ID,
			LoginName: u.Email, IP: c.IP, UserAgent: c.UserAgent})
	})
	if err != nil {
		return User{}, err
	}
	if !u.EmailVerified {
		s.mailQueued()
	}
	return u, nil
}
