package authserver

import (
	"context"
	"log/slog"
	"net/http"

	"github.com/bizy-auth/bizy/internal/auth"
	"github.com/bizy-auth/bizy/internal/web"
)

type tokenRequest struct {
	Token string `json:"token"`
}

func (t tokenRequest) Valid(context.Context) map[string]string {
	if t.Token == "" {
		return map[string]string{"token": "is required"}
	}
	return nil
}

func handleVerifyEmail(log *slog.Logger, cfg Config, svc *auth.Service) http.Handler {
	type response struct {
		Message string    `json:"message"`
		User    auth.User `json:"user"`
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		req, err := web.Decode[tokenRequest](r)
		if err != nil {
			web.Error(w, r, log, err)
			return
		}
		u, err := svc.VerifyEmail(r.Context(), req.Token, client(r, cfg.TrustedProxies))
		if err != nil {
			web.Error(w, r, log, err)
			return
		}
		web.JSON(w, http.StatusOK, response{Message: "email address verified", User: u})
	})
}

type emailRequest struct {
	Email string `json:"email"`
}

func (e emailRequest) Valid(context.Context) map[string]string {
	if e.Email == "" {
		return map[string]string{"email": "is required"}
	}
	return nil
}

type messageResponse struct {
	Message string `json:"message"`
}

// handleResendVerification answers 202 whatever the address: the work, if
// any, happens in the background.
func handleResendVerification(log *slog.Logger, cfg Config, svc *auth.Service) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		req, err := web.Decode[emailRequest](r)
		if err != nil {
			web.Error(w, r, log, err)
			return
		}
		svc.ResendVerification(r.Context(), req.Email, client(r, cfg.TrustedProxies))
		web.JSON(w, http.StatusAccepted, messageResponse{
			"if that address belongs to an unverified account, a new verification email is on its way"})
	})
}
