package authserver

import (
	"context"
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

func handleVerifyEmail(svc *auth.Service) web.Handler {
	type response struct {
		Message string    `json:"message"`
		User    auth.User `json:"user"`
	}
	return func(w http.ResponseWriter, r *http.Request) error {
		req, err := web.Decode[tokenRequest](r)
		if err != nil {
			return err
		}
		c, err := client(r)
		if err != nil {
			return err
		}
		u, err := svc.VerifyEmail(r.Context(), req.Token, c)
		if err != nil {
			return err
		}
		return web.JSON(w, http.StatusOK, response{Message: "email address verified", User: u})
	}
}

// handleUnlock spends the token of an unlock mail: the account it was
// sent for is unlocked for everyone, from every IP.
func handleUnlock(svc *auth.Service) web.Handler {
	type response struct {
		Message string `json:"message"`
	}
	return func(w http.ResponseWriter, r *http.Request) error {
		req, err := web.Decode[tokenRequest](r)
		if err != nil {
			return err
		}
		c, err := client(r)
		if err != nil {
			return err
		}
		if err := svc.UnlockByToken(r.Context(), req.Token, c); err != nil {
			return err
		}
		return web.JSON(w, http.StatusOK, response{Message: "account unlocked"})
	}
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
func handleResendVerification(svc *auth.Service) web.Handler {
	return acceptEmail(svc.ResendVerification,
		"if that address belongs to an unverified account, a new verification email is on its way")
}

// acceptEmail serves the requests that take an address and answer 202
// whatever it is, at once (forgot-password, resend-verification): do runs
// with the address, and the answer, message, never tells whether an
// account has it.
func acceptEmail(do func(ctx context.Context, email string, c auth.Client), message string) web.Handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		req, err := web.Decode[emailRequest](r)
		if err != nil {
			return err
		}
		c, err := client(r)
		if err != nil {
			return err
		}
		do(r.Context(), req.Email, c)
		return web.JSON(w, http.StatusAccepted, messageResponse{message})
	}
}
