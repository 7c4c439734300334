package auth

import (
	"context"
	"log/slog"
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

// record stores one security event and logs it. A failure to store is
// logged, not returned: losing an audit row must not fail a login.
func (s *Service) record(ctx context.Context, st EventStore, e Event) {
	e.ID = newID()
	e.CreatedAt = s.timestamp()
	if err := st.AddEvent(ctx, e); err != nil {
		s.log.ErrorContext(ctx, "store security event", "type", e.Type, "err", err)
	}
	s.log.LogAttrs(ctx, slog.LevelInfo, "security event",
		slog.String("type", e.Type), slog.String("user_id", e.UserID),
		slog.String("login_name", e.LoginName), slog.String("ip", e.IP))
}

// Events returns a page of the security event log.
func (s *Service) Events(ctx context.Context, f EventFilter) ([]Event, string, error) {
	return s.store.Events(ctx, f)
}
