package authserver

import (
	"context"
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

func handleLogin(svc *auth.Service) web.Handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		req, err := web.Decode[loginRequest](r)
		if err != nil {
			return err
		}
		c, err := client(r)
		if err != nil {
			return err
		}
		t, err := svc.Login(r.Context(), req.Username, req.Password, c)
		if done, err := writeMFARequired(w, err); done {
			return err
		}
		if err != nil {
			return err
		}
		w.Header().Set("Cache-Control", "no-store")
		return web.JSON(w, http.StatusOK, newTokenResponse("login successful", t))
	}
}
