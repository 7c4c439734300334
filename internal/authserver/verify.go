package authserver

import (
	"context"
	"errors"
	"html/template"
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

// verifyPage is the small page the link in the verification mail opens.
var verifyPage = template.Must(template.New("verify").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>{{.Title}} · Bizy</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem;color:#222}
h1{font-size:1.4rem}</style></head>
<body><h1>{{.Title}}</h1><p>{{.Message}}</p></body></html>
`))

func handleVerifyEmailPage(svc *auth.Service) web.Handler {
	type page struct{ Title, Message string }
	return func(w http.ResponseWriter, r *http.Request) error {
		c, err := client(r)
		if err != nil {
			return err
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		if r.Method == http.MethodHead {
			// The GET pattern also routes HEAD, which link checkers and
			// mail scanners send; it must not spend the user's token.
			w.WriteHeader(http.StatusOK)
			return nil
		}
		status, p := http.StatusOK, page{"Email address verified", "Thank you. You can now log in to Bizy."}
		tok := r.URL.Query().Get("token")
		_, err = svc.VerifyEmail(r.Context(), tok, c)
		switch {
		case tok == "" || errors.Is(err, auth.ErrInvalidToken):
			status, p = http.StatusBadRequest, page{"This link does not work",
				"The verification link is invalid, has already been used or has expired (links last 24 hours). Ask for a new one from the login page."}
		case err != nil:
			web.Logger(r.Context()).ErrorContext(r.Context(), "verify email", "err", err)
			status, p = http.StatusInternalServerError, page{"Something went wrong", "Please try the link again in a moment."}
		}
		w.WriteHeader(status)
		_ = verifyPage.Execute(w, p) // the page has started: nothing more to answer
		return nil
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
