// Package authserver is the auth service's HTTP surface: it decodes requests,
// calls auth.Service once per request and encodes the answer.
package authserver

import (
	"context"
	"log/slog"
	"net/http"
	"net/netip"

	"github.com/bizy-auth/bizy/internal/auth"
	"github.com/bizy-auth/bizy/internal/pages"
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
	// Pages configures the pages for people under /ui/.
	Pages pages.Config
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
	mux := http.NewServeMux()
	addRoutes(mux, log, cfg, svc, verifier, keys)
	var h http.Handler = web.Routes(mux)
	if cfg.Instrument != nil {
		h = cfg.Instrument(h)
	}
	h = web.SecurityHeaders(h)
	h = web.AccessLog(log, h)
	h = web.Recover(log, h)
	return web.RequestID(h)
}

// userAgentMaxBytes bounds the User-Agent kept with sessions and events.
const userAgentMaxBytes = 512

// client describes the caller for the security event log. The User-Agent is
// the client's own bytes: it is cleaned (valid UTF-8, no NUL or other
// control characters, at most userAgentMaxBytes) before anything stores it.
func client(r *http.Request, trusted []netip.Prefix) auth.Client {
	ip := web.ClientIP(r, trusted)
	c := auth.Client{UserAgent: web.CleanText(r.UserAgent(), userAgentMaxBytes)}
	if ip.IsValid() {
		c.IP = ip.String()
	}
	return c
}
