package authserver

import (
	"errors"
	"html/template"
	"mime"
	"net/http"

	"github.com/bizy-auth/bizy/internal/auth"
	"github.com/bizy-auth/bizy/internal/web"
)

// The reset mail links to PUBLIC_URL/reset-password?token=…. A client app
// at PUBLIC_URL may serve that page itself and call POST /reset-password
// with JSON; for the embedded default the auth service serves this small
// form, which posts back to the same path as an HTML form.

// resetPageCSP is the security policy of the form: like every answer's,
// but the form may post to this origin.
const resetPageCSP = "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

var resetPage = template.Must(template.New("reset").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>{{.Title}} · Bizy</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem;color:#222}
h1{font-size:1.4rem} input{font:inherit;padding:.4rem;width:100%;box-sizing:border-box;margin:.3rem 0 1rem}
button{font:inherit;padding:.5rem 1rem} .err{color:#a00}</style></head>
<body><h1>{{.Title}}</h1>{{if .Message}}<p{{if .Error}} class="err"{{end}}>{{.Message}}</p>{{end}}
{{if .Form}}<form method="post" action="reset-password">
<input type="hidden" name="token" value="{{.Token}}">
<label for="password">New password</label>
<input id="password" name="password" type="password" autocomplete="new-password" required minlength="8" maxlength="72">
<p>At least 8 characters with an upper-case letter, a lower-case letter, a digit and a special character.</p>
<button type="submit">Set new password</button></form>{{end}}
</body></html>
`))

type resetView struct {
	Title, Message, Token string
	Error, Form           bool
}

func writeResetPage(w http.ResponseWriter, status int, v resetView) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Security-Policy", resetPageCSP)
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = resetPage.Execute(w, v)
}

// handleResetPasswordPage shows the form for the token in the link. The
// token is only checked when the form is sent, so showing the page spends
// nothing.
func handleResetPasswordPage() web.Handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		tok := r.URL.Query().Get("token")
		if tok == "" {
			writeResetPage(w, http.StatusBadRequest, resetView{Title: "This link does not work", Error: true,
				Message: "The link has no reset token. Ask for a new password reset email."})
			return nil
		}
		writeResetPage(w, http.StatusOK, resetView{Title: "Choose a new password", Token: tok, Form: true})
		return nil
	}
}

// isForm reports whether r carries an HTML form rather than JSON.
func isForm(r *http.Request) bool {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return mt == "application/x-www-form-urlencoded"
}

// resetFromForm is POST /reset-password sent by the form above: it answers
// with the page, whatever happens, except for a route wired without its
// client (a 500 problem).
func resetFromForm(svc *auth.Service, w http.ResponseWriter, r *http.Request) error {
	c, err := client(r)
	if err != nil {
		return err
	}
	r.Body = http.MaxBytesReader(w, r.Body, web.MaxBodyBytes)
	if err := r.ParseForm(); err != nil {
		writeResetPage(w, http.StatusBadRequest, resetView{Title: "Something is wrong with the form", Error: true,
			Message: "Open the link from the email again."})
		return nil
	}
	tok := r.PostForm.Get("token")
	err = svc.ResetPassword(r.Context(), tok, r.PostForm.Get("password"), c)
	var ve *auth.ValidationError
	switch {
	case err == nil:
		writeResetPage(w, http.StatusOK, resetView{Title: "Password changed",
			Message: "Your password has been changed and your sessions signed out. You can now log in with the new password."})
	case errors.As(err, &ve):
		writeResetPage(w, http.StatusUnprocessableEntity, resetView{Title: "Choose a new password", Token: tok, Form: true,
			Error: true, Message: "The password " + ve.Fields["password"] + "."})
	case errors.Is(err, auth.ErrInvalidToken):
		writeResetPage(w, http.StatusBadRequest, resetView{Title: "This link does not work", Error: true,
			Message: "The reset link is invalid, has already been used or has expired (links last 1 hour). Ask for a new one."})
	default:
		web.Logger(r.Context()).ErrorContext(r.Context(), "reset password", "err", err)
		writeResetPage(w, http.StatusInternalServerError, resetView{Title: "Something went wrong", Error: true,
			Message: "Please try again in a moment."})
	}
	return nil
}
