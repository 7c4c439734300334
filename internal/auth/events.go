package auth

import (
	"context"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/bizy-auth/bizy/internal/input"
)

// Security event types stored in the event log.
const (
	EventRegister       = "register"
	EventLoginSuccess   = "login_success"
	EventLoginFailure   = "login_failure"
	EventLoginLocked    = "login_locked"
	EventLock           = "lock"
	EventUnlock         = "unlock"
	EventAdminGranted   = "admin_granted"
	EventUserCreatedCLI = "user_created"

	EventVerificationSent = "verification_sent"
	EventEmailVerified    = "email_verified"
	EventResetRequested   = "password_reset_requested"
	EventPasswordReset    = "password_reset"
	EventPasswordChanged  = "password_changed"

	EventRefresh        = "refresh"
	EventRefreshReuse   = "refresh_reuse"
	EventLogout         = "logout"
	EventSessionRevoked = "session_revoked"
)

// Bounds, in bytes, of an Event's text fields as stored. A client IP is at
// most 45 bytes (web.ClientIP never keeps a zone); the user agent is
// already cut to input.UserAgentMaxBytes at the edge, and is cut again
// here for callers that bypass it.
const (
	eventNameMaxBytes   = 320
	eventIPMaxBytes     = 64
	eventDetailMaxBytes = 1024
)

// storable returns c made safe for every store (input.Clean): valid UTF-8,
// no NUL or control characters, bounded. Sessions and events keep it so.
func (c Client) storable() Client {
	return Client{IP: input.Clean(c.IP, eventIPMaxBytes), UserAgent: input.UserAgent(c.UserAgent)}
}

// storable returns e with every text field made safe for every store, so
// no client byte can make PostgreSQL refuse the row that SQLite took.
func (e Event) storable() Event {
	c := Client{IP: e.IP, UserAgent: e.UserAgent}.storable()
	e.IP, e.UserAgent = c.IP, c.UserAgent
	e.LoginName = input.Clean(e.LoginName, eventNameMaxBytes)
	e.Detail = input.Clean(e.Detail, eventDetailMaxBytes)
	return e
}

// record stores one security event in st, outside any transaction, and
// logs it; see eventLog.record.
func (s *Service) record(ctx context.Context, st EventStore, e Event) {
	s.events(st).record(ctx, e)
}

// recordIn stores one security event inside tx, the transaction of the
// change it records, and logs it. Its error is returned for the caller to
// roll the change back: the change and its record commit together or not
// at all.
func (s *Service) recordIn(ctx context.Context, tx Store, e Event) error {
	return s.events(tx).write(ctx, e)
}

// events returns the service's event log writing to st.
func (s *Service) events(st EventStore) eventLog {
	l := s.lockout.events
	l.store = st
	return l
}

// EventWriteFailures returns how many security events this service could
// not store since it started (bizy_security_event_write_failures_total).
// It is safe for concurrent use.
func (s *Service) EventWriteFailures() uint64 { return s.lockout.events.failures.Load() }

// eventLog is the security event log: a store and the structured log.
type eventLog struct {
	log   *slog.Logger
	store EventStore
	now   func() time.Time
	// failures counts events that could not be stored; every copy of an
	// eventLog made from one service shares it.
	failures *atomic.Uint64
}

// record stores e, stamped now, and logs it. A failure to store is logged
// and counted, not returned: outside a transaction there is no change to
// undo, and losing an audit row must not fail a login.
func (l eventLog) record(ctx context.Context, e Event) {
	_ = l.write(ctx, e)
}

// write stores e, made storable and stamped now, and logs it. A failure
// to store is logged at error level, counted in failures and returned.
func (l eventLog) write(ctx context.Context, e Event) error {
	e = e.storable()
	e.ID = newID()
	e.CreatedAt = stamp(l.now())
	err := l.store.AddEvent(ctx, e)
	if err != nil {
		l.failures.Add(1)
		l.log.ErrorContext(ctx, "store security event", "type", e.Type, "user_id", e.UserID, "err", err)
	}
	l.log.LogAttrs(ctx, slog.LevelInfo, "security event",
		slog.String("type", e.Type), slog.String("user_id", e.UserID),
		slog.String("login_name", e.LoginName), slog.String("ip", e.IP))
	return err
}

// Events returns a page of the security event log.
func (s *Service) Events(ctx context.Context, f EventFilter) ([]Event, string, error) {
	return s.store.Events(ctx, f)
}
