package apiserver

import (
	"net/http"

	"github.com/bizy-auth/bizy/internal/tasks"
	"github.com/bizy-auth/bizy/internal/web"
	"github.com/bizy-auth/bizy/openapi"
	"github.com/bizy-auth/bizy/token"
)

// addRoutes lists the API's whole surface. Each route is documented in
// openapi/src/api.yaml; a test holds the two lists equal.
func addRoutes(mux web.Router, cfg Config, svc *tasks.Service, v *token.Verifier, auth *authClient) {
	user := requireUser(v, cfg.Revoked)
	admin := func(h http.Handler) http.Handler { return user(requireAdmin(h)) }
	if cfg.AdminRequireMFA { // ADMIN_REQUIRE_MFA: a token of aal2
		strong := requireUser(v, cfg.Revoked, token.RequireAAL2())
		admin = func(h http.Handler) http.Handler { return strong(requireAdmin(h)) }
	}
	proxy := handleProxy(auth)

	checks := newHealthChecks(svc, auth, cfg.Now)
	// Polled by machines (load balancers, probes, metrics scrapes): logged
	// at DEBUG when they succeed.
	mux.Handle("GET /health", web.Quiet(handleHealth(checks)))
	mux.Handle("GET /openapi.json", openapi.APIHandler()) // see openapi/doc.go

	// Proxied to the auth service at the same path without /api/auth.
	mux.Handle("POST /api/auth/register", proxy)
	mux.Handle("POST /api/auth/login", proxy)
	mux.Handle("POST /api/auth/refresh", proxy)
	mux.Handle("POST /api/auth/verify-email", proxy)
	mux.Handle("GET /api/auth/verify-email", proxy) // the link in the email
	mux.Handle("POST /api/auth/resend-verification", proxy)
	mux.Handle("POST /api/auth/forgot-password", proxy)
	mux.Handle("POST /api/auth/reset-password", proxy) // JSON, or the form below
	mux.Handle("GET /api/auth/reset-password", proxy)  // the form the link in the email opens
	mux.Handle("POST /api/auth/unlock", proxy)
	// Bearer routes check the token here first, so a bad one never costs
	// the auth service a request; it checks the token again itself.
	mux.Handle("GET /api/auth/profile", user(proxy))
	mux.Handle("POST /api/auth/logout", user(proxy))
	mux.Handle("POST /api/auth/change-password", user(proxy))
	mux.Handle("GET /api/auth/sessions", user(proxy))
	mux.Handle("DELETE /api/auth/sessions/{id}", user(proxy))
	// Second factors: the sign-in steps are open, the rest Bearer.
	mux.Handle("POST /api/auth/login/mfa", proxy)
	mux.Handle("POST /api/auth/login/passkey/begin", proxy)
	mux.Handle("POST /api/auth/login/passkey/finish", proxy)
	mux.Handle("GET /api/auth/mfa", user(proxy))
	mux.Handle("POST /api/auth/mfa/totp", user(proxy))
	mux.Handle("POST /api/auth/mfa/totp/confirm", user(proxy))
	mux.Handle("DELETE /api/auth/mfa/totp", user(proxy))
	mux.Handle("POST /api/auth/mfa/recovery-codes", user(proxy))
	mux.Handle("POST /api/auth/passkeys/register/begin", user(proxy))
	mux.Handle("POST /api/auth/passkeys/register/finish", user(proxy))
	mux.Handle("DELETE /api/auth/passkeys/{id}", user(proxy))

	// The pages for people, at their own paths, so the API's origin is the
	// one public origin; a browser opening the API itself lands on them.
	mux.Handle("/ui/", handlePageProxy(auth))
	// The OpenID provider (issuer PUBLIC_URL, this origin): its endpoints,
	// discovery and the keys it names (jwks_uri). Cookies pass as for
	// the pages: /oauth/authorize and /oauth/logout read the page session.
	mux.Handle("/oauth/", handlePageProxy(auth))
	mux.Handle("GET /.well-known/openid-configuration", handlePageProxy(auth))
	mux.Handle("GET /.well-known/jwks.json", handlePageProxy(auth))
	mux.Handle("GET /{$}", http.RedirectHandler("/ui/", http.StatusSeeOther))

	mux.Handle("GET /api/auth/verify-token", user(handleVerifyToken()))
	// Forward auth for reverse proxies in front of other apps (forward.go).
	mux.Handle("GET /api/auth/forward", newForwardAuth(cfg, v, auth).handle())
	mux.Handle("GET /api/auth/auth-server-health", handleAuthServerHealth(checks))

	// Tasks and goals: the same five handlers over each (resource.go).
	ts := taskResource(svc)
	mux.Handle("GET /api/tasks", user(ts.handleList()))
	mux.Handle("POST /api/tasks", user(ts.handleCreate()))
	mux.Handle("GET /api/tasks/{id}", user(ts.handleGet()))
	mux.Handle("PATCH /api/tasks/{id}", user(ts.handlePatch()))
	mux.Handle("DELETE /api/tasks/{id}", user(ts.handleDelete()))

	gs := goalResource(svc)
	mux.Handle("GET /api/goals", user(gs.handleList()))
	mux.Handle("POST /api/goals", user(gs.handleCreate()))
	mux.Handle("GET /api/goals/{id}", user(gs.handleGet()))
	mux.Handle("PATCH /api/goals/{id}", user(gs.handlePatch()))
	mux.Handle("DELETE /api/goals/{id}", user(gs.handleDelete()))

	mux.Handle("GET /api/admin/stats", admin(handleAdminStats(svc)))
	if cfg.Metrics != nil {
		mux.Handle("GET /metrics", web.Quiet(cfg.Metrics))
	}
}
