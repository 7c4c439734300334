package pages

import (
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/bizy-auth/bizy/internal/auth"
	"github.com/bizy-auth/bizy/internal/oidc"
)

// sessionRow is one of the user's sessions as the account page lists it.
type sessionRow struct {
	ID         string
	Device     string
	IP         string
	CreatedAt  time.Time
	LastActive time.Time
	Current    bool
}

type accountView struct {
	page
	Account  auth.User
	Sessions []sessionRow
	Form     *form // change password
	// Second factors.
	MFA      auth.MFAStatus
	AAL2     bool           // this session was signed in with a second factor
	Passkeys bool           // passkeys are configured
	MFAError string         // why a change to them was refused
	Apps     []oidc.Consent // the apps allowed to sign in with this account
}

// handleAccount shows the profile, the password form and the sessions.
func (p *pages) handleAccount(w http.ResponseWriter, r *http.Request) error {
	v, err := p.accountView(w, r, newForm("current_password", "new_password"))
	if err != nil {
		return err
	}
	v.Notice = notices[r.URL.Query().Get("m")]
	return p.render(w, r, http.StatusOK, "account", v)
}

func (p *pages) accountView(w http.ResponseWriter, r *http.Request, f *form) (accountView, error) {
	ps := visitorOf(r).session
	sessions, err := p.svc.Sessions(r.Context(), ps.User.ID)
	if err != nil {
		return accountView{}, err
	}
	mfa, err := p.svc.MFA(r.Context(), ps.User.ID)
	if err != nil {
		return accountView{}, err
	}
	apps, appSessions, err := p.apps(r, ps.User.ID)
	if err != nil {
		return accountView{}, err
	}
	v := accountView{page: p.base(w, r, "Your account"), Account: ps.User, Form: f, MFA: mfa,
		AAL2: ps.Level() == "aal2", Passkeys: p.svc.Config().Passkeys != nil, Apps: apps}
	v.Wide = true
	for _, s := range sessions {
		d := device(s.UserAgent)
		if app, ok := appSessions[s.ID]; ok {
			d = "App: " + app // signed in with Bizy; the user agent is the app's server
		}
		v.Sessions = append(v.Sessions, sessionRow{ID: s.ID, Device: d, IP: s.IP,
			CreatedAt: s.CreatedAt, LastActive: s.RefreshedAt, Current: s.ID == ps.Session.ID})
	}
	return v, nil
}

// handleChangePassword changes the password (auth.Service.ChangePassword):
// this session stays, every other one is signed out. A wrong current
// password counts as a failed sign-in, as it does at the API.
func (p *pages) handleChangePassword(w http.ResponseWriter, r *http.Request) error {
	ps := visitorOf(r).session
	f := newForm("current_password", "new_password").read(r, "current_password", "new_password")
	f.require(map[string]string{"current_password": "your current password", "new_password": "a new password"})
	status := http.StatusUnprocessableEntity
	if f.OK() {
		err := p.svc.ChangePassword(r.Context(), auth.PasswordChange{UserID: ps.User.ID, SessionID: ps.Session.ID,
			Current: f.Values["current_password"], New: f.Values["new_password"]}, p.client(r))
		var (
			ce *auth.CredentialError
			ve *auth.ValidationError
		)
		switch {
		case err == nil:
			http.Redirect(w, r, "/ui/account?m=password_changed", http.StatusSeeOther)
			return nil
		case errors.As(err, &ce):
			status = http.StatusBadRequest
			f.Errors[ce.Field] = sentence(ce.Field, ce.Message)
		case errors.As(err, &ve):
			for field, msg := range ve.Fields {
				f.Errors[field] = sentence(field, msg)
			}
		default:
			return err
		}
	}
	v, err := p.accountView(w, r, f)
	if err != nil {
		return err
	}
	return p.render(w, r, status, "account", v)
}

// handleRevokeSession signs one of the user's sessions out; this one's own
// sends the browser to the sign-in page.
func (p *pages) handleRevokeSession(w http.ResponseWriter, r *http.Request) error {
	ps := visitorOf(r).session
	id := r.PathValue("id")
	if !validID(id) {
		return auth.ErrNotFound
	}
	if err := p.svc.RevokeUserSession(r.Context(), ps.User.ID, id, p.client(r)); err != nil {
		return err
	}
	if id == ps.Session.ID {
		p.clearSessionCookie(w)
		http.Redirect(w, r, "/ui/login?m=signed_out", http.StatusSeeOther)
		return nil
	}
	http.Redirect(w, r, "/ui/account?m=session_revoked", http.StatusSeeOther)
	return nil
}

// device names the browser and system of a User-Agent, roughly, for
// people: "Firefox on Linux". An unknown one is shown as it came, cut.
func device(ua string) string {
	if ua == "" {
		return "Unknown device"
	}
	var browser, system string
	for _, b := range []struct{ token, name string }{
		{"Edg/", "Edge"}, {"OPR/", "Opera"}, {"HeadlessChrome", "Headless Chrome"}, {"Chrome/", "Chrome"},
		{"Firefox/", "Firefox"}, {"Safari/", "Safari"}, {"curl/", "curl"}, {"Go-http-client", "Go program"},
	} {
		if strings.Contains(ua, b.token) {
			browser = b.name
			break
		}
	}
	for _, s := range []struct{ token, name string }{
		{"Android", "Android"}, {"iPhone", "iPhone"}, {"iPad", "iPad"}, {"Windows", "Windows"},
		{"Mac OS X", "macOS"}, {"CrOS", "ChromeOS"}, {"Linux", "Linux"},
	} {
		if strings.Contains(ua, s.token) {
			system = s.name
			break
		}
	}
	switch {
	case browser != "" && system != "":
		return browser + " on " + system
	case browser != "":
		return browser
	}
	if r := []rune(ua); len(r) > 40 {
		return string(r[:40]) + "…"
	}
	return ua
}
