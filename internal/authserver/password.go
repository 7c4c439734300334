package authserver

import (
	"context"
	"log/slog"
	"net/http"

	"github.com/bizy-auth/bizy/internal/auth"
	"github.com/bizy-auth/bizy/internal/web"
	"github.com/bizy-auth/bizy/token"
)

// handleForgotPassword answers 202 whatever the address, at once.
func handleForgotPassword(log *slog.Logger, cfg Config, svc *auth.Service) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		req, err := web.Decode[emailRequest](r)
		if err != nil {
			web.Error(w, r, log, err)
			return
		}
		svc.ForgotPassword(r.Context(), req.Email, client(r, cfg.TrustedProxies))
		web.JSON(w, http.StatusAccepted, messageResponse{
			"if that address belongs to an account, a password reset email is on its way"})
	})
}

type resetRequest struct {
	Token    string `json:"token"`
	Password string `json:"password"`
}

func (q resetRequest) Valid(context.Context) map[string]string {
	errs := map[string]string{}
	if q.Token == "" {
		errs["token"] = "is required"
	}
	if q.Password == "" {
		errs["password"] = "is required"
	}
	return errs
}

func handleResetPassword(log *slog.Logger, cfg Config, svc *auth.Service) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		req, err := web.Decode[resetRequest](r)
		if err != nil {
			web.Error(w, r, log, err)
			return
		}
		if err := svc.ResetPassword(r.Context(), req.Token, req.Password, client(r, cfg.TrustedProxies)); err != nil {
			web.Error(w, r, log, err)
			return
		}
		web.JSON(w, http.StatusOK, messageResponse{"password changed; log in with the new password"})
	})
}

type changeRequest struct {
	CurrentPassword string `json:"current_password"`
	NewPassword     string `json:"new_password"`
}

func (q changeRequest) Valid(context.Context) map[string]string {
	errs := map[string]string{}
	if q.CurrentPassword == "" {
		errs["current_password"] = "is required"
	}
	if q.NewPassword == "" {
		errs["new_password"] = "is required"
	}
	return errs
}

func handleChangePassword(log *slog.Logger, cfg Config, svc *auth.Service) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		claims, ok := token.FromContext(r.Context())
		if !ok {
			web.Error(w, r, log, auth.ErrUnauthenticated)
			return
		}
		req, err := web.Decode[changeRequest](r)
		if err != nil {
			web.Error(w, r, log, err)
			return
		}
		err = svc.ChangePassword(r.Context(), claims.UserID, claims.SessionID, req.CurrentPassword, req.NewPassword,
			client(r, cfg.TrustedProxies))
		if err != nil {
			web.Error(w, r, log, err)
			return
		}
		web.JSON(w, http.StatusOK, messageResponse{"password changed; your other sessions were signed out"})
	})
}
