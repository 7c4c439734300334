package pages

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/bizy-auth/bizy/internal/auth"
)

// notices are the fixed messages a redirect may ask a page to show
// (?m=…); nothing from the URL is shown as such.
var notices = map[string]string{
	"signed_out":       "You are signed out.",
	"signed_out_all":   "You are signed out on every device.",
	"password_changed": "Your password was changed. Your other sessions were signed out.",
	"session_revoked":  "That session was signed out.",
	"app_revoked":      "The app was signed out and must ask again.",
	"client_deleted":   "The client was deleted and its sessions ended.",
	"user_deleted":     "The user was deleted.",
	"done":             "Done.",
	"mfa_expired":      "That sign-in took too long or had too many wrong codes. Sign in again.",
	"totp_removed":     "Your authenticator app was removed. Your other sessions were signed out.",
	"passkey_added":    "Your passkey was added.",
	"passkey_removed":  "The passkey was removed.",
}

type loginView struct {
	page
	Form       *form
	ReturnTo   string
	Unverified bool // the right password for an unverified address
	Passkeys   bool // offer "Sign in with a passkey"
}

// handleLoginPage shows the sign-in form; a browser already signed in goes
// on to where it was going, unless an app asked for a fresh sign-in
// (prompt=login, max_age).
func (p *pages) handleLoginPage(w http.ResponseWriter, r *http.Request) error {
	ret := p.returnTo(r.URL.Query().Get("return_to"))
	if visitorOf(r).session != nil && r.URL.Query().Get("prompt") != "login" {
		http.Redirect(w, r, orDefault(ret, "/ui/account"), http.StatusSeeOther)
		return nil
	}
	v := loginView{page: p.base(w, r, "Sign in"), Form: newForm("login", "password").leading(), ReturnTo: ret,
		Passkeys: p.svc.Config().Passkeys != nil}
	v.Notice = notices[r.URL.Query().Get("m")]
	return p.render(w, r, http.StatusOK, "login", v)
}

// handleLogin signs in through auth.Service.PageLogin, which keeps every
// rule of POST /login: one answer for an unknown name and a wrong
// password, the lockout, verification and disabled accounts.
func (p *pages) handleLogin(w http.ResponseWriter, r *http.Request) error {
	f := newForm("login", "password").read(r, "login", "password")
	f.require(map[string]string{"login": "your username or email", "password": "your password"})
	ret := p.returnTo(r.PostFormValue("return_to"))
	status := http.StatusUnprocessableEntity
	v := loginView{Form: f, ReturnTo: ret, Passkeys: p.svc.Config().Passkeys != nil}
	var locked *auth.LockedError
	var mfa *auth.MFARequiredError
	if f.OK() {
		ps, err := p.svc.PageLogin(r.Context(), f.Values["login"], f.Values["password"], p.client(r))
		switch {
		case err == nil:
			p.setSessionCookie(w, ps)
			http.Redirect(w, r, orDefault(ret, "/ui/account"), http.StatusSeeOther)
			return nil
		case errors.As(err, &mfa):
			return p.renderSecondStep(w, r, http.StatusOK, mfa.Token, ret, newForm("code", "recovery_code").leading())
		case errors.Is(err, auth.ErrBadCredentials):
			status = http.StatusUnauthorized
			f.Errors["password"] = "The username or password is incorrect"
		case errors.Is(err, auth.ErrEmailUnverified):
			status, v.Unverified = http.StatusForbidden, true
			f.Errors["login"] = "Confirm your email address first: follow the link we sent you"
		case errors.As(err, &locked):
			status = http.StatusLocked
			w.Header().Set("Retry-After", strconv.Itoa(locked.RetryAfterSeconds))
			f.Errors["login"] = "Too many failed sign-ins. Try again in " + minutes(locked.RetryAfterSeconds) +
				", or reset your password"
		case errors.Is(err, auth.ErrDisabled):
			status = http.StatusForbidden
			f.Errors["login"] = "This account is disabled. Ask an administrator"
		default:
			return err
		}
	}
	v.page = p.base(w, r, "Sign in")
	return p.render(w, r, status, "login", v)
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// handleLogoutPage asks before signing out: a GET never changes anything.
func (p *pages) handleLogoutPage(w http.ResponseWriter, r *http.Request) error {
	if visitorOf(r).session == nil {
		http.Redirect(w, r, "/ui/login", http.StatusSeeOther)
		return nil
	}
	return p.render(w, r, http.StatusOK, "logout", p.base(w, r, "Sign out"))
}

// handleLogout ends the page session, or with all=true every session of
// the user (the API's POST /logout?all=true), and clears the cookie.
func (p *pages) handleLogout(w http.ResponseWriter, r *http.Request) error {
	v := visitorOf(r)
	p.clearSessionCookie(w)
	m := "signed_out"
	if v.session != nil {
		all := r.PostFormValue("all") == "true"
		if all {
			m = "signed_out_all"
		}
		s := v.session
		if err := p.svc.Logout(r.Context(), s.User.ID, s.Session.ID, all, p.client(r)); err != nil {
			return err
		}
	}
	http.Redirect(w, r, "/ui/login?m="+m, http.StatusSeeOther)
	return nil
}
