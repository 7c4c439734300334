package auth

import (
	"context"
	"encoding/base64"
	"errors"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/bizy-auth/bizy/internal/input"
)

// Security event types of the admin API. Each names the target account as
// its user and the acting admin in its detail ("admin_id=…").
const (
	EventAdminUserUpdated     = "admin_user_updated"
	EventAdminUserDeleted     = "admin_user_deleted"
	EventAdminUnlock          = "admin_unlock"
	EventAdminSessionsRevoked = "admin_sessions_revoked"
)

// queryMaxLen bounds ListUsers' search string, in characters; no username
// or email is longer.
const queryMaxLen = 254

// UserQuery asks for a page of users.
type UserQuery struct {
	Query  string // substring of username or email, any case; "" for all
	Limit  int    // 1..MaxPageSize
	Cursor string // from the previous page, or ""
}

// UserChanges lists what an admin may change about an account; a nil field
// is left as it is.
type UserChanges struct {
	IsAdmin       *bool
	EmailVerified *bool
	Disabled      *bool
}

// RequireAdmin returns the user actorID if the store says, now, that they
// are an enabled admin; ErrForbidden otherwise, and ErrUnauthenticated when
// the account no longer exists. Servers call it on every admin request,
// because the is_admin claim of an access token may be minutes stale.
func (s *Service) RequireAdmin(ctx context.Context, actorID string) (User, error) {
	return requireAdmin(ctx, s.store, actorID)
}

// lockActorAndTarget locks the acting admin's row and the target's, in id
// order so two such transactions can't deadlock, checks that the actor is
// still an enabled admin and returns the target.
func lockActorAndTarget(ctx context.Context, tx Store, actorID, userID string) (User, error) {
	first, second := actorID, userID
	if second < first {
		first, second = second, first
	}
	locked := map[string]User{}
	for _, id := range []string{first, second} {
		u, err := tx.UserForUpdate(ctx, id)
		if err != nil && !(errors.Is(err, ErrNotFound) && id == actorID) {
			return User{}, err
		}
		locked[id] = u
	}
	if _, err := requireAdmin(ctx, tx, actorID); err != nil {
		return User{}, err
	}
	return locked[userID], nil
}

func requireAdmin(ctx context.Context, st Store, actorID string) (User, error) {
	u, err := st.UserByID(ctx, actorID)
	if errors.Is(err, ErrNotFound) {
		return User{}, ErrUnauthenticated
	}
	if err != nil {
		return User{}, err
	}
	if !u.IsAdmin || u.Disabled {
		return User{}, ErrForbidden
	}
	return u, nil
}

// ListUsers returns a page of users matching q (its query trimmed of
// surrounding spaces), newest first, and the cursor of the next page (""
// on the last one). A limit outside
// 1..MaxPageSize, an overlong query, one with NUL or invalid UTF-8, or a
// cursor this service did not issue gives a *ValidationError naming
// "limit", "q" or "cursor".
func (s *Service) ListUsers(ctx context.Context, q UserQuery) ([]User, string, error) {
	fields := map[string]string{}
	if q.Limit < 1 || q.Limit > MaxPageSize {
		fields["limit"] = "must be an integer from 1 to 100"
	}
	switch {
	case !input.Storable(q.Query):
		fields["q"] = "must be valid UTF-8 without NUL characters"
	case utf8.RuneCountInString(q.Query) > queryMaxLen:
		fields["q"] = "must be at most " + strconv.Itoa(queryMaxLen) + " characters"
	}
	after, err := decodeUserCursor(q.Cursor)
	if err != nil {
		fields["cursor"] = "is not a cursor this service returned"
	}
	if len(fields) > 0 {
		return nil, "", &ValidationError{Fields: fields}
	}
	users, more, err := s.store.ListUsers(ctx, UserFilter{Query: strings.TrimSpace(q.Query), Limit: q.Limit, After: after})
	if err != nil {
		return nil, "", err
	}
	var next string
	if more && len(users) > 0 {
		next = base64.RawURLEncoding.EncodeToString([]byte(users[len(users)-1].ID))
	}
	return users, next, nil
}

// decodeUserCursor returns the id a ListUsers cursor resumes after ("" for
// no cursor), or an error when c is not one ListUsers made.
func decodeUserCursor(c string) (string, error) {
	if c == "" {
		return "", nil
	}
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return "", err
	}
	if !input.ValidID(string(b)) {
		return "", errors.New("malformed cursor")
	}
	return string(b), nil
}

// AdminUpdateUser applies ch to the user userID on behalf of the admin actorID
// and returns the updated user. Disabling an account or withdrawing its
// admin role revokes every session of it (announced to API copies), so
// neither a disabled user nor a stale is_admin claim outlives the change.
// It returns ErrSelfAction when the admin would withdraw their own role,
// disable themselves or unverify their own address (with
// REQUIRE_EMAIL_VERIFICATION, that too would refuse their next login), ErrForbidden when actorID is no longer an admin, and
// ErrNotFound for an unknown userID. A change that changes nothing is not
// written nor recorded.
func (s *Service) AdminUpdateUser(ctx context.Context, actorID, userID string, ch UserChanges, c Client) (User, error) {
	if actorID == userID && (isFalse(ch.IsAdmin) || isTrue(ch.Disabled) || isFalse(ch.EmailVerified)) {
		return User{}, ErrSelfAction
	}
	var (
		u       User
		changes []string
		revoked []string
		now     time.Time
	)
	err := s.store.Tx(ctx, func(tx Store) error {
		// Checked again with both rows locked, so two admins can't demote
		// each other at the same moment and leave no admin.
		var err error
		if u, err = lockActorAndTarget(ctx, tx, actorID, userID); err != nil {
			return err
		}
		was := u
		set := func(name string, field *bool, to *bool) {
			if to != nil && *field != *to {
				*field = *to
				changes = append(changes, name+"="+strconv.FormatBool(*to))
			}
		}
		set("is_admin", &u.IsAdmin, ch.IsAdmin)
		set("email_verified", &u.EmailVerified, ch.EmailVerified)
		set("disabled", &u.Disabled, ch.Disabled)
		if len(changes) == 0 {
			return nil
		}
		now = s.timestamp()
		u.UpdatedAt = now
		if err := tx.UpdateUser(ctx, u); err != nil {
			return err
		}
		if (u.Disabled && !was.Disabled) || (was.IsAdmin && !u.IsAdmin) {
			if revoked, err = s.revokeAll(ctx, tx, u.ID, "", now); err != nil {
				return err
			}
		}
		return s.recordIn(ctx, tx, adminEvent(EventAdminUserUpdated, actorID, u, c, strings.Join(changes, " ")))
	})
	if err != nil {
		return User{}, err
	}
	s.announce(ctx, revoked, now)
	return u, nil
}

func isTrue(b *bool) bool  { return b != nil && *b }
func isFalse(b *bool) bool { return b != nil && !*b }

// AdminDeleteUser deletes the user userID on behalf of the admin actorID. Their
// sessions are revoked in the same transaction and announced once it has
// committed, so API copies refuse their access tokens; sessions and tokens
// then go with the account, while the event log keeps its rows. It returns ErrSelfAction when an admin would
// delete themselves, ErrForbidden when actorID is no longer an admin, and
// ErrNotFound for an unknown userID.
func (s *Service) AdminDeleteUser(ctx context.Context, actorID, userID string, c Client) error {
	if actorID == userID {
		return ErrSelfAction
	}
	var (
		u       User
		revoked []string
		now     time.Time
	)
	err := s.store.Tx(ctx, func(tx Store) error {
		var err error
		if u, err = lockActorAndTarget(ctx, tx, actorID, userID); err != nil {
			return err
		}
		now = s.timestamp()
		if revoked, err = s.revokeAll(ctx, tx, u.ID, "", now); err != nil {
			return err
		}
		return tx.DeleteUser(ctx, u.ID)
	})
	if err != nil {
		return err
	}
	s.announce(ctx, revoked, now)
	s.recordAdmin(ctx, EventAdminUserDeleted, actorID, u, c, "email="+u.Email)
	return nil
}

// AdminUnlock clears the failed-login count and any lock of the user's
// username and email on behalf of the admin actorID, whom the caller has
// checked with RequireAdmin. ErrNotFound for an unknown userID.
func (s *Service) AdminUnlock(ctx context.Context, actorID, userID string, c Client) error {
	u, err := s.store.UserByID(ctx, userID)
	if err != nil {
		return err
	}
	if err := s.lockout.Clear(ctx, u); err != nil {
		return err
	}
	s.recordAdmin(ctx, EventAdminUnlock, actorID, u, c, "")
	return nil
}

// AdminRevokeSessions revokes every live session of the user userID on
// behalf of the admin actorID, whom the caller has checked with
// RequireAdmin, and announces them to API copies. ErrNotFound for an
// unknown userID.
func (s *Service) AdminRevokeSessions(ctx context.Context, actorID, userID string, c Client) error {
	u, err := s.store.UserByID(ctx, userID)
	if err != nil {
		return err
	}
	now := s.timestamp()
	var revoked []string
	err = s.store.Tx(ctx, func(tx Store) error {
		if revoked, err = s.revokeAll(ctx, tx, u.ID, "", now); err != nil {
			return err
		}
		return s.recordIn(ctx, tx, adminEvent(EventAdminSessionsRevoked, actorID, u, c, ""))
	})
	if err != nil {
		return err
	}
	s.announce(ctx, revoked, now)
	return nil
}

// recordAdmin records an admin action on target, naming the admin in the
// detail, outside any transaction.
func (s *Service) recordAdmin(ctx context.Context, typ, actorID string, target User, c Client, detail string) {
	s.record(ctx, s.store, adminEvent(typ, actorID, target, c, detail))
}

// adminEvent is the event of an admin action on target, naming the admin
// in the detail.
func adminEvent(typ, actorID string, target User, c Client, detail string) Event {
	d := "admin_id=" + actorID
	if detail != "" {
		d += " " + detail
	}
	return Event{Type: typ, UserID: target.ID, LoginName: target.Username,
		IP: c.IP, UserAgent: c.UserAgent, Detail: d}
}
