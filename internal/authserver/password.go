package authserver

import (
	"context"
	"net/http"

	"github.com/bizy-auth/bizy/internal/auth"
	"github.com/bizy-auth/bizy/internal/web"
)

// handleForgotPassword answers 202 whatever the address, at once.
func handleForgotPassword(svc *auth.Service) web.Handler {
	return acceptEmail(svc.ForgotPassword, "if that address belongs to an account, a password reset email is on its way")
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

// handleResetPassword sets a new password with the token of a reset mail.
func handleResetPassword(svc *auth.Service) web.Handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		req, err := web.Decode[resetRequest](r)
		if err != nil {
			return err
		}
		c, err := client(r)
		if err != nil {
			return err
		}
		if err := svc.ResetPassword(r.Context(), req.Token, req.Password, c); err != nil {
			return err
		}
		return web.JSON(w, http.StatusOK, messageResponse{"password changed; log in with the new password"})
	}
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

func handleChangePassword(svc *auth.Service) web.Handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		req, err := web.Decode[changeRequest](r)
		if err != nil {
			return err
		}
		claims, c, err := caller(r)
		if err != nil {
			return err
		}
		err = svc.ChangePassword(r.Context(), auth.PasswordChange{UserID: claims.UserID, SessionID: claims.SessionID,
			Current: req.CurrentPassword, New: req.NewPassword}, c)
		if err != nil {
			return err
		}
		return web.JSON(w, http.StatusOK, messageResponse{"password changed; your other sessions were signed out"})
	}
}
