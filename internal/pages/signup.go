package pages

import (
	"errors"
	"net/http"

	"github.com/bizy-auth/bizy/internal/auth"
)

type registerView struct {
	page
	Form *form
}

func (p *pages) handleRegisterPage(w http.ResponseWriter, r *http.Request) error {
	v := registerView{page: p.base(w, r, "Create your account"), Form: newForm("username", "email", "password").leading()}
	return p.render(w, r, http.StatusOK, "register", v)
}

// handleRegister creates the account through auth.Service.Register, whose
// rules and messages are the JSON endpoint's, then says to check the mail.
func (p *pages) handleRegister(w http.ResponseWriter, r *http.Request) error {
	f := newForm("username", "email", "password").read(r, "username", "email", "password")
	f.require(map[string]string{"username": "a username", "email": "your email address", "password": "a password"})
	status := http.StatusUnprocessableEntity
	if f.OK() {
		u, err := p.svc.Register(r.Context(), auth.Registration{
			Username: f.Values["username"], Email: f.Values["email"], Password: f.Values["password"],
		}, p.client(r))
		var (
			ve *auth.ValidationError
			ce *auth.ConflictError
		)
		switch {
		case err == nil:
			return p.render(w, r, http.StatusCreated, "message", messageView{page: p.base(w, r, "Check your email"),
				Heading: "Check your email",
				Text: "We sent a link to " + u.Email + ". Open it to confirm your address, then sign in. " +
					"The link works for 24 hours.",
				Link: "/ui/login", LinkText: "Go to sign in"})
		case errors.As(err, &ve):
			for field, msg := range ve.Fields {
				f.Errors[field] = sentence(field, msg)
			}
		case errors.As(err, &ce):
			status = http.StatusConflict
			f.Errors[ce.Field] = "This " + label(ce.Field) + " is already taken"
		default:
			return err
		}
	}
	return p.render(w, r, status, "register", registerView{page: p.base(w, r, "Create your account"), Form: f})
}

// sentence turns a service message ("must be at least 8 characters")
// into one about the field ("Password must be at least 8 characters").
func sentence(field, msg string) string {
	l := label(field)
	return string(l[0]-'a'+'A') + l[1:] + " " + msg
}

// label is how a page names a field the service names.
func label(field string) string {
	switch field {
	case "email":
		return "email address"
	case "new_password":
		return "new password"
	case "current_password":
		return "current password"
	}
	return field
}

type tokenView struct {
	page
	Token string
	Form  *form // the resend form, when the link did not work
}

// handleVerifyPage is the page the verification mail links to. The GET
// only shows a button: mail scanners that fetch links spend nothing.
// Without a token it offers to send a new link.
func (p *pages) handleVerifyPage(w http.ResponseWriter, r *http.Request) error {
	tok := r.URL.Query().Get("token")
	v := tokenView{page: p.base(w, r, "Confirm your email address"), Token: tok}
	if tok == "" {
		v.Title, v.Form = "Send a new confirmation link", newForm("email").leading()
	}
	return p.render(w, r, http.StatusOK, "verify", v)
}

// handleVerify spends the token (auth.Service.VerifyEmail).
func (p *pages) handleVerify(w http.ResponseWriter, r *http.Request) error {
	_, err := p.svc.VerifyEmail(r.Context(), r.PostFormValue("token"), p.client(r))
	switch {
	case err == nil:
		return p.render(w, r, http.StatusOK, "message", messageView{page: p.base(w, r, "Email address confirmed"),
			Heading: "Email address confirmed", Text: "Thank you. You can now sign in to Bizy.",
			Link: "/ui/login", LinkText: "Sign in"})
	case errors.Is(err, auth.ErrInvalidToken):
		v := tokenView{page: p.base(w, r, "This link does not work"), Form: newForm("email")}
		return p.render(w, r, http.StatusBadRequest, "verify", v)
	}
	return err
}

// handleResend asks for a new verification link; the answer is the same
// whether or not the address has an account (auth.Service.ResendVerification).
func (p *pages) handleResend(w http.ResponseWriter, r *http.Request) error {
	f := newForm("email").read(r, "email")
	f.require(map[string]string{"email": "your email address"})
	if !f.OK() {
		v := tokenView{page: p.base(w, r, "Send a new confirmation link"), Form: f}
		return p.render(w, r, http.StatusUnprocessableEntity, "verify", v)
	}
	p.svc.ResendVerification(r.Context(), f.Values["email"], p.client(r))
	return p.render(w, r, http.StatusOK, "message", messageView{page: p.base(w, r, "Check your email"),
		Heading: "Check your email",
		Text:    "If that address belongs to an account that still needs confirming, a new link is on its way.",
		Link:    "/ui/login", LinkText: "Back to sign in"})
}
