package pages

import (
	"errors"
	"net/http"

	"github.com/bizy-auth/bizy/internal/auth"
)

type forgotView struct {
	page
	Form *form
}

func (p *pages) handleForgotPage(w http.ResponseWriter, r *http.Request) error {
	v := forgotView{page: p.base(w, r, "Reset your password"), Form: newForm("email").leading()}
	return p.render(w, r, http.StatusOK, "forgot", v)
}

// handleForgot asks for a reset mail; the answer is the same whether or
// not the address has an account (auth.Service.ForgotPassword).
func (p *pages) handleForgot(w http.ResponseWriter, r *http.Request) error {
	f := newForm("email").read(r, "email")
	f.require(map[string]string{"email": "your email address"})
	if !f.OK() {
		v := forgotView{page: p.base(w, r, "Reset your password"), Form: f}
		return p.render(w, r, http.StatusUnprocessableEntity, "forgot", v)
	}
	p.svc.ForgotPassword(r.Context(), f.Values["email"], p.client(r))
	return p.render(w, r, http.StatusOK, "message", messageView{page: p.base(w, r, "Check your email"),
		Heading: "Check your email",
		Text: "If that address belongs to an account, we sent it a link to choose a new password. " +
			"The link works for 1 hour.",
		Link: "/ui/login", LinkText: "Back to sign in"})
}

type resetView struct {
	page
	Token string
	Form  *form
}

// handleResetPage is the page the reset mail links to: a form for the new
// password. Showing it spends nothing; the token is checked on the POST.
func (p *pages) handleResetPage(w http.ResponseWriter, r *http.Request) error {
	tok := r.URL.Query().Get("token")
	if tok == "" {
		return p.badLink(w, r, "The link has no reset token.")
	}
	v := resetView{page: p.base(w, r, "Choose a new password"), Token: tok, Form: newForm("password").leading()}
	return p.render(w, r, http.StatusOK, "reset", v)
}

// handleReset sets the new password (auth.Service.ResetPassword), which
// signs the account out everywhere.
func (p *pages) handleReset(w http.ResponseWriter, r *http.Request) error {
	tok := r.PostFormValue("token")
	f := newForm("password").read(r, "password")
	f.require(map[string]string{"password": "a new password"})
	if f.OK() {
		err := p.svc.ResetPassword(r.Context(), tok, f.Values["password"], p.client(r))
		var ve *auth.ValidationError
		switch {
		case err == nil:
			return p.render(w, r, http.StatusOK, "message", messageView{page: p.base(w, r, "Password changed"),
				Heading: "Password changed",
				Text:    "Your password was changed and every session of your account was signed out. Sign in with the new password.",
				Link:    "/ui/login", LinkText: "Sign in"})
		case errors.Is(err, auth.ErrInvalidToken):
			return p.badLink(w, r, "The link is not valid, was already used, or has expired (links work for 1 hour).")
		case errors.As(err, &ve):
			f.Errors["password"] = sentence("password", ve.Fields["password"])
		default:
			return err
		}
	}
	v := resetView{page: p.base(w, r, "Choose a new password"), Token: tok, Form: f}
	return p.render(w, r, http.StatusUnprocessableEntity, "reset", v)
}

// badLink answers 400 for a reset link that does not work, with the way to
// a new one.
func (p *pages) badLink(w http.ResponseWriter, r *http.Request, why string) error {
	return p.render(w, r, http.StatusBadRequest, "message", messageView{page: p.base(w, r, "This link does not work"),
		Heading: "This link does not work", Text: why + " Ask for a new one.", Error: true,
		Link: "/ui/forgot-password", LinkText: "Send me a new link"})
}

// handleUnlockPage is the page the mail sent when an account is locked for
// everyone links to: a button that spends the token on POST.
func (p *pages) handleUnlockPage(w http.ResponseWriter, r *http.Request) error {
	v := tokenView{page: p.base(w, r, "Unlock your account"), Token: r.URL.Query().Get("token")}
	return p.render(w, r, http.StatusOK, "unlock", v)
}

// handleUnlock spends an unlock token through Config.Unlock. Until the
// account-wide lock and its mail exist, there is none, and the page says
// so plainly.
func (p *pages) handleUnlock(w http.ResponseWriter, r *http.Request) error {
	if p.cfg.Unlock == nil {
		return p.render(w, r, http.StatusNotImplemented, "message", messageView{page: p.base(w, r, "Unlocking by link is not available"),
			Heading: "Unlocking by link is not available", Error: true,
			Text: "This Bizy server does not unlock accounts by email link yet. A lock ends by itself " +
				"(15 minutes unless your administrator set otherwise); resetting your password or asking an administrator also lifts it.",
			Link: "/ui/forgot-password", LinkText: "Reset my password"})
	}
	err := p.cfg.Unlock(r.Context(), r.PostFormValue("token"), p.client(r))
	switch {
	case err == nil:
		return p.render(w, r, http.StatusOK, "message", messageView{page: p.base(w, r, "Account unlocked"),
			Heading: "Account unlocked", Text: "You can sign in again.", Link: "/ui/login", LinkText: "Sign in"})
	case errors.Is(err, auth.ErrInvalidToken):
		return p.render(w, r, http.StatusBadRequest, "message", messageView{page: p.base(w, r, "This link does not work"),
			Heading: "This link does not work", Error: true,
			Text: "The link is not valid, was already used, or has expired (links work for 1 hour).",
			Link: "/ui/forgot-password", LinkText: "Reset my password instead"})
	}
	return err
}
