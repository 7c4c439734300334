package auth

import (
	"context"
	"fmt"
	"log/slog"
	"time"
)

// Retention periods Service.Prune applies: how long a finished row is kept
// after it finished. How long the security event log is kept is the
// operator's policy (EVENT_RETENTION, Config.EventRetention).
const (
	// SessionRetention is how long a session is kept after it expired or was
	// revoked, and a session tombstone after its revocation: long enough to
	// answer "why was I logged out?" from the sessions table. Service.Prune
	// never uses less than AccessTokenTTL + RevocationMargin, so a revoked
	// session leaves the table only after it has left the revocation feed.
	SessionRetention = 7 * 24 * time.Hour
	// RevocationMargin is how long past ACCESS_TOKEN_TTL a revoked session
	// is kept at the least. The revocation feed lists sessions revoked in
	// the last ACCESS_TOKEN_TTL (their access tokens may still be valid);
	// the margin covers clock skew between copies and slow readers.
	RevocationMargin = time.Hour
	// TokenRetention is how long a single-use token (email verification,
	// password reset) is kept after it was used or expired, for looking
	// into a complaint about a link; a dead token is refused the same way
	// whether it is kept or gone.
	TokenRetention = 24 * time.Hour
	// OutboxRetention is how long a sent message is kept after it was sent
	// (its bodies are already erased; recipient and subject remain), for
	// answering "did the mail go out?". Parked and pending messages are
	// never pruned.
	OutboxRetention = 7 * 24 * time.Hour
)

// DefaultPruneBatch is how many rows one DELETE statement of Prune removes
// when PruneBefore.BatchSize is 0: small enough that no statement holds its
// locks for long, large enough that a backlog goes quickly.
const DefaultPruneBatch = 1000

// PruneBefore tells Prune what to delete: for each kind of row, the time
// before which a finished row goes. A zero time deletes nothing of that
// kind.
type PruneBefore struct {
	// SessionsBefore prunes sessions and session tombstones. A revoked
	// session (or tombstone) goes when it was revoked before this time,
	// whenever it expires; a session never revoked goes when it expired
	// before this time. Its rotated-out refresh hashes go with it.
	//
	// The revocation feed lists sessions revoked in the last
	// ACCESS_TOKEN_TTL, so this time must be older than now −
	// ACCESS_TOKEN_TTL, with a margin (Service.Prune uses at least
	// RevocationMargin), or API copies that only poll would stop refusing
	// tokens of sessions revoked since.
	SessionsBefore time.Time
	// TokensBefore prunes single-use tokens used, or expiring, before it.
	TokensBefore time.Time
	// OutboxBefore prunes outbox messages sent before it. Parked messages
	// (kept for operators) and pending ones are never pruned.
	OutboxBefore time.Time
	// LocksBefore prunes lockout rows (LockoutRow) that stopped holding
	// anything before it: their window of counted failures, their lock
	// and their reservations all over.
	LocksBefore time.Time
	// EventsBefore prunes security events created before it.
	EventsBefore time.Time
	// BatchSize is how many rows one DELETE statement removes at most;
	// 0 means DefaultPruneBatch. Tests set it small to cross batches.
	BatchSize int
}

// Batch returns the batch size p asks for: BatchSize, or DefaultPruneBatch
// when that is not positive.
func (p PruneBefore) Batch() int {
	if p.BatchSize > 0 {
		return p.BatchSize
	}
	return DefaultPruneBatch
}

// PruneCounts says how many rows of each kind Prune deleted.
type PruneCounts struct {
	Sessions   int // sessions (their rotated-out refresh hashes cascade, uncounted)
	Tombstones int // session tombstones of deleted users
	Tokens     int // single-use tokens
	Outbox     int // sent outbox messages
	Locks      int // lockout counts whose window and lock are over
	Events     int // security events
}

// Total is the number of rows deleted, of every kind.
func (c PruneCounts) Total() int {
	return c.Sessions + c.Tombstones + c.Tokens + c.Outbox + c.Locks + c.Events
}

// String describes c in one line, for the command line.
func (c PruneCounts) String() string {
	return fmt.Sprintf("%d sessions, %d session tombstones, %d user tokens, %d sent emails, %d ended lockout counts, %d security events",
		c.Sessions, c.Tombstones, c.Tokens, c.Outbox, c.Locks, c.Events)
}

// LogValue logs c as a group of counts.
func (c PruneCounts) LogValue() slog.Value {
	return slog.GroupValue(
		slog.Int("sessions", c.Sessions), slog.Int("tombstones", c.Tombstones),
		slog.Int("tokens", c.Tokens), slog.Int("outbox", c.Outbox), slog.Int("locks", c.Locks),
		slog.Int("events", c.Events))
}

// RetentionStore deletes rows that only accumulate once they are finished.
type RetentionStore interface {
	// Prune deletes the finished rows p names (see PruneBefore), at most
	// p.Batch() rows per statement, looping until a statement deletes
	// fewer, so a large backlog never holds a long lock. Outside a Tx each
	// statement commits on its own. It is idempotent and safe to run from
	// several processes at once: each row is deleted once, and counted by
	// whichever call deleted it. Security events go only when
	// p.EventsBefore is set. On error it returns the counts of what it had deleted until then.
	Prune(ctx context.Context, p PruneBefore) (PruneCounts, error)
}

// PruneCutoffs returns the cutoffs Service.Prune uses at now with the
// given access token lifetime and event retention: each retention period
// back from now, for sessions at least accessTTL + RevocationMargin back,
// lockout rows as soon as they hold nothing (counts older than the
// window are forgotten), and security events eventRetention back (none
// when it is 0: they are kept forever).
func PruneCutoffs(now time.Time, accessTTL, eventRetention time.Duration) PruneBefore {
	sessions := max(SessionRetention, accessTTL+RevocationMargin)
	p := PruneBefore{
		SessionsBefore: now.Add(-sessions),
		TokensBefore:   now.Add(-TokenRetention),
		OutboxBefore:   now.Add(-OutboxRetention),
		LocksBefore:    now,
	}
	if eventRetention > 0 {
		p.EventsBefore = now.Add(-eventRetention)
	}
	return p
}

// Prune deletes the rows that have been finished for longer than their
// retention period, at the service clock's now (see PruneCutoffs), and
// says how many of each kind went. It is meant to run every hour or so;
// several copies may run it at once. Security events go after
// Config.EventRetention (never when it is 0).
func (s *Service) Prune(ctx context.Context) (PruneCounts, error) {
	return s.store.Prune(ctx, PruneCutoffs(s.timestamp(), s.cfg.AccessTokenTTL, s.cfg.EventRetention))
}
