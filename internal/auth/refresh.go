package auth

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/bizy-auth/bizy/internal/input"
)

// Refresh trades a refresh token for a new access token and a new refresh
// token; the old one dies. A token that was already traded (rotated out)
// coming back means someone holds a copy: the whole session is revoked and
// the answer is ErrInvalidRefresh, as for an unknown, revoked or expired one.
// Of two concurrent trades of one token, one wins and the other counts as
// reuse.
func (s *Service) Refresh(ctx context.Context, refreshToken string, c Client) (Tokens, error) {
	if refreshToken == "" {
		return Tokens{}, ErrInvalidRefresh
	}
	hash := HashSecret(refreshToken)
	sess, current, err := s.store.SessionByRefresh(ctx, hash)
	if errors.Is(err, ErrNotFound) {
		return Tokens{}, ErrInvalidRefresh
	}
	if err != nil {
		return Tokens{}, err
	}
	now := s.timestamp()
	if !current {
		return Tokens{}, s.refreshReused(ctx, sess, now, c)
	}
	if !sess.RevokedAt.IsZero() || !now.Before(sess.ExpiresAt) {
		return Tokens{}, ErrInvalidRefresh
	}
	u, err := s.store.UserByID(ctx, sess.UserID)
	if errors.Is(err, ErrNotFound) {
		return Tokens{}, ErrInvalidRefresh
	}
	if err != nil {
		return Tokens{}, err
	}
	if u.Disabled {
		return Tokens{}, ErrDisabled
	}
	next, nextHash := newSecret()
	err = s.store.RotateRefresh(ctx, sess.ID, hash, nextHash, now)
	if errors.Is(err, ErrNotFound) {
		// Either another request traded this token a moment ago (reuse), or
		// the session was revoked meanwhile (a logout, not an attack).
		if cur, err := s.store.Session(ctx, sess.ID); err == nil && !cur.RevokedAt.IsZero() {
			return Tokens{}, ErrInvalidRefresh
		}
		return Tokens{}, s.refreshReused(ctx, sess, now, c)
	}
	if err != nil {
		return Tokens{}, err
	}
	amr, err := s.store.SessionAMR(ctx, sess.ID)
	if err != nil {
		return Tokens{}, err
	}
	access, err := s.issue(ctx, u, sess.ID, amr, now)
	if err != nil {
		return Tokens{}, err
	}
	s.record(ctx, s.store, Event{Type: EventRefresh, UserID: u.ID, LoginName: u.Username, IP: c.IP, UserAgent: c.UserAgent})
	return Tokens{AccessToken: access, ExpiresIn: int(s.cfg.AccessTokenTTL / time.Second),
		RefreshToken: next, User: u, SessionID: sess.ID}, nil
}

// refreshReused revokes sess after a rotated-out refresh token came back.
func (s *Service) refreshReused(ctx context.Context, sess Session, now time.Time, c Client) error {
	if err := s.revoke(ctx, sess.ID, now); err != nil {
		return err
	}
	s.record(ctx, s.store, Event{Type: EventRefreshReuse, UserID: sess.UserID, IP: c.IP, UserAgent: c.UserAgent,
		Detail: "a rotated-out refresh token was presented; session " + sess.ID + " revoked"})
	return ErrInvalidRefresh
}

// revoke revokes one session and announces it.
func (s *Service) revoke(ctx context.Context, sid string, now time.Time) error {
	done, err := s.store.RevokeSession(ctx, sid, now)
	if err != nil {
		return err
	}
	if done {
		s.announce(ctx, []string{sid}, now)
	}
	return nil
}

// announce tells the API copies (through Config.OnRevoke, e.g. Redis) that
// sessions were revoked at now. They also learn it from /revocations. It is
// called only once the revocation has committed: a rolled-back one must not
// be announced, and a slow announcer must not hold a transaction open.
func (s *Service) announce(ctx context.Context, sids []string, now time.Time) {
	if s.cfg.OnRevoke == nil {
		return
	}
	for _, sid := range sids {
		s.cfg.OnRevoke(ctx, sid, now.Add(s.cfg.AccessTokenTTL))
	}
}

// Logout revokes the caller's session sid, or with all every session of
// userID.
func (s *Service) Logout(ctx context.Context, userID, sid string, all bool, c Client) error {
	now := s.timestamp()
	if all {
		revoked, err := s.revokeAll(ctx, s.store, userID, "", now)
		if err != nil {
			return err
		}
		s.announce(ctx, revoked, now)
	} else if err := s.revoke(ctx, sid, now); err != nil && !errors.Is(err, ErrNotFound) {
		return err
	}
	detail := "session " + sid
	if all {
		detail = "every session"
	}
	s.record(ctx, s.store, Event{Type: EventLogout, UserID: userID, IP: c.IP, UserAgent: c.UserAgent, Detail: detail})
	return nil
}

// revokeAll revokes every live session of userID but keep, in st, and
// returns their ids. It tells no one: the caller announces them once st's
// writes have committed.
func (s *Service) revokeAll(ctx context.Context, st Store, userID, keep string, now time.Time) ([]string, error) {
	live, err := st.UserSessions(ctx, userID, now)
	if err != nil {
		return nil, err
	}
	if _, err := st.RevokeUserSessions(ctx, userID, keep, now); err != nil {
		return nil, err
	}
	var sids []string
	for _, sess := range live {
		if sess.ID != keep {
			sids = append(sids, sess.ID)
		}
	}
	return sids, nil
}

// Sessions returns userID's live sessions, newest first.
func (s *Service) Sessions(ctx context.Context, userID string) ([]Session, error) {
	return s.store.UserSessions(ctx, userID, s.now())
}

// RevokeUserSession revokes one of userID's sessions; another user's
// session is ErrNotFound, like an unknown one.
func (s *Service) RevokeUserSession(ctx context.Context, userID, sid string, c Client) error {
	sess, err := s.store.Session(ctx, sid)
	if err != nil {
		return err
	}
	if sess.UserID != userID {
		return ErrNotFound
	}
	if err := s.revoke(ctx, sid, s.timestamp()); err != nil {
		return err
	}
	s.record(ctx, s.store, Event{Type: EventSessionRevoked, UserID: userID, IP: c.IP, UserAgent: c.UserAgent, Detail: "session " + sid})
	return nil
}

// Revocation is one entry of the revocation feed: a session whose access
// tokens must be refused until ExpiresAt, when the last of them expires.
type Revocation struct {
	SessionID string    `json:"sid"`
	ExpiresAt time.Time `json:"expires_at"`
}

// Revocation feed paging.
const (
	revocationPage = 1000
	// revocationOverlap is how far back a caught-up reader looks again on
	// its next call: a revocation is stamped when its request starts and
	// committed a moment later, possibly after a read that began in
	// between. Repeats are harmless; readers keep a set.
	revocationOverlap = 10 * time.Second
)

// Revocations returns the revoked sessions whose access tokens may still be
// unexpired, from cursor on ("" for all of them), and the cursor to call
// with next. A full page means more follow at once.
func (s *Service) Revocations(ctx context.Context, cursor string) ([]Revocation, string, error) {
	now := s.now().UTC()
	floor := now.Add(-s.cfg.AccessTokenTTL)
	since, afterAt, afterID := floor, time.Time{}, ""
	if cursor != "" {
		at, id, err := decodeRevocationCursor(cursor)
		if err != nil {
			return nil, "", &ValidationError{Fields: map[string]string{"since": "is not a cursor this service returned"}}
		}
		if id != "" {
			afterAt, afterID = at, id
		} else if at.After(since) {
			since = at
		}
	}
	rows, err := s.store.Revocations(ctx, since, afterAt, afterID, revocationPage)
	if err != nil {
		return nil, "", err
	}
	out := make([]Revocation, len(rows))
	for i, r := range rows {
		out[i] = Revocation{SessionID: r.ID, ExpiresAt: r.RevokedAt.Add(s.cfg.AccessTokenTTL)}
	}
	if len(rows) == revocationPage {
		last := rows[len(rows)-1]
		return out, encodeRevocationCursor(last.RevokedAt, last.ID), nil
	}
	return out, encodeRevocationCursor(now.Add(-revocationOverlap), ""), nil
}

func encodeRevocationCursor(at time.Time, id string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(at.UnixMicro(), 10) + ":" + id))
}

func decodeRevocationCursor(c string) (time.Time, string, error) {
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return time.Time{}, "", err
	}
	us, id, ok := strings.Cut(string(b), ":")
	if !ok {
		return time.Time{}, "", fmt.Errorf("no separator")
	}
	n, err := strconv.ParseInt(us, 10, 64)
	if err != nil {
		return time.Time{}, "", err
	}
	// The id, when there is one, is a session id: a canonical UUID. Anything
	// else (NUL, invalid UTF-8) must not reach the store.
	if id != "" {
		if !input.ValidID(id) {
			return time.Time{}, "", fmt.Errorf("malformed session id")
		}
	}
	return time.UnixMicro(n).UTC(), id, nil
}
