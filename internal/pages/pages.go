package pages

import (
	"context"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/bizy-auth/bizy/internal/auth"
	"github.com/bizy-auth/bizy/internal/oidc"
	"github.com/bizy-auth/bizy/internal/returnto"
	"github.com/bizy-auth/bizy/internal/web"
)

// Config holds what the pages need besides the service.
type Config struct {
	// PublicURL is the public origin (PUBLIC_URL), where people reach the
	// pages: return_to may name paths on it, form posts from it are trusted,
	// and the cookie is Secure when it is https.
	PublicURL string
	// CookieDomain is the Domain of the session cookie; "" keeps it
	// host-only.
	CookieDomain string
	// CORSAllowedOrigins are origins return_to may also send people to
	// (exact scheme://host[:port]).
	CORSAllowedOrigins []string
	// RedirectAllowed, when set, reports whether an absolute URL is a
	// registered OpenID redirect that return_to may name.
	RedirectAllowed func(u string) bool
	// AdminRequireMFA (ADMIN_REQUIRE_MFA) keeps the admin console from a
	// session signed in without a second factor.
	AdminRequireMFA bool
	// OpenID, when set, is the OpenID Connect provider whose sign-in,
	// consent and client pages these pages serve (openid.go).
	OpenID *oidc.Provider
	// Limiter, when set, applies the rate limits of SPEC's Protection
	// table to the page POSTs; nil limits nothing.
	Limiter Limiter
	// Unlock spends an unlock token from the mail sent when an account is
	// locked for everyone; nil means the service's UnlockByToken.
	Unlock func(ctx context.Context, token string, c auth.Client) error
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// pages serves every page; one is made by Mount. It is safe for
// concurrent use.
type pages struct {
	log    *slog.Logger
	cfg    Config
	svc    *auth.Service
	tmpl   *templates
	secure bool   // cookies are Secure
	origin string // PublicURL's scheme://host[:port]
	ret    returnto.Rule
	cop    *http.CrossOriginProtection
}

// Mount registers the pages on mux under /ui/, and at GET /verify-email
// and GET /reset-password, the links of mail sent before the pages
// existed, which lead to the same pages. An empty PublicURL trusts no origin
// but the request's own and sets cookies without Secure; Mount panics if
// PublicURL is set but not an absolute http(s) URL, which config
// validation rules out.
func Mount(mux web.Router, log *slog.Logger, cfg Config, svc *auth.Service) {
	p := newPages(log, cfg, svc)
	for pattern, h := range p.routes() {
		mux.Handle(pattern, p.chain(h))
	}
	if cfg.OpenID != nil {
		for pattern, h := range p.openIDRoutes() {
			mux.Handle(pattern, p.chain(h))
		}
	}
}

func newPages(log *slog.Logger, cfg Config, svc *auth.Service) *pages {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Unlock == nil && svc != nil {
		cfg.Unlock = svc.UnlockByToken
	}
	p := &pages{log: log, cfg: cfg, svc: svc, tmpl: newTemplates()}
	p.cop = http.NewCrossOriginProtection()
	if cfg.PublicURL != "" {
		u, err := url.Parse(cfg.PublicURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			panic("pages: PublicURL must be an absolute http(s) URL, got " + cfg.PublicURL)
		}
		p.secure, p.origin = u.Scheme == "https", strings.ToLower(u.Scheme+"://"+u.Host)
		// Behind the API's proxy the Host is the auth service's, so a
		// browser without Sec-Fetch-Site is judged by its Origin against
		// PUBLIC_URL.
		if err := p.cop.AddTrustedOrigin(p.origin); err != nil {
			panic("pages: " + err.Error())
		}
	}
	origins := cfg.CORSAllowedOrigins
	if p.origin != "" {
		origins = append([]string{p.origin}, origins...)
	}
	p.ret = returnto.New(origins, cfg.RedirectAllowed)
	p.cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.renderError(w, r, http.StatusForbidden, "This form came from another site",
			"Bizy only accepts forms sent from its own pages. Go back, reload the page and try again.")
	}))
	return p
}

// routes lists every page and form target.
func (p *pages) routes() map[string]handler {
	return map[string]handler{
		"GET /ui/{$}":                           p.handleHome,
		"GET /ui/":                              p.handleNotFound, // any other page: a page that says so
		"GET /ui/static/{f}":                    p.handleStatic,
		"GET /ui/login":                         p.handleLoginPage,
		"POST /ui/login":                        p.limit(BudgetLogin, p.handleLogin),
		"GET /ui/logout":                        p.handleLogoutPage,
		"POST /ui/logout":                       p.handleLogout,
		"GET /ui/register":                      p.handleRegisterPage,
		"POST /ui/register":                     p.limit(BudgetRegister, p.handleRegister),
		"GET /ui/verify-email":                  p.handleVerifyPage,
		"GET /verify-email":                     oldLink("/ui/verify-email"), // links in older mail
		"POST /ui/verify-email":                 p.limit(BudgetVerify, p.handleVerify),
		"POST /ui/resend-verification":          p.limit(BudgetEmail, p.handleResend),
		"GET /ui/forgot-password":               p.handleForgotPage,
		"POST /ui/forgot-password":              p.limit(BudgetEmail, p.handleForgot),
		"GET /ui/reset-password":                p.handleResetPage,
		"GET /reset-password":                   oldLink("/ui/reset-password"), // links in older mail
		"POST /ui/reset-password":               p.limit(BudgetVerify, p.handleReset),
		"GET /ui/unlock":                        p.handleUnlockPage,
		"POST /ui/unlock":                       p.limit(BudgetVerify, p.handleUnlock),
		"GET /ui/account":                       p.signedIn(p.handleAccount),
		"POST /ui/account/password":             p.signedIn(p.handleChangePassword),
		"POST /ui/account/sessions/{id}/revoke": p.signedIn(p.handleRevokeSession),
		"POST /ui/login/mfa":                    p.limit(BudgetLogin, p.handleLoginMFA),
		"POST /ui/passkey/begin":                p.limit(BudgetLogin, p.handlePasskeyLoginBegin),
		"POST /ui/passkey/finish":               p.limit(BudgetLogin, p.handlePasskeyLogin),
		"POST /ui/account/totp":                 p.signedIn(p.handleTOTPStart),
		"POST /ui/account/totp/confirm":         p.signedIn(p.handleTOTPConfirm),
		"POST /ui/account/totp/remove":          p.signedIn(p.handleTOTPRemove),
		"POST /ui/account/recovery-codes":       p.signedIn(p.handleNewRecoveryCodes),
		"POST /ui/account/passkeys/begin":       p.signedIn(p.handlePasskeyAddBegin),
		"POST /ui/account/passkeys/finish":      p.signedIn(p.handlePasskeyAdd),
		"POST /ui/account/passkeys/{id}/remove": p.signedIn(p.handlePasskeyRemove),
		"GET /ui/admin":                         p.admin(p.handleAdminHome),
		"GET /ui/admin/users":                   p.admin(p.handleAdminUsers),
		"GET /ui/admin/users/{id}":              p.admin(p.handleAdminUser),
		"POST /ui/admin/users/{id}/{action}":    p.admin(p.handleAdminAction),
		"GET /ui/admin/events":                  p.admin(p.handleAdminEvents),
	}
}

// handler is a page: it writes its answer, or returns an error that
// fail turns into an error page.
type handler func(w http.ResponseWriter, r *http.Request) error

// chain wraps a page in what every page needs: the security headers of a
// page, the cross-origin check on unsafe methods, the page session from
// the cookie, the CSRF token check, and the error page for an error.
func (p *pages) chain(h handler) http.Handler {
	serve := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r, err := withClient(r)
		if err == nil {
			r, err = p.withSession(w, r)
		}
		if err == nil && r.Method == http.MethodPost {
			err = p.checkCSRF(r)
		}
		if err == nil {
			err = h(w, r)
		}
		if err != nil {
			p.fail(w, r, err)
		}
	})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		// The pages' policy replaces the JSON policy web.SecurityHeaders
		// set: own stylesheet and images, forms to this origin, no script.
		hd.Set("Content-Security-Policy", "default-src 'self'; base-uri 'none'; frame-ancestors 'none'")
		hd.Set("X-Frame-Options", "DENY")
		hd.Set("Cache-Control", "no-store")
		r.Body = http.MaxBytesReader(w, r.Body, web.MaxBodyBytes)
		p.cop.Handler(serve).ServeHTTP(w, r)
	})
}

type clientKey struct{}

// withClient puts the caller, as the server's web.ResolveClient resolved
// it, in r's context for client. It fails closed: a server that mounted
// the pages without web.ResolveClient gets an error page, not an unknown
// caller.
func withClient(r *http.Request) (*http.Request, error) {
	c, err := web.ClientOf(r)
	if err != nil {
		return r, err
	}
	ac := auth.Client{IP: c.IP, UserAgent: c.UserAgent}
	return r.WithContext(context.WithValue(r.Context(), clientKey{}, ac)), nil
}

// client describes the caller for the security event log; chain has put
// it in the context before any page runs.
func (p *pages) client(r *http.Request) auth.Client {
	c, _ := r.Context().Value(clientKey{}).(auth.Client)
	return c
}

// limit spends one unit of budget before h runs.
func (p *pages) limit(budget string, h handler) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		if p.cfg.Limiter == nil {
			return h(w, r)
		}
		ok, retry, err := p.cfg.Limiter.Allow(w, r, budget, p.client(r).IP)
		if err != nil {
			p.log.WarnContext(r.Context(), "rate limiter failed; request let through", "budget", budget, "err", err)
		} else if !ok {
			return &LimitedError{RetryAfter: retry}
		}
		return h(w, r)
	}
}

// oldLink sends a link of older mail on to its page, token and all. A
// redirect rather than the page itself, so the page is always at its own
// address, behind the API's proxy as well (where /api/auth/verify-email
// passes no cookies).
func oldLink(page string) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		to := page
		if r.URL.RawQuery != "" {
			to += "?" + r.URL.RawQuery
		}
		http.Redirect(w, r, to, http.StatusSeeOther)
		return nil
	}
}

// handleNotFound answers a page that does not exist with a page, not the
// JSON problem the rest of the service answers.
func (p *pages) handleNotFound(http.ResponseWriter, *http.Request) error { return auth.ErrNotFound }

// handleHome sends people to their account, or to sign in.
func (p *pages) handleHome(w http.ResponseWriter, r *http.Request) error {
	http.Redirect(w, r, "/ui/account", http.StatusSeeOther)
	return nil
}
