package auth

import (
	"context"
	"crypto/subtle"
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
// the answer is ErrInvalidRefresh, as for an unknown, revoked or expired
// one. Except within Config.RefreshReuseInterval of its rotation: a
// browser's tabs or a client's retry sending the same token at once is no
// theft, so the token is answered with the session's current tokens (the
// refresh token that replaced it, and a new access token) and the session
// lives on. Of concurrent trades of one token, one rotates it and the
// others get what it got.
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
		return s.refreshRotated(ctx, refreshToken, sess, now, c)
	}
	if !sess.RevokedAt.IsZero() || !now.Before(sess.ExpiresAt) {
		return Tokens{}, ErrInvalidRefresh
	}
	u, err := s.sessionUser(ctx, sess)
	if err != nil {
		return Tokens{}, err
	}
	next, nextHash := newSecret()
	err = s.store.Tx(ctx, func(tx Store) error {
		err := tx.RotateRefreshSuccessor(ctx, sess.ID, hash, nextHash, SealSuccessor(refreshToken, next), now)
		if err != nil {
			return err
		}
		return s.recordIn(ctx, tx, Event{Type: EventRefresh, UserID: u.ID, LoginName: u.Username, IP: c.IP, UserAgent: c.UserAgent})
	})
	if errors.Is(err, ErrNotFound) {
		// Either another request traded this token a moment ago, or the
		// session was revoked meanwhile (a logout, not an attack).
		if cur, err := s.store.Session(ctx, sess.ID); err == nil && !cur.RevokedAt.IsZero() {
			return Tokens{}, ErrInvalidRefresh
		}
		return s.refreshRotated(ctx, refreshToken, sess, now, c)
	}
	if err != nil {
		return Tokens{}, err
	}
	return s.sessionTokens(ctx, u, sess.ID, next, now)
}

// sessionUser returns the user of sess for a refresh: ErrInvalidRefresh
// when the account is gone, ErrDisabled when it is disabled.
func (s *Service) sessionUser(ctx context.Context, sess Session) (User, error) {
	u, err := s.store.UserByID(ctx, sess.UserID)
	if errors.Is(err, ErrNotFound) {
		return User{}, ErrInvalidRefresh
	}
	if err != nil {
		return User{}, err
	}
	if u.Disabled {
		return User{}, ErrDisabled
	}
	return u, nil
}

// sessionTokens signs a new access token for u under session sid, with the
// amr the session was signed in with, and hands it out with refresh, the
// session's current refresh token.
func (s *Service) sessionTokens(ctx context.Context, u User, sid, refresh string, now time.Time) (Tokens, error) {
	amr, err := s.store.SessionAMR(ctx, sid)
	if err != nil {
		return Tokens{}, err
	}
	access, err := s.issue(ctx, u, sid, amr, now)
	if err != nil {
		return Tokens{}, err
	}
	return Tokens{AccessToken: access, ExpiresIn: int(s.cfg.AccessTokenTTL / time.Second),
		RefreshToken: refresh, User: u, SessionID: sid}, nil
}

// refreshRotated answers tok, a refresh token of sess that was rotated out.
// If it was rotated within RefreshReuseInterval and its successors lead,
// each also rotated within the interval, to the session's current token,
// the caller gets that token and a new access token. Anything else is
// reuse: the session is revoked.
func (s *Service) refreshRotated(ctx context.Context, tok string, sess Session, now time.Time, c Client) (Tokens, error) {
	if s.cfg.RefreshReuseInterval <= 0 {
		return Tokens{}, s.refreshReused(ctx, sess, now, c)
	}
	cur, err := s.store.Session(ctx, sess.ID)
	if err != nil {
		return Tokens{}, err
	}
	if !cur.RevokedAt.IsZero() || !now.Before(cur.ExpiresAt) {
		return Tokens{}, s.refreshReused(ctx, sess, now, c)
	}
	next, ok, err := s.currentSuccessor(ctx, tok, cur, now)
	if err != nil {
		return Tokens{}, err
	}
	if !ok {
		return Tokens{}, s.refreshReused(ctx, sess, now, c)
	}
	u, err := s.sessionUser(ctx, cur)
	if err != nil {
		return Tokens{}, err
	}
	s.record(ctx, s.store, Event{Type: EventRefresh, UserID: u.ID, LoginName: u.Username, IP: c.IP, UserAgent: c.UserAgent,
		Detail: "a refresh token rotated out within REFRESH_REUSE_INTERVAL; answered with the session's current one"})
	return s.sessionTokens(ctx, u, cur.ID, next, now)
}

// maxSuccessorSteps bounds the walk from a rotated-out token to its
// session's current one: a few tabs racing, not a long history.
const maxSuccessorSteps = 8

// currentSuccessor is CurrentSuccessor for the API's refresh tokens.
func (s *Service) currentSuccessor(ctx context.Context, tok string, cur Session, now time.Time) (string, bool, error) {
	return CurrentSuccessor(ctx, s.store, HashSecret, tok, cur, now, s.cfg.RefreshReuseInterval)
}

// CurrentSuccessor follows tok's successors, each rotated out within
// interval of now, to cur's current refresh token and returns it; false
// when the walk leaves the interval, finds no successor (a rotation that
// kept none) or does not reach cur's token. hash is how st keys this kind
// of refresh token (HashSecret for the API's, the OpenID provider's own
// for apps').
func CurrentSuccessor(ctx context.Context, st RefreshStore, hash func(string) []byte, tok string, cur Session, now time.Time, interval time.Duration) (string, bool, error) {
	for range maxSuccessorSteps {
		r, err := st.RotatedRefresh(ctx, hash(tok))
		if errors.Is(err, ErrNotFound) {
			return "", false, nil
		}
		if err != nil {
			return "", false, err
		}
		if r.SessionID != cur.ID || now.Sub(r.RotatedAt) > interval {
			return "", false, nil
		}
		next, ok := openSuccessor(tok, r.Successor)
		if !ok {
			return "", false, nil
		}
		if subtle.ConstantTimeCompare(hash(next), cur.RefreshHash) == 1 {
			return next, true, nil
		}
		tok = next
	}
	return "", false, nil
}

// refreshReused revokes sess after a rotated-out refresh token came back.
func (s *Service) refreshReused(ctx context.Context, sess Session, now time.Time, c Client) error {
	err := s.revokeRecorded(ctx, sess.ID, now, Event{Type: EventRefreshReuse, UserID: sess.UserID, IP: c.IP, UserAgent: c.UserAgent,
		Detail: "a rotated-out refresh token was presented; session " + sess.ID + " revoked"})
	if err != nil {
		return err
	}
	return ErrInvalidRefresh
}

// revokeRecorded revokes session sid and records e in one transaction,
// then announces the revocation. ErrNotFound for an unknown session.
func (s *Service) revokeRecorded(ctx context.Context, sid string, now time.Time, e Event) error {
	var done bool
	err := s.store.Tx(ctx, func(tx Store) error {
		var err error
		if done, err = tx.RevokeSession(ctx, sid, now); err != nil {
			return err
		}
		return s.recordIn(ctx, tx, e)
	})
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
	e := Event{Type: EventLogout, UserID: userID, IP: c.IP, UserAgent: c.UserAgent, Detail: "session " + sid}
	if !all {
		err := s.revokeRecorded(ctx, sid, now, e)
		if errors.Is(err, ErrNotFound) {
			// Gone already (pruned): nothing to revoke, still a logout.
			s.record(ctx, s.store, e)
			return nil
		}
		return err
	}
	e.Detail = "every session"
	var revoked []string
	err := s.store.Tx(ctx, func(tx Store) error {
		var err error
		if revoked, err = s.revokeAll(ctx, tx, userID, "", now); err != nil {
			return err
		}
		return s.recordIn(ctx, tx, e)
	})
	if err != nil {
		return err
	}
	s.announce(ctx, revoked, now)
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
	return s.revokeRecorded(ctx, sid, s.timestamp(),
		Event{Type: EventSessionRevoked, UserID: userID, IP: c.IP, UserAgent: c.UserAgent, Detail: "session " + sid})
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
	since, afterAt, afterID, err := feedPosition(cursor, floor)
	if err != nil {
		return nil, "", err
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

// RevokedKeys returns the kids of the signing keys revoked by `bizy keys
// revoke`, for the revocation feed: an API copy that cached one of them
// refuses its tokens from then on. The list is short (revocations are
// emergencies), so the feed carries it whole on every page.
func (s *Service) RevokedKeys(ctx context.Context) ([]string, error) {
	return s.store.RevokedKeys(ctx)
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

// feedPosition reads the cursor of a feed (revocations, deletions): the
// rows to return are those after (afterAt, afterID) when it names one, else
// those since the later of its time and floor, the oldest the feed keeps.
// A cursor this service did not make is a 422 naming since.
func feedPosition(cursor string, floor time.Time) (since, afterAt time.Time, afterID string, err error) {
	since = floor
	if cursor == "" {
		return since, time.Time{}, "", nil
	}
	at, id, err := decodeRevocationCursor(cursor)
	if err != nil {
		return time.Time{}, time.Time{}, "", &ValidationError{Fields: map[string]string{"since": "is not a cursor this service returned"}}
	}
	if id != "" {
		return since, at, id, nil
	}
	if at.After(since) {
		since = at
	}
	return since, time.Time{}, "", nil
}
