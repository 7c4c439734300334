package authserver

import (
	"errors"
	"net/http"

	"github.com/bizy-auth/bizy/internal/auth"
	"github.com/bizy-auth/bizy/internal/web"
)

func handleProfile(svc *auth.Service) web.Handler {
	type response struct {
		User auth.User `json:"user"`
	}
	return func(w http.ResponseWriter, r *http.Request) error {
		claims, err := web.ClaimsOf(r)
		if err != nil {
			return err
		}
		u, err := svc.User(r.Context(), claims.UserID)
		if errors.Is(err, auth.ErrNotFound) {
			return auth.ErrUnauthenticated // the token is genuine but its account is gone
		}
		if err != nil {
			return err
		}
		return web.JSON(w, http.StatusOK, response{User: u})
	}
}
