package authserver

import (
	"context"
	"log/slog"
	"net/http"

	"github.com/bizy-auth/bizy/internal/auth"
	"github.com/bizy-auth/bizy/internal/web"
)

// loginRequest is the body of POST /login; Username may hold an email.
type loginRequest struct {
	Username string `json:"username"`
	Password string `json:"password"`
}

// Valid asks only that both fields are present: every other check belongs to
// the uniform bad-credentials answer.
func (l loginRequest) Valid(context.Context) map[string]string {
	errs := map[string]string{}
	if l.Username == "" {
		errs["username"] = "is required"
	}
	if l.Password == "" {
		errs["password"] = "is required"
	}
	return errs
}

// tokenResponse is the answer to a login and, later, a refresh.
type tokenResponse struct {
	Message      string    `json:"message"`
	Token        string    `json:"token"`
	TokenType    string    `json:"token_type"`
	ExpiresIn    int       `json:"expires_in"`
	RefreshToken string    `json:"refresh_token"`
	User         auth.User `json:"user"`
}

func newTokenResponse(msg string, t auth.Tokens) tokenResponse {
	return tokenResponse{Message: msg, Token: t.AccessToken, TokenType: "Bearer",
		ExpiresIn: t.ExpiresIn, RefreshToken: t.RefreshToken, User: t.User}
}

func handleLogin(log *slog.Logger, cfg Config, svc *auth.Service) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		req, err := web.Decode[loginRequest](r)
		if err != nil {
			web.Error(w, r, log, err)
			return
		}
		t, err := svc.Login(r.Context(), req.Username, req.Password, client(r, cfg.TrustedProxies))
		if err != nil {
			web.Error(w, r, log, err)
			return
		}
		w.Header().Set("Cache-Control", "no-store")
		web.JSON(w, http.StatusOK, newTokenResponse("login successful", t))
	})
}
