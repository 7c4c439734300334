package apiserver

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/bizy-auth/bizy/internal/fault"
	"github.com/bizy-auth/bizy/internal/returnto"
	"github.com/bizy-auth/bizy/internal/web"
	"github.com/bizy-auth/bizy/token"
)

// Headers of forward auth. The identity headers are what a proxy passes on
// to the app it guards; LoginURLHeader is for nginx, whose auth_request
// takes only 2xx, 401 and 403 from the check and so must make the
// browser's redirect itself.
const (
	HeaderUserID   = "X-Bizy-User-Id"
	HeaderUsername = "X-Bizy-Username"
	HeaderEmail    = "X-Bizy-Email"
	HeaderAdmin    = "X-Bizy-Admin"
	HeaderAAL      = "X-Bizy-AAL"
	LoginURLHeader = "X-Bizy-Login-URL"
)

// errForwardRefused answers a forward-auth check without a live credential.
var errForwardRefused = fault.New(fault.Unauthenticated, "unauthenticated", "sign in to continue")

// forwardAuth answers GET /api/auth/forward, the check a reverse proxy
// makes before each request to an app it guards.
type forwardAuth struct {
	verifier *token.Verifier
	revoked  RevokedSessions // may be nil
	sessions *pageSessions
	login    string // PUBLIC_URL + "/ui/login"
	rule     returnto.Rule
}

func newForwardAuth(cfg Config, v *token.Verifier, auth *authClient) *forwardAuth {
	origins := cfg.CORSAllowedOrigins
	if u, err := url.Parse(cfg.PublicURL); err == nil && u.Scheme != "" && u.Host != "" {
		origins = append([]string{u.Scheme + "://" + u.Host}, origins...)
	}
	return &forwardAuth{
		verifier: v, revoked: cfg.Revoked, sessions: newPageSessions(auth, cfg.Now),
		login: strings.TrimRight(cfg.PublicURL, "/") + "/ui/login",
		rule:  returnto.New(origins, nil),
	}
}

// handle reads a Bearer token, else the bizy_session cookie, and answers
// 200 with the X-Bizy-* identity headers and no body. Without a live
// credential a browser (Accept: text/html) is sent 302 to the sign-in page,
// whose return_to is the original URL when the return_to rule accepts it,
// and anything else gets a 401 problem; both carry the sign-in page's URL
// in X-Bizy-Login-URL. A revoked session is refused as soon as the
// revocation feed reports it, for a cookie as for a token. When the auth
// service cannot say whom a cookie names, the answer is a 503 problem.
func (f *forwardAuth) handle() web.Handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Add("Vary", "Authorization, Cookie, Accept")
		id, err := f.identify(r)
		switch {
		case err == nil:
			h := w.Header()
			h.Set(HeaderUserID, id.UserID)
			h.Set(HeaderUsername, id.Username)
			h.Set(HeaderEmail, id.Email)
			h.Set(HeaderAdmin, strconv.FormatBool(id.Admin))
			h.Set(HeaderAAL, id.AAL)
			w.WriteHeader(http.StatusOK)
			return nil
		case errors.Is(err, errForwardRefused):
			return f.refuse(w, r)
		default:
			return authUnavailable(r, err)
		}
	}
}

// identify returns who sent r, or errForwardRefused. A request with a
// Bearer token is judged by it alone: a bad token is not rescued by a
// cookie.
func (f *forwardAuth) identify(r *http.Request) (identity, error) {
	if raw, ok := token.BearerToken(r); ok {
		c, err := f.verifier.Verify(r.Context(), raw)
		if err != nil {
			if _, known := token.Reason(err); !known {
				return identity{}, err // the keys could not be fetched
			}
			return identity{}, errForwardRefused
		}
		if f.revoked != nil && f.revoked.Revoked(c.SessionID) {
			return identity{}, errForwardRefused
		}
		return identity{SessionID: c.SessionID, UserID: c.UserID, Username: c.Username,
			Email: c.Email, Admin: c.IsAdmin, AAL: tokenAAL(c)}, nil
	}
	ck, err := r.Cookie(sessionCookie)
	if err != nil || ck.Value == "" {
		return identity{}, errForwardRefused
	}
	id, err := f.sessions.get(r.Context(), ck.Value)
	switch {
	case errors.Is(err, errNoPageSession):
		return identity{}, errForwardRefused
	case err != nil:
		return identity{}, err
	}
	if f.revoked != nil && f.revoked.Revoked(id.SessionID) {
		f.sessions.forget(ck.Value)
		return identity{}, errForwardRefused
	}
	return id, nil
}

// tokenAAL is the assurance level a token states: aal1 until tokens carry
// the aal claim of second factors.
func tokenAAL(*token.Claims) string { return "aal1" }

// refuse answers a request without a live credential.
func (f *forwardAuth) refuse(w http.ResponseWriter, r *http.Request) error {
	login := f.login
	if ret := f.rule.Check(originalURL(r)); ret != "" {
		login += "?return_to=" + url.QueryEscape(ret)
	}
	w.Header().Set(LoginURLHeader, login)
	if wantsHTML(r) {
		http.Redirect(w, r, login, http.StatusFound)
		return nil
	}
	w.Header().Set("WWW-Authenticate", "Bearer")
	return errForwardRefused
}

// originalURL is the URL the proxy was asked for: X-Original-URL (nginx),
// else X-Forwarded-Proto, -Host and -Uri together (Traefik, Caddy); "" when
// neither is there. Anyone may send these headers, which is why the URL is
// only ever used through the return_to rule.
func originalURL(r *http.Request) string {
	if u := r.Header.Get("X-Original-URL"); u != "" {
		return u
	}
	proto, host, uri := r.Header.Get("X-Forwarded-Proto"), r.Header.Get("X-Forwarded-Host"), r.Header.Get("X-Forwarded-Uri")
	if proto == "" || host == "" || !strings.HasPrefix(uri, "/") {
		return ""
	}
	return proto + "://" + host + uri
}

// wantsHTML reports whether r comes from a browser navigating: its Accept
// names text/html.
func wantsHTML(r *http.Request) bool {
	for _, v := range r.Header.Values("Accept") {
		if strings.Contains(strings.ToLower(v), "text/html") {
			return true
		}
	}
	return false
}
