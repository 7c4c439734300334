package authserver

import (
	"errors"
	"log/slog"
	"net/http"

	"github.com/bizy-auth/bizy/internal/auth"
	"github.com/bizy-auth/bizy/internal/web"
	"github.com/bizy-auth/bizy/token"
)

// requireSession goes inside the token middleware: the token's session must
// still be live, so a revoked session (password reset or change) is refused
// here at once, not when its access token expires.
func requireSession(log *slog.Logger, svc *auth.Service, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, ok := token.FromContext(r.Context())
		if !ok {
			web.Error(w, r, log, auth.ErrUnauthenticated)
			return
		}
		if err := svc.CheckSession(r.Context(), c.UserID, c.SessionID); err != nil {
			if errors.Is(err, auth.ErrUnauthenticated) {
				w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token", error_description="session revoked or expired"`)
				web.Fail(w, http.StatusUnauthorized, "session_revoked", "the session has been revoked or has expired; log in again")
				return
			}
			web.Error(w, r, log, err)
			return
		}
		next.ServeHTTP(w, r)
	})
}
