package auth

import (
	"context"
	"log/slog"
	"time"
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

	EventMFAEnrolled        = "mfa_enrolled"
	EventMFARemoved         = "mfa_removed"
	EventMFAChallengePassed = "mfa_challenge_passed"
	EventMFAChallengeFailed = "mfa_challenge_failed"
	EventRecoveryCodeUsed   = "recovery_code_used"
	EventRecoveryCodesNew   = "recovery_codes_renewed"
	EventPasskeyCloned      = "passkey_clone_detected"
	EventAdminMFARemoved    = "admin_mfa_removed"
)

// record stores one security event in st and logs it; see eventLog.record.
func (s *Service) record(ctx context.Context, st EventStore, e Event) {
	eventLog{log: s.log, store: st, now: s.now}.record(ctx, e)
}

// eventLog is the security event log: a store and the structured log.
type eventLog struct {
	log   *slog.Logger
	store EventStore
	now   func() time.Time
}

// record stores e, stamped now, and logs it. A failure to store is logged,
// not returned: losing an audit row must not fail a login.
func (l eventLog) record(ctx context.Context, e Event) {
	e.ID = newID()
	e.CreatedAt = stamp(l.now())
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
