package web

import (
	"net/http"

	"github.com/bizy-auth/bizy/internal/fault"
	"github.com/bizy-auth/bizy/token"
)

// ErrNeedsAAL2 answers a route that needs a session signed in with a
// second factor, reached with a password-only one: 403 coded mfa_required.
var ErrNeedsAAL2 = fault.New(fault.Forbidden, "mfa_required",
	"this needs a session signed in with a second factor (aal2)")

// RequireAAL2 goes inside a token middleware: it lets through only callers
// whose token says aal2 (token.Claims.Level), and answers the others
// ErrNeedsAAL2 with RFC 9470's step-up WWW-Authenticate, so a client knows
// to ask for a second factor. Both services use it for
// POST /mfa/recovery-codes and, with ADMIN_REQUIRE_MFA, the admin routes.
func RequireAAL2(next http.Handler) Handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		c, err := ClaimsOf(r)
		if err != nil {
			return err
		}
		if c.Level() != token.AAL2 {
			w.Header().Set("WWW-Authenticate", `Bearer error="insufficient_user_authentication", acr_values="aal2"`)
			return ErrNeedsAAL2
		}
		next.ServeHTTP(w, r)
		return nil
	}
}
