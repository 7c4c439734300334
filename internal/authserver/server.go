// Package authserver is the auth service's HTTP surface: it decodes requests,
// calls auth.Service once per request and encodes the answer.
package authserver

import (
	"context"
	"log/slog"
	"net/http"
	"net/netip"

	"github.com/bizy-auth/bizy/internal/auth"
	"github.com/bizy-auth/bizy/internal/input"
	"github.com/bizy-auth/bizy/internal/oidc"
	"github.com/bizy-auth/bizy/internal/pages"
	"github.com/bizy-auth/bizy/internal/ratelimit"
	"github.com/bizy-auth/bizy/internal/web"
	"github.com/bizy-auth/bizy/token"
)

// Config holds what the server needs besides the service.
type Config struct {
	// TrustedProxies are the peers whose X-Forwarded-For is believed.
	TrustedProxies []netip.Prefix
	// Metrics, when set, is served at GET /metrics.
	Metrics http.Handler
	// Instrument, when set, wraps the routes to observe each request; it
	// sees the matched route pattern in r.Pattern once the request is served.
	Instrument func(http.Handler) http.Handler
	// Pages configures the pages for people under /ui/. When Limiter is
	// set, it replaces Pages.Limiter, so pages and JSON routes share it.
	Pages pages.Config
	// Limiter, when set, enforces the rate limits of SPEC's Protection
	// section per client IP on every route and page that spends a budget
	// (see routes.go); nil limits nothing. Its EmailAddress budget is the
	// service's (auth.Config.MailBudget), not the server's.
	Limiter ratelimit.Limiter
	// AdminRequireMFA (ADMIN_REQUIRE_MFA) refuses the admin routes to a
	// session without a second factor (aal2).
	AdminRequireMFA bool
	// OpenID, when set, is the OpenID Connect provider: /oauth/…,
	// discovery, its keys in the JWKS and the admin API of its clients.
	OpenID *oidc.Provider
}

// KeyPublisher lists the public keys to publish at /.well-known/jwks.json.
type KeyPublisher interface {
	JWKS(ctx context.Context) (token.JWKSet, error)
}

// noKeys publishes an empty set, as HS256 has no public keys.
type noKeys struct{}

func (noKeys) JWKS(context.Context) (token.JWKSet, error) {
	return token.JWKSet{Keys: []token.JWK{}}, nil
}

// NewServer returns the auth service's handler. keys may be nil (HS256).
func NewServer(log *slog.Logger, cfg Config, svc *auth.Service, verifier *token.Verifier, keys KeyPublisher) http.Handler {
	if keys == nil {
		keys = noKeys{}
	}
	if cfg.OpenID != nil {
		keys = openIDKeys{keys, cfg.OpenID}
	}
	mux := http.NewServeMux()
	addRoutes(mux, log, cfg, svc, verifier, keys)
	var h http.Handler = web.Routes(mux)
	if cfg.Instrument != nil {
		h = cfg.Instrument(h)
	}
	h = web.ResolveClient(cfg.TrustedProxies, h)
	h = web.SecurityHeaders(h)
	h = web.AccessLog(log, h)
	h = web.Recover(log, h)
	return web.RequestID(log, h)
}

// client is the caller as the security event log records it, resolved
// once by web.ResolveClient (the address behind the trusted proxies, the
// cleaned User-Agent). It fails closed as web.ClientOf does.
func client(r *http.Request) (auth.Client, error) {
	c, err := web.ClientOf(r)
	return auth.Client{IP: c.IP, UserAgent: c.UserAgent}, err
}

// caller returns the token claims and the client of a request on a Bearer
// route; either missing is an error (web.ClaimsOf, web.ClientOf).
func caller(r *http.Request) (*token.Claims, auth.Client, error) {
	claims, err := web.ClaimsOf(r)
	if err != nil {
		return nil, auth.Client{}, err
	}
	c, err := client(r)
	return claims, c, err
}

// pathID returns the {id} of r's path when it is an id this service
// issues, and auth.ErrNotFound otherwise: nothing else names a row.
func pathID(r *http.Request) (string, error) {
	id := r.PathValue("id")
	if !input.ValidID(id) {
		return "", auth.ErrNotFound
	}
	return id, nil
}

// pathAction serves an action of the caller on the id in the path that
// has no body to answer (revoke a session, delete or unlock a user): do
// gets the caller's user id, the path's id and the client. It answers 204,
// or do's error.
func pathAction(do func(ctx context.Context, callerID, id string, c auth.Client) error) web.Handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := pathID(r)
		if err != nil {
			return err
		}
		claims, c, err := caller(r)
		if err != nil {
			return err
		}
		if err := do(r.Context(), claims.UserID, id, c); err != nil {
			return err
		}
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
}
