package apiserver

import (
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"time"

	"github.com/bizy-auth/bizy/internal/tasks"
	"github.com/bizy-auth/bizy/internal/web"
	"github.com/bizy-auth/bizy/token"
)

// DefaultProxyTimeout bounds a proxied auth call when Config.ProxyTimeout is
// zero: SPEC asks that a dead auth service answer 503 within 5 s.
const DefaultProxyTimeout = 5 * time.Second

// Config holds what the API needs besides its services.
type Config struct {
	// AuthServerURL is where the auth service is, such as
	// http://127.0.0.1:4567; a path on it is kept as a prefix.
	AuthServerURL string
	// TrustedProxies are the peers whose X-Forwarded-For the API believes
	// about its own client, the address it passes on to the auth service.
	TrustedProxies []netip.Prefix
	// CORSAllowedOrigins are the origins answered cross-origin, matched
	// exactly (scheme, host and port). Forward auth also sends browsers
	// back to them after signing in, as the pages' return_to rule does.
	CORSAllowedOrigins []string
	// PublicURL is the public origin (PUBLIC_URL), where the sign-in page
	// is: forward auth sends browsers to PublicURL/ui/login.
	PublicURL string
	// ProxyTimeout bounds each proxied call, headers and body; zero means
	// DefaultProxyTimeout.
	ProxyTimeout time.Duration
	// HTTPClient, when set, makes the calls to the auth service instead of
	// the API's own client; tests use it. Redirects are never followed.
	HTTPClient *http.Client
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Metrics, when set, is served at GET /metrics.
	Metrics http.Handler
	// Instrument, when set, wraps the routes to observe each request; it
	// sees the matched route pattern in r.Pattern once the request is served.
	Instrument func(http.Handler) http.Handler
	// Revoked, when set, names the sessions that have logged out (a
	// revocation.List): a token of one of them is refused even though it
	// verifies. nil means no such check. It is consulted on every
	// authenticated request, so it must be cheap and safe for concurrent use.
	Revoked RevokedSessions
}

// RevokedSessions reports whether a session has been revoked.
type RevokedSessions interface {
	Revoked(sid string) bool
}

// NewServer returns the API's handler. svc serves tasks and goals; verifier
// checks bearer tokens locally and must not be nil. An AuthServerURL that
// does not parse is logged, and every proxied call then answers 503. The
// handler is safe for concurrent use.
func NewServer(log *slog.Logger, cfg Config, svc *tasks.Service, verifier *token.Verifier) http.Handler {
	if cfg.ProxyTimeout <= 0 {
		cfg.ProxyTimeout = DefaultProxyTimeout
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	auth := newAuthClient(log, cfg)
	mux := http.NewServeMux()
	addRoutes(mux, cfg, svc, verifier, auth)
	return chain(log, cfg, mux)
}

// chain wraps mux in the middleware every answer goes through. CORS sits
// inside SecurityHeaders and outside routing so a preflight, which matches
// no route, is answered with the security headers and a request ID too.
func chain(log *slog.Logger, cfg Config, mux *http.ServeMux) http.Handler {
	var h http.Handler = web.Routes(mux)
	if cfg.Instrument != nil {
		h = cfg.Instrument(h)
	}
	h = web.ResolveClient(cfg.TrustedProxies, h)
	h = cors(cfg.CORSAllowedOrigins, h)
	h = web.SecurityHeaders(h)
	h = web.AccessLog(log, h)
	h = web.Recover(log, h)
	return web.RequestID(log, h)
}

// newTransport returns the transport used to reach the auth service. Every
// phase has its own bound so a dead or hung auth service costs a proxied
// request at most the proxy timeout, and idle connections are kept per host
// because every call goes to the same one. Proxy settings from the
// environment are ignored: the auth service is a direct neighbour, and an
// HTTP_PROXY meant for outbound traffic must not capture tokens meant for it.
func newTransport(timeout time.Duration) *http.Transport {
	dial := min(2*time.Second, timeout)
	return &http.Transport{
		DialContext:           (&net.Dialer{Timeout: dial, KeepAlive: 30 * time.Second}).DialContext,
		TLSHandshakeTimeout:   dial,
		ResponseHeaderTimeout: timeout,
		ExpectContinueTimeout: time.Second,
		MaxIdleConns:          64,
		MaxIdleConnsPerHost:   32,
		MaxConnsPerHost:       256,
		IdleConnTimeout:       90 * time.Second,
		ForceAttemptHTTP2:     true,
	}
}
