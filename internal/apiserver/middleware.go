package apiserver

import (
	"net/http"

	"github.com/bizy-auth/bizy/internal/fault"
	"github.com/bizy-auth/bizy/internal/web"
	"github.com/bizy-auth/bizy/token"
)

var (
	// errSessionRevoked answers a token that verifies but whose session
	// has logged out.
	errSessionRevoked = fault.New(fault.Unauthenticated, "session_revoked", "the session has been revoked; log in again")
	// errNotAdmin answers a caller whose token does not say is_admin.
	errNotAdmin = fault.New(fault.Forbidden, "forbidden", "this needs an administrator")
)

// noStore is the Cache-Control of requireUser's answers, shared by every
// answer rather than allocated by Header.Set for each; its length equals
// its capacity, so a later Header.Add copies it.
var noStore = []string{"no-store"}

// requireUser lets a request through only with a bearer token v accepts,
// putting its claims in the context for web.ClaimsOf; anything else gets a
// 401 problem with WWW-Authenticate (token.Verifier.Middleware). A token
// whose session revoked reports is refused too, with a 401 problem coded
// session_revoked; revoked may be nil. The checks are local: no call to the
// auth service. Answers to authenticated requests are one user's data, so
// they are marked no-store unless the handler says otherwise (a proxied
// answer keeps the auth service's Cache-Control). opts add requirements on
// the token (token.RequireAAL2).
func requireUser(v *token.Verifier, revoked RevokedSessions, opts ...token.MiddlewareOption) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return v.Middleware(web.Handler(func(w http.ResponseWriter, r *http.Request) error {
			c, err := web.ClaimsOf(r)
			if err != nil {
				return err
			}
			if revoked != nil && revoked.Revoked(c.SessionID) {
				w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
				return errSessionRevoked
			}
			w.Header()["Cache-Control"] = noStore
			next.ServeHTTP(w, r)
			return nil
		}), append(opts, web.PassClaims)...)
	}
}

// requireAdmin lets through only callers whose token says is_admin; others
// get 403. It goes inside requireUser. The role is read from the token, so a
// demotion takes effect when the caller's current token expires.
func requireAdmin(next http.Handler) web.Handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		c, err := web.ClaimsOf(r)
		if err != nil {
			return err
		}
		if !c.IsAdmin {
			return errNotAdmin
		}
		next.ServeHTTP(w, r)
		return nil
	}
}
