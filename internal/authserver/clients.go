package authserver

import (
	"context"
	"net/http"

	"github.com/bizy-auth/bizy/internal/auth"
	"github.com/bizy-auth/bizy/internal/oidc"
	"github.com/bizy-auth/bizy/internal/ratelimit"
	"github.com/bizy-auth/bizy/internal/web"
	"github.com/bizy-auth/bizy/token"
)

// addOpenIDRoutes serves the OpenID provider's endpoints and the admin API
// of its clients; admin wraps a route in the admin checks.
func addOpenIDRoutes(mux web.Router, p *oidc.Provider, lim limits, admin func(http.Handler) http.Handler) {
	// The protocol is op's (p.ServeHTTP). GET /oauth/authorize is the
	// pages' (an unknown client or redirect URI gets their error page),
	// which hand the rest to p.
	mux.Handle("POST /oauth/authorize", p)
	// The token endpoint spends RATE_LIMIT_REFRESH, as /refresh does
	// (SPEC's Protection table).
	mux.Handle("POST /oauth/token", lim.route(ratelimit.Refresh, p))
	mux.Handle("GET /oauth/userinfo", p)
	mux.Handle("POST /oauth/userinfo", p)
	mux.Handle("POST /oauth/introspect", p)
	mux.Handle("POST /oauth/revoke", p)
	mux.Handle("GET /oauth/logout", p)
	mux.Handle("POST /oauth/logout", p)
	mux.Handle("OPTIONS /oauth/{endpoint}", p) // CORS preflight of apps in browsers
	mux.Handle("GET /.well-known/openid-configuration", p)
	mux.Handle("GET /admin/clients", admin(handleAdminClients(p)))
	mux.Handle("POST /admin/clients", admin(handleAdminCreateClient(p)))
	mux.Handle("DELETE /admin/clients/{id}", admin(pathAction(
		func(ctx context.Context, actor, id string, c auth.Client) error {
			return p.DeleteClient(ctx, actor, id, c)
		})))
}

func handleAdminClients(p *oidc.Provider) web.Handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		cs, err := p.Clients(r.Context())
		if err != nil {
			return err
		}
		return web.JSON(w, http.StatusOK, page[oidc.Client]{Items: cs})
	}
}

// createdClient is a new client with its secret, shown this once.
type createdClient struct {
	oidc.Client
	Secret string `json:"client_secret,omitempty"`
}

func handleAdminCreateClient(p *oidc.Provider) web.Handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		in, err := web.Decode[oidc.NewClient](r)
		if err != nil {
			return err
		}
		claims, from, err := caller(r)
		if err != nil {
			return err
		}
		c, secret, err := p.CreateClient(r.Context(), claims.UserID, in, from)
		if err != nil {
			return err
		}
		return web.JSON(w, http.StatusCreated, createdClient{Client: c, Secret: secret})
	}
}

// openIDKeys publishes the provider's RSA keys beside the Ed25519 keys
// of access tokens, in the one JWKS.
type openIDKeys struct {
	KeyPublisher
	p *oidc.Provider
}

func (k openIDKeys) JWKS(ctx context.Context) (token.JWKSet, error) {
	set, err := k.KeyPublisher.JWKS(ctx)
	if err != nil {
		return set, err
	}
	return k.p.AddKeys(ctx, set)
}
