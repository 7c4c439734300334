package auth

import (
	"context"
	"strconv"
)

// Unlock clears the failed-login count and any lock of the user's username
// and email; c is whoever asked, for the event log.
func (s *Service) Unlock(ctx context.Context, userID string, c Client) error {
	u, err := s.store.UserByID(ctx, userID)
	if err != nil {
		return err
	}
	if err := s.lockout.Clear(ctx, u); err != nil {
		return err
	}
	s.record(ctx, s.store, Event{Type: EventUnlock, UserID: u.ID, LoginName: u.Username, IP: c.IP, UserAgent: c.UserAgent})
	return nil
}

// SetAdmin grants or withdraws the admin role. Withdrawing it also ends the
// user's sessions, whose tokens still say is_admin.
func (s *Service) SetAdmin(ctx context.Context, userID string, admin bool, c Client) (User, error) {
	var (
		u       User
		demoted bool
		revoked []string
		err     error
	)
	err = s.store.Tx(ctx, func(tx Store) error {
		if u, err = tx.UserForUpdate(ctx, userID); err != nil {
			return err
		}
		demoted = u.IsAdmin && !admin
		u.IsAdmin = admin
		u.UpdatedAt = s.timestamp()
		if err := tx.UpdateUser(ctx, u); err != nil {
			return err
		}
		if demoted {
			// Tokens carry is_admin: end the sessions whose tokens say admin.
			if revoked, err = s.revokeAll(ctx, tx, u.ID, "", u.UpdatedAt); err != nil {
				return err
			}
		}
		return s.recordIn(ctx, tx, Event{Type: EventAdminGranted, UserID: u.ID, LoginName: u.Username, IP: c.IP, UserAgent: c.UserAgent,
			Detail: "is_admin=" + strconv.FormatBool(admin)})
	})
	if err != nil {
		return User{}, err
	}
	s.announce(ctx, revoked, u.UpdatedAt)
	return u, nil
}
