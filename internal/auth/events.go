package auth

import (
	"context"
	"log/slog"
	"sync/atomic"
	"time"
)

// Security event types stored in the event log.
const (
	EventRegister     = "register"
	EventLoginSuccess = "login_success"
	EventLoginFailure = "login_failure"
	EventLoginLocked  = "login_locked"
	EventLock         = "lock" // one client IP locked out of one account
	// EventAccountLocked is an account locked for everyone after
	// LOCKOUT_ACCOUNT_THRESHOLD failures from all IPs; EventUnlockMailed
	// the unlock link then queued for its owner.
	EventAccountLocked  = "account_locked"
	EventUnlockMailed   = "unlock_mailed"
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

	// EventBusy is a request refused because the hashing gate was full.
	EventBusy = "busy"
)

// record stores one security event in st and logs it; see eventLog.record.
func (s *Service) record(ctx context.Context, st EventStore, e Event) {
	eventLog{log: s.log, store: st, now: s.now, observe: s.observe}.record(ctx, e)
}

// ObserveEvents has fn told the type of every security event s records
// from now on (metrics count them). Call it before s serves; a later call
// replaces fn.
func (s *Service) ObserveEvents(fn func(typ string)) { s.observe.fn.Store(&fn) }

// observer holds the function ObserveEvents set, shared by the service's
// event logs.
type observer struct{ fn atomic.Pointer[func(string)] }

func (o *observer) event(typ string) {
	if o == nil {
		return
	}
	if fn := o.fn.Load(); fn != nil {
		(*fn)(typ)
	}
}

// eventLog is the security event log: a store and the structured log.
type eventLog struct {
	log     *slog.Logger
	store   EventStore
	now     func() time.Time
	observe *observer // may be nil
}

// record stores e, stamped now, and logs it. A failure to store is logged,
// not returned: losing an audit row must not fail a login.
func (l eventLog) record(ctx context.Context, e Event) {
	e.ID = newID()
	e.CreatedAt = stamp(l.now())
	l.observe.event(e.Type)
	if err := l.store.AddEvent(ctx, e); err != nil {
		l.log.ErrorContext(ctx, "store security event", "type", e.Type, "err", err)
	}
	l.log.LogAttrs(ctx, slog.LevelInfo, "security event",
		slog.String("type", e.Type), slog.String("user_id", e.UserID),
		slog.String("login_name", e.LoginName), slog.String("ip", e.IP))
}

// Events returns a page of the security event log.
func (s *Service) Events(ctx context.Context, f EventFilter) ([]Event, string, error) {
	return s.store.Events(ctx, f)
}
