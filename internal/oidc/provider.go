package oidc

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/rs/cors"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"

	"github.com/bizy-auth/bizy/internal/auth"
	"github.com/bizy-auth/bizy/internal/web"
	"github.com/bizy-auth/bizy/token"
)

// Config holds what the provider needs besides its stores.
type Config struct {
	// Issuer is PUBLIC_URL, the public origin: the iss of every token and
	// the base of every endpoint in the discovery document.
	Issuer string
	// AccessTokenTTL is the lifetime of access and ID tokens
	// (ACCESS_TOKEN_TTL); RefreshTokenTTL that of the sessions opened
	// (REFRESH_TOKEN_TTL).
	AccessTokenTTL  time.Duration
	RefreshTokenTTL time.Duration
	// RefreshReuseInterval is how long a rotated-out refresh token is
	// answered with its session's current one rather than revoking the
	// session (REFRESH_REUSE_INTERVAL, as for the API's refresh tokens);
	// 0 turns it off.
	RefreshReuseInterval time.Duration
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Provider is Bizy's OpenID Connect provider. It serves /oauth/… and
// /.well-known/openid-configuration (ServeHTTP), and gives the pages what
// sign-in and consent need. It is safe for concurrent use.
type Provider struct {
	log   *slog.Logger
	cfg   Config
	store Store
	auth  auth.Store
	svc   *auth.Service
	keys  *Keys
	op    *op.Provider
	h     http.Handler
}

// Paths of the interaction the pages serve for the provider.
const (
	// ContinuePath is where op sends the browser after /oauth/authorize
	// (?id= the request): the pages sign the user in, ask for consent,
	// and hand back to Finish.
	ContinuePath = "/ui/oauth/continue"
)

// New returns a Provider. keys must have a signing key (Keys.Ensure).
func New(log *slog.Logger, cfg Config, store Store, authStore auth.Store, svc *auth.Service, keys *Keys) (*Provider, error) {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	cfg.Issuer = strings.TrimSuffix(cfg.Issuer, "/")
	p := &Provider{log: log, cfg: cfg, store: store, auth: authStore, svc: svc, keys: keys}
	var key [32]byte
	_, _ = rand.Read(key[:]) // codes are looked up by hash, so each copy may have its own key
	opCfg := &op.Config{
		CryptoKey:                key,
		DefaultLogoutRedirectURI: cfg.Issuer + "/ui/login?m=signed_out",
		CodeMethodS256:           true,
		AuthMethodPost:           true,
		GrantTypeRefreshToken:    true,
		SupportedScopes:          supportedScopes,
		SupportedClaims: append(slices.Clone(op.DefaultSupportedClaims), "sid", "name",
			"preferred_username", "email", "email_verified", "updated_at"),
	}
	opts := []op.Option{
		op.WithCustomAuthEndpoint(op.NewEndpoint("oauth/authorize")),
		op.WithCustomTokenEndpoint(op.NewEndpoint("oauth/token")),
		op.WithCustomIntrospectionEndpoint(op.NewEndpoint("oauth/introspect")),
		op.WithCustomUserinfoEndpoint(op.NewEndpoint("oauth/userinfo")),
		op.WithCustomRevocationEndpoint(op.NewEndpoint("oauth/revoke")),
		op.WithCustomEndSessionEndpoint(op.NewEndpoint("oauth/logout")),
		op.WithCustomKeysEndpoint(op.NewEndpoint(".well-known/jwks.json")),
		// op checks its own tokens (userinfo, introspection, id_token_hint)
		// with RS256 only unless told: a client may have chosen EdDSA.
		op.WithAccessTokenVerifierOpts(op.WithSupportedAccessTokenSigningAlgorithms(Algorithm, EdDSA)),
		op.WithIDTokenHintVerifierOpts(op.WithSupportedIDTokenHintSigningAlgorithms(Algorithm, EdDSA)),
		// op's default CORS reflects any origin with credentials; apps
		// call the token, userinfo and revoke endpoints with explicit
		// tokens, never with the browser's cookies.
		op.WithCORSOptions(&cors.Options{AllowOriginFunc: func(string) bool { return true },
			AllowedMethods: []string{http.MethodGet, http.MethodPost},
			AllowedHeaders: []string{"Authorization", "Content-Type", "Accept"}}),
	}
	if strings.HasPrefix(cfg.Issuer, "http://") {
		opts = append(opts, op.WithAllowInsecure()) // PUBLIC_URL on http: development
	}
	var err error
	if p.op, err = op.NewProvider(opCfg, storage{p}, op.StaticIssuer(cfg.Issuer), opts...); err != nil {
		return nil, fmt.Errorf("oidc: %w", err)
	}
	p.h = p.withRequest(p.op)
	return p, nil
}

func (p *Provider) now() time.Time { return p.cfg.Now() }

// ServeHTTP serves the provider's endpoints. The auth server routes each
// of /oauth/… and GET /.well-known/openid-configuration here, but not
// op's /oauth/authorize/callback (Bizy's pages call Finish instead); the
// JWKS stays its own route, where these keys are published beside
// Ed25519's.
func (p *Provider) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p.h.ServeHTTP(w, r)
}

// loginURL is where op sends the browser to sign in for request id.
func (p *Provider) loginURL(id string) string {
	return ContinuePath + "?id=" + url.QueryEscape(id)
}

// event records a security event of the provider.
func (p *Provider) event(ctx context.Context, typ, userID, detail string, c auth.Client) {
	p.svc.RecordEvent(ctx, auth.Event{Type: typ, UserID: userID, IP: c.IP, UserAgent: c.UserAgent, Detail: detail})
}

// revoke ends session sid of userID, as a revocation anywhere else in
// Bizy does (the event log, the revocation feed).
func (p *Provider) revoke(ctx context.Context, userID, sid string, c auth.Client) error {
	err := p.svc.RevokeUserSession(ctx, userID, sid, c)
	if errors.Is(err, auth.ErrNotFound) {
		return nil
	}
	return err
}

type requestKey struct{}

// requestInfo is what storage methods, which get only a context, need of
// the HTTP request: the caller for the event log, and the page cookie for
// /oauth/logout.
type requestInfo struct {
	client   auth.Client
	cookie   string
	clientID string // the OAuth client calling /oauth/token, when it says
}

// PageCookie names the page session cookie (pages.SessionCookie), which
// /oauth/logout ends along with the app's sessions.
const PageCookie = "bizy_session"

// withRequest puts requestInfo in the context of every request to op.
func (p *Provider) withRequest(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var info requestInfo
		if c, err := web.ClientOf(r); err == nil {
			info.client = auth.Client{IP: c.IP, UserAgent: c.UserAgent}
		}
		if c, err := r.Cookie(PageCookie); err == nil {
			info.cookie = c.Value
		}
		if r.Method == http.MethodPost && r.URL.Path == "/oauth/token" {
			// Parsed here once (op's ParseForm then keeps r.PostForm), so
			// SigningKey knows whose algorithm to sign with.
			info.clientID = r.PostFormValue("client_id")
			if id, _, ok := r.BasicAuth(); ok {
				info.clientID, _ = url.QueryUnescape(id)
			}
		}
		h.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), requestKey{}, info)))
	})
}

func clientOf(ctx context.Context) auth.Client {
	info, _ := ctx.Value(requestKey{}).(requestInfo)
	return info.client
}

func clientIDOf(ctx context.Context) string {
	info, _ := ctx.Value(requestKey{}).(requestInfo)
	return info.clientID
}

func cookieOf(ctx context.Context) string {
	info, _ := ctx.Value(requestKey{}).(requestInfo)
	return info.cookie
}

// ErrBadAuthorize is an authorization request whose client is unknown or
// whose redirect_uri is not one of its own: it is answered with an error
// page, never a redirect (RFC 6749 §4.1.2.1).
var ErrBadAuthorize = errors.New("unknown client or redirect URI")

// CheckAuthorize returns ErrBadAuthorize unless r names a registered
// client and one of its redirect URIs exactly, the checks that must pass
// before any error may be sent to the redirect URI.
func (p *Provider) CheckAuthorize(r *http.Request) error {
	q := r.URL.Query()
	id, redirect := q.Get("client_id"), q.Get("redirect_uri")
	if id == "" || redirect == "" || len(q["client_id"]) > 1 || len(q["redirect_uri"]) > 1 {
		return ErrBadAuthorize
	}
	c, err := p.store.Client(r.Context(), id)
	if errors.Is(err, auth.ErrNotFound) {
		return ErrBadAuthorize
	}
	if err != nil {
		return err
	}
	if !slices.Contains(c.RedirectURIs, redirect) && !loopbackMatch(c, redirect) {
		return ErrBadAuthorize
	}
	return nil
}

// loopbackMatch accepts, for a public client, a registered loopback
// redirect on another port (RFC 8252 §7.3), as op does.
func loopbackMatch(c Client, redirect string) bool {
	u, err := url.Parse(redirect)
	if !c.Public || err != nil || u.Scheme != "http" || (u.Hostname() != "127.0.0.1" && u.Hostname() != "::1") {
		return false
	}
	for _, r := range c.RedirectURIs {
		if v, err := url.Parse(r); err == nil && v.Scheme == "http" && v.Hostname() == u.Hostname() && v.Path == u.Path {
			return true
		}
	}
	return false
}

// RedirectAllowed reports whether u is a registered redirect URI of some
// client, for the pages' return_to.
func (p *Provider) RedirectAllowed(u string) bool {
	cs, err := p.store.Clients(context.Background())
	if err != nil {
		return false
	}
	for _, c := range cs {
		if slices.Contains(c.RedirectURIs, u) {
			return true
		}
	}
	return false
}

// errorResponse redirects the browser back to the client of ar with an
// OAuth error, as op does for any error after the redirect URI is known.
func (p *Provider) errorResponse(w http.ResponseWriter, r *http.Request, ar *authRequest, e *oidc.Error) {
	op.AuthRequestError(w, r, ar, e, p.op)
}

// AddKeys appends the provider's published RSA keys to set.
func (p *Provider) AddKeys(ctx context.Context, set token.JWKSet) (token.JWKSet, error) {
	return p.keys.AddTo(ctx, set)
}
