package authserver

import (
	"net/http"

	"github.com/bizy-auth/bizy/internal/auth"
	"github.com/bizy-auth/bizy/internal/web"
)

func handleRegister(svc *auth.Service) web.Handler {
	type request struct {
		Username string `json:"username"`
		Email    string `json:"email"`
		Password string `json:"password"`
	}
	type response struct {
		Message string    `json:"message"`
		User    auth.User `json:"user"`
	}
	return func(w http.ResponseWriter, r *http.Request) error {
		req, err := web.Decode[request](r)
		if err != nil {
			return err
		}
		c, err := client(r)
		if err != nil {
			return err
		}
		u, err := svc.Register(r.Context(), auth.Registration{
			Username: req.Username, Email: req.Email, Password: req.Password,
		}, c)
		if err != nil {
			return err
		}
		msg := "registered"
		if svc.Config().RequireEmailVerification && !u.EmailVerified {
			msg = "registered; verify your email address before logging in"
		}
		return web.JSON(w, http.StatusCreated, response{Message: msg, User: u})
	}
}
