package authserver

import (
	"errors"
	"net/http"

	"github.com/bizy-auth/bizy/internal/auth"
	"github.com/bizy-auth/bizy/internal/fault"
	"github.com/bizy-auth/bizy/internal/web"
)

// errSessionRevoked answers a genuine token whose session has ended.
var errSessionRevoked = fault.New(fault.Unauthenticated, "session_revoked",
	"the session has been revoked or has expired; log in again")

// requireSession goes inside the token middleware: the token's session must
// still be live, so a revoked session (password reset or change) is refused
// here at once, not when its access token expires.
func requireSession(svc *auth.Service, next http.Handler) web.Handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		c, err := web.ClaimsOf(r)
		if err != nil {
			return err
		}
		if err := svc.CheckSession(r.Context(), c.UserID, c.SessionID); err != nil {
			if errors.Is(err, auth.ErrUnauthenticated) {
				w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token", error_description="session revoked or expired"`)
				return errSessionRevoked
			}
			return err
		}
		next.ServeHTTP(w, r)
		return nil
	}
}
