package oidc

import (
	"context"
	"errors"
	"slices"
	"strings"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"

	"github.com/bizy-auth/bizy/internal/auth"
)

// Scopes Bizy grants.
var supportedScopes = []string{oidc.ScopeOpenID, oidc.ScopeProfile, oidc.ScopeEmail, oidc.ScopeOfflineAccess}

// GetClientByClientID returns the client; an unknown one is a plain error
// (op answers it as invalid_client, and at /oauth/authorize Bizy has
// already shown an error page).
func (s storage) GetClientByClientID(ctx context.Context, id string) (op.Client, error) {
	c, err := s.p.store.Client(ctx, id)
	if errors.Is(err, auth.ErrNotFound) {
		return nil, errors.New("unknown client")
	}
	if err != nil {
		return nil, oidc.ErrServerError().WithParent(err)
	}
	return opClient{Client: c, loginURL: s.p.loginURL, idTTL: s.p.cfg.AccessTokenTTL}, nil
}

func (s storage) AuthorizeClientIDSecret(ctx context.Context, id, secret string) error {
	return s.p.authenticate(ctx, id, secret)
}

// SetUserinfoFromScopes is left empty, as op asks: SetUserinfoFromRequest
// fills ID tokens.
func (s storage) SetUserinfoFromScopes(context.Context, *oidc.UserInfo, string, string, []string) error {
	return nil
}

// SetUserinfoFromRequest fills an ID token's claims for the scopes granted.
func (s storage) SetUserinfoFromRequest(ctx context.Context, info *oidc.UserInfo, req op.IDTokenRequest, scopes []string) error {
	u, err := s.p.auth.UserByID(ctx, req.GetSubject())
	if err != nil {
		return err
	}
	fillUserinfo(info, u, scopes)
	if sid := sessionOf(req); sid != "" {
		info.AppendClaims("sid", sid)
	}
	return nil
}

// fillUserinfo sets the standard claims of u that scopes allow.
func fillUserinfo(info *oidc.UserInfo, u auth.User, scopes []string) {
	info.Subject = u.ID
	if slices.Contains(scopes, oidc.ScopeProfile) {
		info.PreferredUsername = u.Username
		info.Name = u.Username
		info.UpdatedAt = oidc.FromTime(u.UpdatedAt)
	}
	if slices.Contains(scopes, oidc.ScopeEmail) {
		info.Email = u.Email
		info.EmailVerified = oidc.Bool(u.EmailVerified)
	}
}

// liveGrant returns the grant of an access token's session while that
// session is live and its user may sign in.
func (s storage) liveGrant(ctx context.Context, tokenID, subject string) (Grant, auth.User, error) {
	sid := sidOf(tokenID)
	if err := s.p.svc.CheckSession(ctx, subject, sid); err != nil {
		return Grant{}, auth.User{}, err
	}
	g, err := s.p.store.Grant(ctx, sid)
	if err != nil {
		return Grant{}, auth.User{}, err
	}
	u, err := s.p.auth.UserByID(ctx, subject)
	if err != nil {
		return Grant{}, auth.User{}, err
	}
	if u.Disabled {
		return Grant{}, auth.User{}, auth.ErrUnauthenticated
	}
	return g, u, nil
}

// SetUserinfoFromToken answers /oauth/userinfo for a live access token.
func (s storage) SetUserinfoFromToken(ctx context.Context, info *oidc.UserInfo, tokenID, subject, _ string) error {
	g, u, err := s.liveGrant(ctx, tokenID, subject)
	if err != nil {
		return err
	}
	fillUserinfo(info, u, g.Scopes)
	return nil
}

// SetIntrospectionFromToken answers /oauth/introspect for the client the
// token was issued to; any other client learns only that it is inactive.
func (s storage) SetIntrospectionFromToken(ctx context.Context, resp *oidc.IntrospectionResponse, tokenID, subject, clientID string) error {
	g, u, err := s.liveGrant(ctx, tokenID, subject)
	if err != nil || g.ClientID != clientID {
		return errors.New("token inactive")
	}
	info := new(oidc.UserInfo)
	fillUserinfo(info, u, g.Scopes)
	resp.SetUserInfo(info)
	resp.Active = true
	resp.Scope = g.Scopes
	resp.ClientID = g.ClientID
	resp.Audience = []string{g.ClientID}
	resp.Subject = u.ID
	return nil
}

// GetPrivateClaimsFromRequest gives a client's access token its scope and
// sid, so a resource server can check both.
func (s storage) GetPrivateClaimsFromRequest(_ context.Context, req op.TokenRequest, _ []string) (map[string]any, error) {
	return map[string]any{"scope": strings.Join(req.GetScopes(), " "), "sid": sessionOf(req)}, nil
}

// sessionOf returns the session the tokens of req are issued under.
func sessionOf(req any) string {
	switch r := req.(type) {
	case *authRequest:
		return r.issuedSID
	case *refreshRequest:
		return r.grant.SessionID
	}
	return ""
}

func (s storage) GetPrivateClaimsFromScopes(context.Context, string, string, []string) (map[string]any, error) {
	return nil, nil
}

var errNotSupported = errors.New("not supported")

// GetKeyByIDAndClientID: Bizy's clients authenticate with secrets or PKCE,
// not with keys of their own (private_key_jwt).
func (s storage) GetKeyByIDAndClientID(context.Context, string, string) (*jose.JSONWebKey, error) {
	return nil, errNotSupported
}

func (s storage) ValidateJWTProfileScopes(context.Context, string, []string) ([]string, error) {
	return nil, errNotSupported
}
