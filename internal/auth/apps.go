package auth

import "context"

// Security event types of the OpenID provider (internal/oidc).
const (
	EventAppSignIn       = "app_sign_in"       // a code exchanged: a session opened for an app
	EventAppCodeReuse    = "app_code_reuse"    // a spent code came back; what it issued is revoked
	EventAppRefreshReuse = "app_refresh_reuse" // a rotated-out refresh token came back
	EventClientCreated   = "client_created"    // an admin registered an OpenID client
	EventClientDeleted   = "client_deleted"    // an admin deleted one
)

// RecordEvent stores e in the security event log and logs it, stamped
// now, for flows that live outside this package (the OpenID provider). A
// failure to store is logged, not returned, as for every event.
func (s *Service) RecordEvent(ctx context.Context, e Event) {
	s.record(ctx, s.store, e)
}
