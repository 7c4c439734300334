package apiserver

import (
	"net/http"
	"time"

	"github.com/bizy-auth/bizy/internal/web"
)

// handleVerifyToken describes the caller's token. It runs inside
// requireUser, so reaching it means the token is valid; a bad one got a 401
// problem there.
func handleVerifyToken() web.Handler {
	type user struct {
		UserID   string `json:"user_id"`
		Username string `json:"username"`
		Email    string `json:"email"`
		IsAdmin  bool   `json:"is_admin"`
	}
	type response struct {
		Valid     bool   `json:"valid"`
		User      user   `json:"user"`
		ExpiresAt string `json:"expires_at"`
		AAL       string `json:"aal"`
	}
	return func(w http.ResponseWriter, r *http.Request) error {
		c, err := web.ClaimsOf(r)
		if err != nil {
			return err
		}
		return web.JSON(w, http.StatusOK, response{
			Valid:     true,
			User:      user{UserID: c.UserID, Username: c.Username, Email: c.Email, IsAdmin: c.IsAdmin},
			ExpiresAt: c.ExpiresAt.UTC().Format(time.RFC3339),
			AAL:       c.Level(),
		})
	}
}
