package auth

import (
	"context"
	"errors"
	"time"
)

// PageSession is a browser signed in to the pages: the session its cookie
// names, the user it belongs to, and the cookie's secret. Only the secret's
// SHA-256 is stored; the secret itself is known only right after PageLogin.
type PageSession struct {
	Secret  string // the cookie value; "" when the session was resumed
	Session Session
	User    User
	AMR     []string // how the session was signed in (see MFAStore.SessionAMR)
}

// cookieSecretLen is the length of a secret newSecret makes: 32 bytes in
// unpadded base64url.
const cookieSecretLen = 43

// PageLogin signs a browser in. It is Login, with every rule Login keeps
// (one answer for unknown names and wrong passwords, the lockout, email
// verification, disabled accounts), and then gives the session Login opened
// a cookie secret of 256 random bits. The access and refresh tokens Login
// issued are never handed out: the cookie is the page's only credential.
func (s *Service) PageLogin(ctx context.Context, login, password string, c Client) (PageSession, error) {
	t, err := s.Login(ctx, login, password, c)
	if err != nil {
		return PageSession{}, err
	}
	return s.pageSession(ctx, t)
}

// pageSession gives the session a sign-in opened a cookie secret.
func (s *Service) pageSession(ctx context.Context, t Tokens) (PageSession, error) {
	secret, hash := newSecret()
	if err := s.store.SetSessionCookie(ctx, t.SessionID, hash); err != nil {
		return PageSession{}, err
	}
	sess, err := s.store.Session(ctx, t.SessionID)
	if err != nil {
		return PageSession{}, err
	}
	amr, err := s.store.SessionAMR(ctx, sess.ID)
	if err != nil {
		return PageSession{}, err
	}
	return PageSession{Secret: secret, Session: sess, User: t.User, AMR: amr}, nil
}

// ResumePageSession returns the page session a cookie secret names, with
// its user as the store has them now. It returns ErrUnauthenticated when
// the secret names no session, or the session was revoked (a logout from a
// page, the API or another device, a password change or reset, an admin)
// or has expired, or its user is disabled or gone.
func (s *Service) ResumePageSession(ctx context.Context, secret string) (PageSession, error) {
	if len(secret) != cookieSecretLen {
		return PageSession{}, ErrUnauthenticated
	}
	sess, err := s.store.SessionByCookie(ctx, HashSecret(secret))
	switch {
	case errors.Is(err, ErrNotFound):
		return PageSession{}, ErrUnauthenticated
	case err != nil:
		return PageSession{}, err
	case !sess.RevokedAt.IsZero() || !s.now().Before(sess.ExpiresAt):
		return PageSession{}, ErrUnauthenticated
	}
	u, err := s.store.UserByID(ctx, sess.UserID)
	switch {
	case errors.Is(err, ErrNotFound):
		return PageSession{}, ErrUnauthenticated
	case err != nil:
		return PageSession{}, err
	case u.Disabled:
		return PageSession{}, ErrUnauthenticated
	}
	amr, err := s.store.SessionAMR(ctx, sess.ID)
	if err != nil {
		return PageSession{}, err
	}
	return PageSession{Session: sess, User: u, AMR: amr}, nil
}

// LockedUntil returns when the last lock of u ends, whether it locks one
// client IP out or everyone, or the zero time when none is in force.
func (s *Service) LockedUntil(ctx context.Context, u User) (time.Time, error) {
	return s.lockout.LockedUntil(ctx, u)
}
