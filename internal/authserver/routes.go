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
	mux.Handle("POST /register", handleRegister(log, cfg, svc))
	mux.Handle("POST /login", handleLogin(log, cfg, svc))
	// Bearer routes: a good signature, then a live session.
	bearer := func(h http.Handler) http.Handler { return v.Middleware(requireSession(log, svc, h)) }
	mux.Handle("GET /profile", bearer(handleProfile(log, svc)))
	mux.Handle("POST /verify-email", handleVerifyEmail(log, cfg, svc))
	mux.Handle("POST /resend-verification", handleResendVerification(log, cfg, svc))
	mux.Handle("POST /forgot-password", handleForgotPassword(log, cfg, svc))
	mux.Handle("POST /reset-password", handleResetPassword(log, cfg, svc))
	mux.Handle("POST /change-password", bearer(handleChangePassword(log, cfg, svc)))
	mux.Handle("POST /refresh", handleRefresh(log, cfg, svc))
	mux.Handle("POST /logout", bearer(handleLogout(log, cfg, svc)))
	mux.Handle("GET /sessions", bearer(handleSessions(log, svc)))
	mux.Handle("DELETE /sessions/{id}", bearer(handleDeleteSession(log, cfg, svc)))
	mux.Handle("GET /revocations", handleRevocations(log, svc))
	// Admin routes: a live session, then the admin role as the database
	// has it now (the token's is_admin claim may be stale).
	admin := func(h http.Handler) http.Handler { return bearer(requireAdmin(log, svc, h)) }
	mux.Handle("GET /admin/users", admin(handleAdminUsers(log, svc)))
	mux.Handle("GET /admin/users/{id}", admin(handleAdminUser(log, svc)))
	mux.Handle("PATCH /admin/users/{id}", admin(handleAdminPatchUser(log, cfg, svc)))
	mux.Handle("DELETE /admin/users/{id}", admin(handleAdminDeleteUser(log, cfg, svc)))
	mux.Handle("POST /admin/users/{id}/unlock", admin(handleAdminUnlock(log, cfg, svc)))
	mux.Handle("POST /admin/users/{id}/revoke-sessions", admin(handleAdminRevokeSessions(log, cfg, svc)))
	mux.Handle("GET /admin/events", admin(handleAdminEvents(log, svc)))
	mux.Handle("GET /.well-known/jwks.json", handleJWKS(log, keys))
	// The pages for people (/ui/…), and the GET /verify-email and GET
	// /reset-password links of older mail, which show the same pages.
	pages.Mount(mux, log, cfg.Pages, svc)
	if cfg.Metrics != nil {
		mux.Handle("GET /metrics", cfg.Metrics)
	}
}
