package apiserver

import (
	"net/http"

	"github.com/bizy-auth/bizy/internal/web"
	"github.com/bizy-auth/bizy/token"
)

// requireUser lets a request through only with a bearer token v accepts,
// putting its claims in the context for caller; anything else gets a 401
// problem with WWW-Authenticate (token.Verifier.Middleware). A token whose
// session revoked reports is refused too, with a 401 problem coded
// session_revoked; revoked may be nil. The checks are local: no call to the
// auth service. Answers to authenticated requests are one user's data, so
// they are marked no-store unless the handler says otherwise (a proxied
// answer keeps the auth service's Cache-Control).
func requireUser(v *token.Verifier, revoked RevokedSessions) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return v.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if revoked != nil {
				if c, ok := token.FromContext(r.Context()); ok && revoked.Revoked(c.SessionID) {
					w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
					web.Fail(w, http.StatusUnauthorized, "session_revoked", "the session has been revoked; log in again")
					return
				}
			}
			w.Header().Set("Cache-Control", "no-store")
			next.ServeHTTP(w, r)
		}))
	}
}

// requireAdmin lets through only callers whose token says is_admin; others
// get 403. It goes inside requireUser. The role is read from the token, so a
// demotion takes effect when the caller's current token expires.
func requireAdmin(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, ok := caller(w, r)
		if !ok {
			return
		}
		if !c.IsAdmin {
			web.Fail(w, http.StatusForbidden, "forbidden", "this needs an administrator")
			return
		}
		next.ServeHTTP(w, r)
	})
}

// caller returns the claims requireUser stored. Without them (a route
// wired without requireUser) it answers 401 and reports false, so a wiring
// mistake fails closed.
func caller(w http.ResponseWriter, r *http.Request) (*token.Claims, bool) {
	c, ok := token.FromContext(r.Context())
	if !ok {
		w.Header().Set("WWW-Authenticate", "Bearer")
		web.Fail(w, http.StatusUnauthorized, "unauthenticated", "missing bearer token")
	}
	return c, ok
}
