package auth

import (
	"context"
	"encoding/base64"
	"errors"
	"strconv"
	"strings"
	"time"
)

// User is an account. Its JSON form is the public user object of the SPEC; it
// never carries the password hash.
type User struct {
	ID            string    `json:"id"`
	Username      string    `json:"username"`
	Email         string    `json:"email"`
	EmailVerified bool      `json:"email_verified"`
	IsAdmin       bool      `json:"is_admin"`
	Disabled      bool      `json:"-"`
	CreatedAt     time.Time `json:"created_at"`
	UpdatedAt     time.Time `json:"-"`
	PasswordHash  []byte    `json:"-"`
}

// Session is one login: it names the refresh token (kept only as a SHA-256
// hash) and is the `sid` of every access token issued under it.
type Session struct {
	ID          string
	UserID      string
	RefreshHash []byte
	CreatedAt   time.Time
	RefreshedAt time.Time
	ExpiresAt   time.Time
	RevokedAt   time.Time // zero while the session is live
	IP          string
	UserAgent   string
}

// SigningKey is a key pair the service signs tokens with: Ed25519
// ("EdDSA") for access tokens, RSA ("RS256") for the OpenID provider.
// Only the newest unretired key of an algorithm signs; retired keys stay published until the
// tokens they signed have expired.
type SigningKey struct {
	ID         string // the JWT `kid`
	Algorithm  string // "EdDSA" or "RS256"
	PrivateKey []byte // ed25519.PrivateKey, or PKCS #1 DER for RSA
	PublicKey  []byte // ed25519.PublicKey, or PKCS #1 DER for RSA
	CreatedAt  time.Time
	RetiredAt  time.Time // zero while the key signs
}

// Event is one entry of the security event log.
type Event struct {
	ID        string
	Type      string
	UserID    string // empty when the login name matched no account
	LoginName string
	IP        string
	UserAgent string
	Detail    string
	CreatedAt time.Time
}

// Store is everything the auth service keeps. Implementations live in
// internal/sqlite and internal/postgres and must pass the contract suite in
// internal/storetest. Every method is safe for concurrent use; times are
// stored with at least microsecond precision and returned in UTC.
type Store interface {
	UserStore
	SessionStore
	KeyStore
	LockoutStore
	EventStore
	TokenStore
	OutboxStore
	AdminStore
	RetentionStore
	PageSessionStore
	EventStatsStore
	MFAStore

	// Tx runs fn with a Store whose every call belongs to one transaction,
	// committed when fn returns nil and rolled back otherwise.
	Tx(ctx context.Context, fn func(Store) error) error
	// Ping reports whether the database answers.
	Ping(ctx context.Context) error
}

// UserStore keeps accounts.
type UserStore interface {
	// CreateUser inserts u. It returns a *ConflictError naming "username" or
	// "email" when either is taken; usernames compare without regard to case.
	CreateUser(ctx context.Context, u User) error
	// UserByID returns ErrNotFound for an unknown id.
	UserByID(ctx context.Context, id string) (User, error)
	// UserForUpdate is UserByID that, inside a Tx, also holds the row until
	// the transaction ends (PostgreSQL FOR UPDATE; SQLite's write
	// transactions already exclude each other). Every read-modify-write of
	// a user goes through it, so two changes can't undo each other.
	UserForUpdate(ctx context.Context, id string) (User, error)
	// UserByLogin finds a user by username (ignoring case) or by email
	// (already lower-cased by the caller); ErrNotFound when neither matches.
	UserByLogin(ctx context.Context, login string) (User, error)
	// UpdateUser writes u's mutable fields (email_verified, is_admin,
	// disabled, password_hash) and sets updated_at; ErrNotFound for an unknown id.
	UpdateUser(ctx context.Context, u User) error
}

// SessionStore keeps sessions.
type SessionStore interface {
	RefreshStore

	CreateSession(ctx context.Context, s Session) error
	// Session returns ErrNotFound for an unknown id.
	Session(ctx context.Context, id string) (Session, error)
	// RevokeUserSessions revokes, at now, every live session of userID but
	// the one named except (may be ""), and returns how many it revoked.
	RevokeUserSessions(ctx context.Context, userID, except string, now time.Time) (int, error)
}

// RefreshStore finds sessions by refresh token and rotates those tokens.
// Every refresh token a session ever had is remembered (as its hash), so a
// token that was rotated out can be recognised when it comes back.
type RefreshStore interface {
	// SessionByRefresh returns the session whose refresh token hashes to
	// hash, and whether that token is the session's current one (false: it
	// was rotated out). ErrNotFound when no session ever had it.
	SessionByRefresh(ctx context.Context, hash []byte) (Session, bool, error)
	// RotateRefresh makes newHash the refresh token of session id, if
	// oldHash is still its current one and the session is not revoked,
	// recording oldHash as rotated out and RefreshedAt as now. Otherwise
	// ErrNotFound: of two concurrent rotations of one token, one wins.
	RotateRefresh(ctx context.Context, id string, oldHash, newHash []byte, now time.Time) error
	// RotateRefreshSuccessor is RotateRefresh that also keeps successor
	// (opaque bytes: the new token, sealed) with oldHash's record, for
	// RotatedRefresh to return.
	RotateRefreshSuccessor(ctx context.Context, id string, oldHash, newHash, successor []byte, now time.Time) error
	// RotatedRefresh returns the record of a refresh token that was rotated
	// out; ErrNotFound when hash was never rotated out (it is current, or
	// unknown).
	RotatedRefresh(ctx context.Context, hash []byte) (RotatedRefresh, error)
	// RevokeSession revokes session id at now; false when it was already
	// revoked. ErrNotFound for an unknown id.
	RevokeSession(ctx context.Context, id string, now time.Time) (bool, error)
	// UserSessions returns userID's sessions that are neither revoked nor
	// expired at now, newest first.
	UserSessions(ctx context.Context, userID string, now time.Time) ([]Session, error)
	// Revocations returns up to limit sessions revoked at or after since,
	// ordered by (RevokedAt, ID), starting strictly after the position
	// (afterAt, afterID) when afterID is not "".
	Revocations(ctx context.Context, since, afterAt time.Time, afterID string, limit int) ([]Session, error)
}

// RotatedRefresh is the record of a refresh token rotated out of its
// session.
type RotatedRefresh struct {
	SessionID string
	RotatedAt time.Time
	// Successor is what RotateRefreshSuccessor kept with it; nil after a
	// plain RotateRefresh.
	Successor []byte
}

// Purposes of single-use tokens.
const (
	PurposeVerifyEmail   = "verify_email"
	PurposeResetPassword = "reset_password"
)

// UserToken is a single-use token mailed to a user (email verification,
// password reset). Only the SHA-256 hash of the token is stored.
type UserToken struct {
	Hash      []byte
	UserID    string
	Purpose   string
	CreatedAt time.Time
	ExpiresAt time.Time
	UsedAt    time.Time // zero while unused
}

// TokenStore keeps single-use tokens.
type TokenStore interface {
	// CreateUserToken stores t.
	CreateUserToken(ctx context.Context, t UserToken) error
	// UserToken returns the token with hash and purpose whether used or not;
	// ErrNotFound when there is none.
	UserToken(ctx context.Context, hash []byte, purpose string) (UserToken, error)
	// ConsumeUserToken marks the token with hash and purpose used at now and
	// returns it, if it is unused and expires after now; otherwise
	// ErrNotFound. Of concurrent calls for one token exactly one succeeds.
	ConsumeUserToken(ctx context.Context, hash []byte, purpose string, now time.Time) (UserToken, error)
	// InvalidateUserTokens marks every unused token of userID with purpose
	// used at now, so an older link dies when a newer one is sent or used.
	InvalidateUserTokens(ctx context.Context, userID, purpose string, now time.Time) error
}

// OutboxStore is the write side of the mail outbox; the read side, which a
// delivery worker drains, is Outbox, implemented by the same adapters
// over the same table.
type OutboxStore interface {
	// EnqueueEmail stores m, due at once. Called inside the transaction of
	// the change that sends it.
	EnqueueEmail(ctx context.Context, m OutboxEmail) error
}

// KeyStore keeps signing keys.
type KeyStore interface {
	// AddSigningKey stores k and, in the same transaction, retires every
	// older key of the same Algorithm that has not been retired yet, at
	// k.CreatedAt: access tokens (EdDSA) and OpenID tokens (RS256) each
	// have their own current key.
	AddSigningKey(ctx context.Context, k SigningKey) error
	// SigningKeys returns the keys not retired before since and not
	// revoked, newest first.
	SigningKeys(ctx context.Context, since time.Time) ([]SigningKey, error)
	// RevokeSigningKey marks key kid revoked at now (and retired, if it was
	// not), and erases its private key. Revoking a revoked key again does
	// nothing. ErrNotFound for an unknown kid.
	RevokeSigningKey(ctx context.Context, kid string, now time.Time) error
	// RevokedKeys returns the kids of every revoked key, oldest revocation
	// first.
	RevokedKeys(ctx context.Context) ([]string, error)
}

// LockoutRow is one failed-login count of the lockout (see Lockout): of
// one Subject (an account, or a login name no account has) from one
// client IP, or from all IPs together when IP is "".
type LockoutRow struct {
	Subject string
	IP      string
	// Failures are the failed checks counted in the window that began at
	// WindowStart (zero: no window open).
	Failures    int
	WindowStart time.Time
	// LockedUntil is when the lock ends (zero or past: none).
	LockedUntil time.Time
	// Pending are the checks reserved and not yet reported; the last
	// reservation counts until PendingUntil, so a crashed process can't
	// hold them for ever.
	Pending      int
	PendingUntil time.Time
	// ExpiresAt is when the row stops holding anything (its window, lock
	// and reservations all over); Prune deletes it after that.
	ExpiresAt time.Time
}

// LockoutStore keeps the lockout's counts. The rules live in Lockout; a
// store only reads and writes rows.
type LockoutStore interface {
	// LockoutRows returns subject's rows for each of ips, in that order,
	// inside a Tx locked until the transaction ends (an absent row is
	// created empty first, so two transactions can't both miss it). Call
	// it with ips in one order everywhere ("" first), so transactions
	// lock rows in one order.
	LockoutRows(ctx context.Context, subject string, ips []string) ([]LockoutRow, error)
	// PutLockoutRow writes r over the row of (r.Subject, r.IP).
	PutLockoutRow(ctx context.Context, r LockoutRow) error
	// ClearLockout deletes every row of subject.
	ClearLockout(ctx context.Context, subject string) error
	// LockoutLockedUntil returns the latest LockedUntil of subject's rows,
	// or the zero time when it has none.
	LockoutLockedUntil(ctx context.Context, subject string) (time.Time, error)
}

// EventStore keeps the security event log.
type EventStore interface {
	AddEvent(ctx context.Context, e Event) error
	// Events returns events matching f, newest first, and the cursor of the
	// next page ("" on the last one).
	Events(ctx context.Context, f EventFilter) ([]Event, string, error)
}

// EventFilter selects a page of events.
type EventFilter struct {
	UserID string    // "" for any
	Type   string    // "" for any
	IP     string    // "" for any; otherwise exactly this client IP
	Since  time.Time // zero for any; otherwise created at or after it
	Until  time.Time // zero for any; otherwise created before it
	Limit  int       // 1..100
	Cursor string    // from a previous page, or ""
}

// EncodeEventCursor makes the opaque cursor of EventFilter that resumes
// after the event with created_at at and the given id. Stores return it for
// the last event of a page; it keeps at to the microsecond, the precision
// every store holds.
func EncodeEventCursor(at time.Time, id string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(at.UnixMicro(), 10) + ":" + id))
}

// DecodeEventCursor reverses EncodeEventCursor, returning created_at in UTC
// and the id. It returns an error when c is not in the form
// EncodeEventCursor makes; stores answer that as an invalid cursor.
func DecodeEventCursor(c string) (time.Time, string, error) {
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return time.Time{}, "", err
	}
	us, id, ok := strings.Cut(string(b), ":")
	if !ok {
		return time.Time{}, "", errors.New("malformed cursor")
	}
	n, err := strconv.ParseInt(us, 10, 64)
	if err != nil {
		return time.Time{}, "", err
	}
	return time.UnixMicro(n).UTC(), id, nil
}
