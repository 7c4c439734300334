package auth

import (
	"context"
	"errors"
)

// CheckSession reports whether session sid of userID is still live: stored,
// not revoked, not expired. Access tokens outlive a revocation by up to
// their TTL wherever only the signature is checked; the auth service checks
// the session too, so a reset or a password change takes effect there at
// once. It returns ErrUnauthenticated when the session is not live.
func (s *Service) CheckSession(ctx context.Context, userID, sid string) error {
	sess, err := s.store.Session(ctx, sid)
	switch {
	case errors.Is(err, ErrNotFound):
		return ErrUnauthenticated
	case err != nil:
		return err
	case sess.UserID != userID || !sess.RevokedAt.IsZero() || !s.now().Before(sess.ExpiresAt):
		return ErrUnauthenticated
	}
	return nil
}
