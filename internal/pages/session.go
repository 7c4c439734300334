package pages

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"net/http"
	"net/url"
	"time"

	"github.com/bizy-auth/bizy/internal/auth"
	"github.com/bizy-auth/bizy/token"
)

// Cookies the pages set. Both hold 256 random bits; neither is ever the
// session id, which every access token carries.
const (
	// SessionCookie names a page session (auth.PageSession).
	SessionCookie = "bizy_session"
	// csrfCookie gives a visitor who is not signed in a secret to tie the
	// forms they are shown (sign-in, sign-up, the mailed links) to them.
	csrfCookie = "bizy_csrf"
	// csrfField is the form field that carries the token.
	csrfField = "csrf"
)

type sessionKey struct{}

// visitor is what the pages know about who sent a request.
type visitor struct {
	session *auth.PageSession // nil when not signed in
	secret  string            // the session cookie's secret, when signed in
	anon    string            // the csrf cookie's secret, when sent
}

// withSession reads the cookies into the request's context. A session
// cookie that names no live session is cleared, so the browser stops
// sending it.
func (p *pages) withSession(w http.ResponseWriter, r *http.Request) (*http.Request, error) {
	var v visitor
	if c, err := r.Cookie(csrfCookie); err == nil && len(c.Value) == secretLen {
		v.anon = c.Value
	}
	if c, err := r.Cookie(SessionCookie); err == nil {
		ps, err := p.svc.ResumePageSession(r.Context(), c.Value)
		switch {
		case errors.Is(err, auth.ErrUnauthenticated):
			p.clearSessionCookie(w)
		case err != nil:
			return r, err
		default:
			v.session, v.secret = &ps, c.Value
		}
	}
	return r.WithContext(context.WithValue(r.Context(), sessionKey{}, &v)), nil
}

// visitorOf returns what withSession found; never nil.
func visitorOf(r *http.Request) *visitor {
	if v, ok := r.Context().Value(sessionKey{}).(*visitor); ok {
		return v
	}
	return &visitor{}
}

// secretLen is the length of a cookie secret: 32 bytes, base64url.
const secretLen = 43

func newCookieSecret() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // never fails on supported platforms
	return base64.RawURLEncoding.EncodeToString(b)
}

// setSessionCookie gives the browser its page session, until the session
// expires.
func (p *pages) setSessionCookie(w http.ResponseWriter, ps auth.PageSession) {
	http.SetCookie(w, p.cookie(SessionCookie, ps.Secret, ps.Session.ExpiresAt))
}

func (p *pages) clearSessionCookie(w http.ResponseWriter) {
	c := p.cookie(SessionCookie, "", time.Time{})
	c.MaxAge = -1
	http.SetCookie(w, c)
}

// cookie is a cookie as SPEC has them: HttpOnly, SameSite=Lax, Path=/,
// Secure when PUBLIC_URL is https, Domain from COOKIE_DOMAIN.
func (p *pages) cookie(name, value string, expires time.Time) *http.Cookie {
	return &http.Cookie{Name: name, Value: value, Path: "/", Domain: p.cfg.CookieDomain, Expires: expires,
		HttpOnly: true, Secure: p.secure, SameSite: http.SameSiteLaxMode}
}

// deriveCSRF is the form token of a cookie secret: a hash that tells
// nothing of the secret, so a token in a page's HTML can't be turned into
// the cookie.
func deriveCSRF(secret string) string {
	sum := sha256.Sum256([]byte("bizy page form\x00" + secret))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// csrfToken returns the token the forms of r's page carry: derived from the
// session cookie when signed in, otherwise from the csrf cookie, which it
// sets when the browser has none.
func (p *pages) csrfToken(w http.ResponseWriter, r *http.Request) string {
	v := visitorOf(r)
	if v.session != nil {
		return deriveCSRF(v.secret)
	}
	if v.anon == "" {
		v.anon = newCookieSecret()
		http.SetCookie(w, p.cookie(csrfCookie, v.anon, time.Time{}))
	}
	return deriveCSRF(v.anon)
}

// errBadForm is a POST whose CSRF token does not match the browser's
// cookies: a form from elsewhere, or one shown before the cookies changed
// (signed in or out in another tab).
var errBadForm = errors.New("form token does not match")

// formError is a POST body that is not a form that can be read (or is
// past web.MaxBodyBytes).
type formError struct{ err error }

func (e *formError) Error() string { return "read form: " + e.err.Error() }
func (e *formError) Unwrap() error { return e.err }

// checkCSRF accepts a POST whose csrf field is the token of the session
// cookie or of the csrf cookie the browser sent.
func (p *pages) checkCSRF(r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return &formError{err}
	}
	got := []byte(r.PostFormValue(csrfField))
	v := visitorOf(r)
	for _, secret := range []string{v.secret, v.anon} {
		if secret != "" && subtle.ConstantTimeCompare(got, []byte(deriveCSRF(secret))) == 1 {
			return nil
		}
	}
	return errBadForm
}

// signedIn lets only a signed-in browser reach h; anyone else is sent to
// sign in and brought back.
func (p *pages) signedIn(h handler) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		if visitorOf(r).session == nil {
			return auth.ErrUnauthenticated
		}
		return h(w, r)
	}
}

// admin lets only an admin reach h, by the role the database has now (not
// as of sign-in); anyone else signed in gets 403.
func (p *pages) admin(h handler) handler {
	return p.signedIn(func(w http.ResponseWriter, r *http.Request) error {
		ps := visitorOf(r).session
		if _, err := p.svc.RequireAdmin(r.Context(), ps.User.ID); err != nil {
			return err
		}
		if p.cfg.AdminRequireMFA && ps.Level() != token.AAL2 {
			p.renderError(w, r, http.StatusForbidden, "Sign in with a second factor",
				"The admin console needs a session signed in with an authenticator app or a passkey. Set one up on your account page, sign out, and sign in with it.")
			return nil
		}
		return h(w, r)
	})
}

// loginURL is the sign-in page that brings the browser back to r's page.
func loginURL(r *http.Request) string {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		return "/ui/login"
	}
	return "/ui/login?return_to=" + url.QueryEscape(r.URL.RequestURI())
}
