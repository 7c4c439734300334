package authserver

import (
	"log/slog"
	"net/http"

	"github.com/bizy-auth/bizy/internal/auth"
	"github.com/bizy-auth/bizy/internal/web"
)

func handleRegister(log *slog.Logger, cfg Config, svc *auth.Service) http.Handler {
	type request struct {
		Username string `json:"username"`
		Email    string `json:"email"`
		Password string `json:"password"`
	}
	type response struct {
		Message string    `json:"message"`
		User    auth.User `json:"user"`
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		req, err := web.Decode[request](r)
		if err != nil {
			web.Error(w, r, log, err)
			return
		}
		u, err := svc.Register(r.Context(), auth.Registration{
			Username: req.Username, Email: req.Email, Password: req.Password,
		}, client(r, cfg.TrustedProxies))
		if err != nil {
			web.Error(w, r, log, err)
			return
		}
		msg := "registered"
		if svc.Config().RequireEmailVerification && !u.EmailVerified {
			msg = "registered; verify your email address before logging in"
		}
		web.JSON(w, http.StatusCreated, response{Message: msg, User: u})
	})
}
