package pages

import (
	"encoding/base64"
	"errors"
	"html/template"
	"net/http"
	"strconv"

	"github.com/bizy-auth/bizy/internal/auth"
	"github.com/bizy-auth/bizy/internal/web"
)

// secondStepView is the sign-in's second step: a code from the
// authenticator app, or a recovery code.
type secondStepView struct {
	page
	Form     *form
	MFAToken string
	ReturnTo string
}

func (p *pages) renderSecondStep(w http.ResponseWriter, r *http.Request, status int, mfaToken, ret string, f *form) error {
	v := secondStepView{page: p.base(w, r, "Second step"), Form: f, MFAToken: mfaToken, ReturnTo: ret}
	return p.render(w, r, status, "login_mfa", v)
}

// handleLoginMFA finishes a sign-in with a code or a recovery code
// (auth.Service.PageLoginMFA, the rules of POST /login/mfa).
func (p *pages) handleLoginMFA(w http.ResponseWriter, r *http.Request) error {
	f := newForm("code", "recovery_code").read(r, "code", "recovery_code")
	token, ret := r.PostFormValue("mfa_token"), p.returnTo(r.PostFormValue("return_to"))
	if f.Values["code"] == "" && f.Values["recovery_code"] == "" {
		f.Errors["code"] = "Enter the code from your authenticator app, or a recovery code"
		return p.renderSecondStep(w, r, http.StatusUnprocessableEntity, token, ret, f)
	}
	ps, err := p.svc.PageLoginMFA(r.Context(), auth.MFAProof{Token: token, Code: f.Values["code"],
		RecoveryCode: f.Values["recovery_code"]}, p.client(r))
	switch {
	case err == nil:
		p.setSessionCookie(w, ps)
		http.Redirect(w, r, orDefault(ret, "/ui/account"), http.StatusSeeOther)
		return nil
	case errors.Is(err, auth.ErrWrongCode):
		f.Errors["code"] = "That code is wrong or was already used"
		return p.renderSecondStep(w, r, http.StatusUnauthorized, token, ret, f)
	case errors.Is(err, auth.ErrInvalidMFAToken):
		http.Redirect(w, r, "/ui/login?m=mfa_expired", http.StatusSeeOther)
		return nil
	}
	return err
}

// jsonError answers a script's request with {error} and status.
func jsonError(w http.ResponseWriter, status int, msg string) error {
	return web.JSON(w, status, map[string]string{"error": msg})
}

// beginJSON answers a passkey begin step to the page's script.
func beginJSON(w http.ResponseWriter, flow string, options []byte, err error) error {
	if errors.Is(err, auth.ErrPasskeysOff) {
		return jsonError(w, http.StatusNotFound, "Passkeys are not available here")
	}
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, map[string]any{"flow_id": flow, "publicKey": rawJSON(options)})
}

type rawJSON []byte

func (j rawJSON) MarshalJSON() ([]byte, error) { return j, nil }

// handlePasskeyLoginBegin starts a passkey sign-in for the script.
func (p *pages) handlePasskeyLoginBegin(w http.ResponseWriter, r *http.Request) error {
	flow, options, err := p.svc.BeginPasskeyLogin(r.Context())
	return beginJSON(w, flow, options, err)
}

// handlePasskeyLogin finishes it: the session gets its cookie, and the
// script is told where to go.
func (p *pages) handlePasskeyLogin(w http.ResponseWriter, r *http.Request) error {
	ps, err := p.svc.PagePasskeyLogin(r.Context(), r.PostFormValue("flow_id"), []byte(r.PostFormValue("credential")), p.client(r))
	var locked *auth.LockedError
	switch {
	case err == nil:
		p.setSessionCookie(w, ps)
		return web.JSON(w, http.StatusOK, map[string]string{"redirect": orDefault(p.returnTo(r.PostFormValue("return_to")), "/ui/account")})
	case errors.Is(err, auth.ErrBadCredentials), errors.Is(err, auth.ErrInvalidFlow):
		return jsonError(w, http.StatusUnauthorized, "That passkey did not sign you in. Try again, or use your password")
	case errors.Is(err, auth.ErrDisabled):
		return jsonError(w, http.StatusForbidden, "This account is disabled. Ask an administrator")
	case errors.Is(err, auth.ErrEmailUnverified):
		return jsonError(w, http.StatusForbidden, "Confirm your email address first: follow the link we sent you")
	case errors.As(err, &locked):
		w.Header().Set("Retry-After", strconv.Itoa(locked.RetryAfterSeconds))
		return jsonError(w, http.StatusLocked, "Too many failed sign-ins. Try again later")
	}
	return err
}

// handlePasskeyAddBegin starts registering a passkey for the script.
func (p *pages) handlePasskeyAddBegin(w http.ResponseWriter, r *http.Request) error {
	flow, options, err := p.svc.BeginPasskeyRegistration(r.Context(), visitorOf(r).session.User.ID)
	return beginJSON(w, flow, options, err)
}

// handlePasskeyAdd stores the new passkey.
func (p *pages) handlePasskeyAdd(w http.ResponseWriter, r *http.Request) error {
	_, err := p.svc.FinishPasskeyRegistration(r.Context(), visitorOf(r).session.User.ID, r.PostFormValue("flow_id"),
		r.PostFormValue("name"), []byte(r.PostFormValue("credential")), p.client(r))
	var ve *auth.ValidationError
	switch {
	case err == nil:
		return web.JSON(w, http.StatusCreated, map[string]string{"redirect": "/ui/account?m=passkey_added"})
	case errors.As(err, &ve):
		return jsonError(w, http.StatusUnprocessableEntity, "The name must be at most 64 characters")
	case errors.Is(err, auth.ErrInvalidCredential), errors.Is(err, auth.ErrInvalidFlow), errors.Is(err, auth.ErrConflict):
		return jsonError(w, http.StatusBadRequest, "That passkey could not be added. Try again")
	}
	return err
}

// handlePasskeyRemove deletes one of the user's passkeys.
func (p *pages) handlePasskeyRemove(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	if !validID(id) {
		return auth.ErrNotFound
	}
	if err := p.svc.RemovePasskey(r.Context(), visitorOf(r).session.User.ID, id, p.client(r)); err != nil {
		return err
	}
	http.Redirect(w, r, "/ui/account?m=passkey_removed", http.StatusSeeOther)
	return nil
}

// totpView is the enrolment page: the QR code to scan, the secret to type,
// and the form for the first code.
type totpView struct {
	page
	Secret string
	QR     template.URL // data: URL of the PNG, which we made: safe
	Form   *form
}

// handleTOTPStart makes a new secret and shows it.
func (p *pages) handleTOTPStart(w http.ResponseWriter, r *http.Request) error {
	e, err := p.svc.StartTOTP(r.Context(), visitorOf(r).session.User.ID)
	if errors.Is(err, auth.ErrTOTPEnabled) {
		http.Redirect(w, r, "/ui/account", http.StatusSeeOther)
		return nil
	}
	if err != nil {
		return err
	}
	return p.renderTOTP(w, r, http.StatusOK, e, newForm("code").leading())
}

func (p *pages) renderTOTP(w http.ResponseWriter, r *http.Request, status int, e auth.TOTPEnrolment, f *form) error {
	png, err := e.QRPNG()
	if err != nil {
		return err
	}
	v := totpView{page: p.base(w, r, "Set up an authenticator app"), Secret: e.Secret, Form: f,
		QR: template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(png))}
	// The QR code is an inline image; this page alone allows data: images.
	w.Header().Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; base-uri 'none'; frame-ancestors 'none'")
	return p.render(w, r, status, "account_totp", v)
}

// handleTOTPConfirm turns TOTP on with the first code and shows the
// recovery codes, once.
func (p *pages) handleTOTPConfirm(w http.ResponseWriter, r *http.Request) error {
	uid := visitorOf(r).session.User.ID
	f := newForm("code").read(r, "code")
	codes, err := p.svc.ConfirmTOTP(r.Context(), uid, f.Values["code"], p.client(r))
	if errors.Is(err, auth.ErrInvalidCode) {
		e, perr := p.svc.PendingTOTP(r.Context(), uid)
		if perr != nil {
			return perr
		}
		f.Errors["code"] = "That code is wrong. Enter the code your app shows now"
		return p.renderTOTP(w, r, http.StatusUnprocessableEntity, e, f)
	}
	if err != nil {
		return err
	}
	return p.renderRecoveryCodes(w, r, codes)
}

type recoveryView struct {
	page
	Codes []string
}

func (p *pages) renderRecoveryCodes(w http.ResponseWriter, r *http.Request, codes []string) error {
	return p.render(w, r, http.StatusOK, "recovery_codes", recoveryView{page: p.base(w, r, "Recovery codes"), Codes: codes})
}

// handleNewRecoveryCodes replaces the recovery codes; like POST
// /mfa/recovery-codes, only a session signed in with a second factor may.
func (p *pages) handleNewRecoveryCodes(w http.ResponseWriter, r *http.Request) error {
	ps := visitorOf(r).session
	if ps.Level() != "aal2" {
		p.renderError(w, r, http.StatusForbidden, "Sign in with your second factor first",
			"New recovery codes need a session signed in with your authenticator app or a recovery code.")
		return nil
	}
	codes, err := p.svc.NewRecoveryCodes(r.Context(), ps.User.ID, p.client(r))
	if err != nil {
		return err
	}
	return p.renderRecoveryCodes(w, r, codes)
}

// handleTOTPRemove turns TOTP off after checking the password.
func (p *pages) handleTOTPRemove(w http.ResponseWriter, r *http.Request) error {
	ps := visitorOf(r).session
	err := p.svc.RemoveTOTP(r.Context(), ps.User.ID, ps.Session.ID, r.PostFormValue("password"), p.client(r))
	var ce *auth.CredentialError
	switch {
	case err == nil:
		http.Redirect(w, r, "/ui/account?m=totp_removed", http.StatusSeeOther)
		return nil
	case errors.As(err, &ce), errors.Is(err, auth.ErrNoTOTP):
		v, verr := p.accountView(w, r, newForm("current_password", "new_password"))
		if verr != nil {
			return verr
		}
		v.MFAError = "The password is incorrect: the authenticator app stays on."
		return p.render(w, r, http.StatusBadRequest, "account", v)
	}
	return err
}
