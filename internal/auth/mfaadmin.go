package auth

import "context"

// AdminRemoveMFA removes every second factor of userID (TOTP, recovery
// codes, passkeys) on behalf of the admin actorID, whom the caller has
// checked with RequireAdmin: the way back in for a user who lost their
// authenticator. ErrNotFound for an unknown userID.
func (s *Service) AdminRemoveMFA(ctx context.Context, actorID, userID string, c Client) error {
	u, err := s.store.UserByID(ctx, userID)
	if err != nil {
		return err
	}
	had, err := s.store.DeleteUserMFA(ctx, u.ID)
	if err != nil {
		return err
	}
	if had {
		s.recordAdmin(ctx, EventAdminMFARemoved, actorID, u, c, "")
	}
	return nil
}

// HasMFA reports whether userID has any second factor on, for the admin
// console's badge.
func (s *Service) HasMFA(ctx context.Context, userID string) (bool, error) {
	st, err := s.MFA(ctx, userID)
	return st.TOTP || len(st.Passkeys) > 0, err
}
