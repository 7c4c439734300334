package authserver

import (
	"log/slog"
	"net/http"

	"github.com/bizy-auth/bizy/internal/auth"
	"github.com/bizy-auth/bizy/internal/pages"
	"github.com/bizy-auth/bizy/token"
)

// addRoutes lists the auth service's whole surface.
func addRoutes(mux *http.ServeMux, log *slog.Logger, cfg Config, svc *auth.Service, v *token.Verifier, keys KeyPublisher) {
	mux.Handle("GET /health", handleHealth(svc))
	mux.Handle("POST /register", handleRegister(svc))
	mux.Handle("POST /login", handleLogin(svc))
	// Bearer routes: a good signature, then a live session.
	bearer := func(h http.Handler) http.Handler { return v.Middleware(requireSession(svc, h)) }
	mux.Handle("GET /profile", bearer(handleProfile(svc)))
	mux.Handle("POST /verify-email", handleVerifyEmail(svc))
	mux.Handle("POST /resend-verification", handleResendVerification(svc))
	mux.Handle("POST /forgot-password", handleForgotPassword(svc))
	mux.Handle("POST /reset-password", handleResetPassword(svc))
	mux.Handle("POST /change-password", bearer(handleChangePassword(svc)))
	mux.Handle("POST /refresh", handleRefresh(svc))
	mux.Handle("POST /logout", bearer(handleLogout(svc)))
	mux.Handle("GET /sessions", bearer(handleSessions(svc)))
	mux.Handle("DELETE /sessions/{id}", bearer(pathAction(svc.RevokeUserSession)))
	mux.Handle("GET /revocations", handleRevocations(svc))
	// Admin routes: a live session, then the admin role as the database
	// has it now (the token's is_admin claim may be stale).
	admin := func(h http.Handler) http.Handler { return bearer(requireAdmin(svc, h)) }
	mux.Handle("GET /admin/users", admin(handleAdminUsers(svc)))
	mux.Handle("GET /admin/users/{id}", admin(handleAdminUser(svc)))
	mux.Handle("PATCH /admin/users/{id}", admin(handleAdminPatchUser(svc)))
	mux.Handle("DELETE /admin/users/{id}", admin(pathAction(svc.AdminDeleteUser)))
	mux.Handle("POST /admin/users/{id}/unlock", admin(pathAction(svc.AdminUnlock)))
	mux.Handle("POST /admin/users/{id}/revoke-sessions", admin(pathAction(svc.AdminRevokeSessions)))
	mux.Handle("GET /admin/events", admin(handleAdminEvents(svc)))
	mux.Handle("GET /.well-known/jwks.json", handleJWKS(keys))
	if cfg.OpenID != nil {
		addOpenIDRoutes(mux, cfg.OpenID, admin)
	}
	// The pages for people (/ui/…), and the GET /verify-email and GET
	// /reset-password links of older mail, which show the same pages.
	pages.Mount(mux, log, cfg.Pages, svc)
	if cfg.Metrics != nil {
		mux.Handle("GET /metrics", cfg.Metrics)
	}
}
