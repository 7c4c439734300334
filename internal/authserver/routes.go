package authserver

import (
	"log/slog"
	"net/http"

	"github.com/bizy-auth/bizy/internal/auth"
	"github.com/bizy-auth/bizy/internal/pages"
	"github.com/bizy-auth/bizy/internal/ratelimit"
	"github.com/bizy-auth/bizy/internal/web"
	"github.com/bizy-auth/bizy/openapi"
	"github.com/bizy-auth/bizy/token"
)

// addRoutes lists the auth service's whole surface. Each route is
// documented in openapi/src/auth.yaml; a test holds the two lists equal.
func addRoutes(mux web.Router, log *slog.Logger, cfg Config, svc *auth.Service, v *token.Verifier, keys KeyPublisher) {
	// Polled by machines (health checks, every API copy's revocation poll
	// each second, metrics scrapes): logged at DEBUG when they succeed.
	mux.Handle("GET /health", web.Quiet(handleHealth(svc)))
	// Each route that spends a budget of SPEC's Protection section is
	// wrapped in it; the pages spend the same budgets through lim.
	lim := limits{lim: cfg.Limiter, svc: svc}
	mux.Handle("POST /register", lim.route(ratelimit.Register, handleRegister(svc)))
	mux.Handle("POST /login", lim.route(ratelimit.Login, handleLogin(svc)))
	// Bearer routes: a good signature, then a live session.
	bearer := func(h http.Handler) http.Handler { return v.Middleware(requireSession(svc, h)) }
	// strong is bearer for a session signed in with a second factor (aal2).
	strong := func(h http.Handler) http.Handler { return v.Middleware(requireSession(svc, h), token.RequireAAL2()) }
	mux.Handle("GET /profile", bearer(handleProfile(svc)))
	mux.Handle("POST /verify-email", lim.route(ratelimit.Verify, handleVerifyEmail(svc)))
	mux.Handle("POST /resend-verification", lim.route(ratelimit.Email, handleResendVerification(svc)))
	mux.Handle("POST /forgot-password", lim.route(ratelimit.Email, handleForgotPassword(svc)))
	mux.Handle("POST /reset-password", lim.route(ratelimit.Verify, handleResetPassword(svc)))
	// Every use of a mailed token spends Verify, the unlock link's too.
	mux.Handle("POST /unlock", lim.route(ratelimit.Verify, handleUnlock(svc)))
	mux.Handle("POST /change-password", bearer(handleChangePassword(svc)))
	mux.Handle("POST /refresh", lim.route(ratelimit.Refresh, handleRefresh(svc)))
	mux.Handle("POST /logout", bearer(handleLogout(svc)))
	mux.Handle("GET /sessions", bearer(handleSessions(svc)))
	mux.Handle("DELETE /sessions/{id}", bearer(pathAction(svc.RevokeUserSession)))
	mux.Handle("GET /revocations", web.Quiet(handleRevocations(svc)))
	mux.Handle("GET /deletions", web.Quiet(handleDeletions(svc)))
	// Who a page session cookie names, for the API's forward auth.
	mux.Handle("GET /page-session", handlePageSession(svc))
	// Second factors (mfa.go, passkeys.go); the sign-in steps spend the
	// login budget, as a password does.
	mux.Handle("POST /login/mfa", lim.route(ratelimit.Login, handleLoginMFA(svc)))
	mux.Handle("POST /login/passkey/begin", lim.route(ratelimit.Login, handlePasskeyLoginBegin(svc)))
	mux.Handle("POST /login/passkey/finish", lim.route(ratelimit.Login, handlePasskeyLoginFinish(svc)))
	mux.Handle("GET /mfa", bearer(handleMFA(svc)))
	mux.Handle("POST /mfa/totp", bearer(handleStartTOTP(svc)))
	mux.Handle("POST /mfa/totp/confirm", bearer(handleConfirmTOTP(svc)))
	mux.Handle("DELETE /mfa/totp", bearer(handleRemoveTOTP(svc)))
	mux.Handle("POST /mfa/recovery-codes", strong(handleNewRecoveryCodes(svc)))
	mux.Handle("POST /passkeys/register/begin", bearer(handlePasskeyRegisterBegin(svc)))
	mux.Handle("POST /passkeys/register/finish", bearer(handlePasskeyRegisterFinish(svc)))
	mux.Handle("DELETE /passkeys/{id}", bearer(pathAction(svc.RemovePasskey)))
	// Admin routes: a live session, then the admin role as the database
	// has it now (the token's is_admin claim may be stale), and with
	// ADMIN_REQUIRE_MFA a session signed in with a second factor.
	admin := func(h http.Handler) http.Handler { return bearer(requireAdmin(svc, h)) }
	if cfg.AdminRequireMFA {
		admin = func(h http.Handler) http.Handler { return strong(requireAdmin(svc, h)) }
	}
	mux.Handle("GET /admin/users", admin(handleAdminUsers(svc)))
	mux.Handle("GET /admin/users/{id}", admin(handleAdminUser(svc)))
	mux.Handle("PATCH /admin/users/{id}", admin(handleAdminPatchUser(svc)))
	mux.Handle("DELETE /admin/users/{id}", admin(pathAction(svc.AdminDeleteUser)))
	mux.Handle("POST /admin/users/{id}/unlock", admin(pathAction(svc.AdminUnlock)))
	mux.Handle("POST /admin/users/{id}/revoke-sessions", admin(pathAction(svc.AdminRevokeSessions)))
	mux.Handle("GET /admin/events", admin(handleAdminEvents(svc)))
	mux.Handle("DELETE /admin/users/{id}/mfa", admin(pathAction(svc.AdminRemoveMFA)))
	mux.Handle("GET /.well-known/jwks.json", handleJWKS(keys))
	if cfg.OpenID != nil {
		addOpenIDRoutes(mux, cfg.OpenID, lim, admin)
	}
	mux.Handle("GET /openapi.json", openapi.AuthHandler()) // see openapi/doc.go
	// The pages for people (/ui/…), and the GET /verify-email and GET
	// /reset-password links of older mail, which show the same pages.
	pcfg := cfg.Pages
	if cfg.Limiter != nil {
		pcfg.Limiter = lim
	}
	pages.Mount(mux, log, pcfg, svc)
	if cfg.Metrics != nil {
		mux.Handle("GET /metrics", web.Quiet(cfg.Metrics))
	}
}
