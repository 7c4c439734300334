package authserver

import (
	"errors"
	"log/slog"
	"net/http"

	"github.com/bizy-auth/bizy/internal/auth"
	"github.com/bizy-auth/bizy/internal/web"
	"github.com/bizy-auth/bizy/token"
)

func handleProfile(log *slog.Logger, svc *auth.Service) http.Handler {
	type response struct {
		User auth.User `json:"user"`
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		claims, ok := token.FromContext(r.Context())
		if !ok {
			web.Error(w, r, log, auth.ErrUnauthenticated)
			return
		}
		u, err := svc.User(r.Context(), claims.UserID)
		if errors.Is(err, auth.ErrNotFound) {
			// The token is genuine but its account is gone.
			web.Error(w, r, log, auth.ErrUnauthenticated)
			return
		}
		if err != nil {
			web.Error(w, r, log, err)
			return
		}
		web.JSON(w, http.StatusOK, response{User: u})
	})
}
