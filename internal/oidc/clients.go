package oidc

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"net/url"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"

	"github.com/bizy-auth/bizy/internal/auth"
)

// NewClient is what registering a client takes.
type NewClient struct {
	Name         string   `json:"name"`
	RedirectURIs []string `json:"redirect_uris"`
	Public       bool     `json:"public"`
	FirstParty   bool     `json:"first_party"`
	// IDTokenAlg is "RS256" (the default when empty) or "EdDSA".
	IDTokenAlg string `json:"id_token_signed_response_alg"`
}

// Limits of a client registration.
const (
	maxClientName   = 100
	maxRedirectURIs = 20
	maxRedirectURI  = 2000
)

// Valid returns what is wrong with n, by field.
func (n NewClient) Valid(context.Context) map[string]string {
	errs := map[string]string{}
	if name := strings.TrimSpace(n.Name); name == "" || len(name) > maxClientName {
		errs["name"] = "must be 1 to 100 characters"
	}
	if len(n.RedirectURIs) == 0 || len(n.RedirectURIs) > maxRedirectURIs {
		errs["redirect_uris"] = "must name 1 to 20 redirect URIs"
	}
	if n.IDTokenAlg != "" && n.IDTokenAlg != Algorithm && n.IDTokenAlg != EdDSA {
		errs["id_token_signed_response_alg"] = "must be RS256 or EdDSA"
	}
	for _, u := range n.RedirectURIs {
		if msg := checkRedirectURI(u); msg != "" {
			errs["redirect_uris"] = msg
			break
		}
	}
	return errs
}

// checkRedirectURI returns why u can't be a redirect URI, or "". OAuth 2.1
// asks for an absolute URI without a fragment, compared exactly; Bizy
// also wants https, or http to a loopback address or localhost for
// development and native apps, or a private-use scheme ("com.example.app:").
func checkRedirectURI(raw string) string {
	u, err := url.Parse(raw)
	switch {
	case err != nil || len(raw) > maxRedirectURI || u.Scheme == "" || strings.ContainsAny(raw, " \t\r\n\\"):
		return "must be absolute URIs"
	case u.Fragment != "" || strings.Contains(raw, "#"):
		return "must not have a fragment"
	case u.User != nil:
		return "must not carry user info"
	case u.Scheme == "https":
		if u.Host == "" {
			return "must name a host"
		}
	case u.Scheme == "http":
		h := u.Hostname()
		if h != "localhost" && h != "127.0.0.1" && h != "::1" {
			return "must use https (http only for localhost and loopback addresses)"
		}
	case strings.Contains(u.Scheme, "."): // private-use scheme of a native app
	default:
		return "must use https, http on loopback, or a private-use scheme like com.example.app"
	}
	return ""
}

// hashSecret is the stored form of a client secret.
func hashSecret(secret string) []byte {
	sum := sha256.Sum256([]byte("bizy client secret\x00" + secret))
	return sum[:]
}

// CreateClient registers a client for the admin actorID ("" from the
// command line) and returns it with its secret ("" for a public client),
// which is shown this once and stored only hashed. An invalid
// registration is an *auth.ValidationError.
func (p *Provider) CreateClient(ctx context.Context, actorID string, n NewClient, from auth.Client) (Client, string, error) {
	if errs := n.Valid(ctx); len(errs) > 0 {
		return Client{}, "", &auth.ValidationError{Fields: errs}
	}
	c := Client{ID: uuid.NewString(), Name: strings.TrimSpace(n.Name), RedirectURIs: n.RedirectURIs,
		Public: n.Public, FirstParty: n.FirstParty, IDTokenAlg: n.IDTokenAlg, CreatedAt: p.now().UTC()}
	if c.IDTokenAlg == "" {
		c.IDTokenAlg = Algorithm
	}
	var secret string
	if !n.Public {
		secret = randomToken()
		c.SecretHash = hashSecret(secret)
	}
	if err := p.store.CreateClient(ctx, c); err != nil {
		return Client{}, "", err
	}
	p.event(ctx, auth.EventClientCreated, actorID, "client "+c.ID+" ("+c.Name+")", from)
	return c, secret, nil
}

// Clients lists every client, oldest first.
func (p *Provider) Clients(ctx context.Context) ([]Client, error) {
	cs, err := p.store.Clients(ctx)
	if cs == nil {
		cs = []Client{}
	}
	return cs, err
}

// DeleteClient revokes, for the admin actorID, every session opened for
// client id, then removes the client with its consents. An unknown id is
// auth.ErrNotFound.
func (p *Provider) DeleteClient(ctx context.Context, actorID, id string, c auth.Client) error {
	if _, err := p.store.Client(ctx, id); err != nil {
		return err
	}
	grants, err := p.store.ClientGrants(ctx, id)
	if err != nil {
		return err
	}
	for _, g := range grants {
		if err := p.revoke(ctx, g.UserID, g.SessionID, c); err != nil {
			return err
		}
	}
	if err := p.store.DeleteClient(ctx, id); err != nil {
		return err
	}
	p.event(ctx, auth.EventClientDeleted, actorID, "client "+id, c)
	return nil
}

// authenticate checks a confidential client's secret in constant time. A
// public client, an unknown one and a wrong secret get the same error.
func (p *Provider) authenticate(ctx context.Context, id, secret string) error {
	c, err := p.store.Client(ctx, id)
	if err != nil && !errors.Is(err, auth.ErrNotFound) {
		return oidc.ErrServerError().WithParent(err)
	}
	want := c.SecretHash
	if want == nil {
		want = make([]byte, sha256.Size) // compare anyway, so timing tells nothing
	}
	if subtle.ConstantTimeCompare(hashSecret(secret), want) != 1 || c.Public || err != nil {
		return errors.New("invalid client credentials")
	}
	return nil
}

// opClient shows a Client to op.
type opClient struct {
	Client
	loginURL func(id string) string
	idTTL    time.Duration
}

func (c opClient) GetID() string          { return c.ID }
func (c opClient) RedirectURIs() []string { return c.Client.RedirectURIs }

// PostLogoutRedirectURIs accepts, after /oauth/logout, a registered
// redirect URI or the root of its origin.
func (c opClient) PostLogoutRedirectURIs() []string {
	out := append([]string{}, c.Client.RedirectURIs...)
	for _, r := range c.Client.RedirectURIs {
		if u, err := url.Parse(r); err == nil && u.Host != "" {
			out = append(out, u.Scheme+"://"+u.Host+"/")
		}
	}
	return out
}

func (c opClient) ApplicationType() op.ApplicationType {
	if c.Public {
		return op.ApplicationTypeNative // exact URIs, and loopback on any port (RFC 8252)
	}
	return op.ApplicationTypeWeb
}

func (c opClient) AuthMethod() oidc.AuthMethod {
	if c.Public {
		return oidc.AuthMethodNone
	}
	return oidc.AuthMethodBasic
}

func (c opClient) ResponseTypes() []oidc.ResponseType {
	return []oidc.ResponseType{oidc.ResponseTypeCode}
}
func (c opClient) GrantTypes() []oidc.GrantType {
	return []oidc.GrantType{oidc.GrantTypeCode, oidc.GrantTypeRefreshToken}
}
func (c opClient) LoginURL(id string) string            { return c.loginURL(id) }
func (c opClient) AccessTokenType() op.AccessTokenType  { return op.AccessTokenTypeJWT }
func (c opClient) IDTokenLifetime() time.Duration       { return c.idTTL }
func (c opClient) DevMode() bool                        { return false }
func (c opClient) IDTokenUserinfoClaimsAssertion() bool { return true }
func (c opClient) ClockSkew() time.Duration             { return 0 }
func (c opClient) IsScopeAllowed(scope string) bool     { return false }
func (c opClient) RestrictAdditionalIdTokenScopes() func([]string) []string {
	return func(s []string) []string { return s }
}
func (c opClient) RestrictAdditionalAccessTokenScopes() func([]string) []string {
	return func(s []string) []string { return s }
}
