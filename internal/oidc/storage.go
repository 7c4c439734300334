package oidc

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/google/uuid"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"

	"github.com/bizy-auth/bizy/internal/auth"
)

// CodeTTL is how long an authorization code lives.
const CodeTTL = 60 * time.Second

// requestTTL is how long a user has between /oauth/authorize and the code
// (sign-in, second factor, consent); requestKeep is how long a request is
// remembered after it, so a code presented late is known as reused.
const (
	requestTTL  = 30 * time.Minute
	requestKeep = 24 * time.Hour
)

// storage is op.Storage over Bizy's stores; every method is safe for
// concurrent use.
type storage struct{ p *Provider }

var _ op.Storage = storage{}

func randomToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // never fails on supported platforms
	return base64.RawURLEncoding.EncodeToString(b)
}

// codeHash and refreshHash keep codes and refresh tokens apart from each
// other and from Bizy's own refresh tokens, which hash the same table:
// a client's refresh token is never a /refresh token, nor the reverse.
func codeHash(code string) []byte {
	sum := sha256.Sum256([]byte("bizy oidc code\x00" + code))
	return sum[:]
}

func refreshHash(tok string) []byte {
	sum := sha256.Sum256([]byte("bizy oidc refresh\x00" + tok))
	return sum[:]
}

func (s storage) Health(ctx context.Context) error { return s.p.auth.Ping(ctx) }

// CreateAuthRequest stores a validated request. PKCE with S256 is
// required of every client (OAuth 2.1); op has already checked the
// client, the redirect URI and the scopes.
func (s storage) CreateAuthRequest(ctx context.Context, r *oidc.AuthRequest, _ string) (op.AuthRequest, error) {
	if r.CodeChallenge == "" || r.CodeChallengeMethod != oidc.CodeChallengeMethodS256 {
		return nil, oidc.ErrInvalidRequest().WithDescription("code_challenge with code_challenge_method=S256 is required")
	}
	now := s.p.now().UTC()
	ar := &authRequest{ID: uuid.NewString(), ClientID: r.ClientID, RedirectURI: r.RedirectURI, State: r.State,
		Nonce: r.Nonce, Scopes: r.Scopes, ResponseType: r.ResponseType, ResponseMode: r.ResponseMode,
		Challenge: r.CodeChallenge, ChallengeMethod: r.CodeChallengeMethod, Prompt: r.Prompt, MaxAge: r.MaxAge,
		CreatedAt: now}
	if err := s.p.store.CreateAuthRequest(ctx, AuthRequest{ID: ar.ID, ClientID: ar.ClientID, Data: ar.encode(), CreatedAt: now}); err != nil {
		return nil, err
	}
	// Forget what no one can use any longer; a failure here costs nothing.
	_ = s.p.store.DeleteAuthRequestsBefore(ctx, now.Add(-requestKeep))
	return ar, nil
}

func (s storage) AuthRequestByID(ctx context.Context, id string) (op.AuthRequest, error) {
	r, err := s.p.store.AuthRequest(ctx, id)
	if err != nil {
		return nil, err
	}
	return decodeRequest(r)
}

// AuthRequestByCode finds the request of an unexpired, unused code. A
// code used already revokes the session its first exchange opened (RFC
// 6749 §4.1.2, OAuth 2.1): whoever holds it now may have stolen it.
func (s storage) AuthRequestByCode(ctx context.Context, code string) (op.AuthRequest, error) {
	r, err := s.p.store.AuthRequestByCode(ctx, codeHash(code))
	if err != nil {
		return nil, err
	}
	ar, err := decodeRequest(r)
	if err != nil {
		return nil, err
	}
	if !r.CodeUsedAt.IsZero() {
		return nil, s.codeReused(ctx, ar)
	}
	if !s.p.now().Before(r.CodeAt.Add(CodeTTL)) {
		return nil, errors.New("code expired")
	}
	return ar, nil
}

// codeReused revokes what request ar's code issued, if anything yet.
func (s storage) codeReused(ctx context.Context, ar *authRequest) error {
	sid, err := s.p.store.FlagCodeReused(ctx, ar.ID)
	if err != nil {
		return err
	}
	s.p.event(ctx, auth.EventAppCodeReuse, ar.UserID, "client "+ar.ClientID+"; session "+sid+" revoked", clientOf(ctx))
	if sid != "" {
		if err := s.p.revoke(ctx, ar.UserID, sid, clientOf(ctx)); err != nil {
			return err
		}
	}
	return errors.New("code already used")
}

func (s storage) SaveAuthCode(ctx context.Context, id, code string) error {
	return s.p.store.SetCode(ctx, id, codeHash(code), s.p.now().UTC())
}

// DeleteAuthRequest keeps the request: its used code must still be
// recognised if it comes back. Requests are forgotten after requestKeep.
func (s storage) DeleteAuthRequest(context.Context, string) error { return nil }

func (s storage) CreateAccessToken(ctx context.Context, req op.TokenRequest) (string, time.Time, error) {
	id, _, exp, err := s.CreateAccessAndRefreshTokens(ctx, req, "")
	return id, exp, err
}

// CreateAccessAndRefreshTokens opens a session for a code exchange, or
// rotates the refresh token of one. The access token's id names the
// session ("sid.random"), so userinfo and introspection check it is live.
func (s storage) CreateAccessAndRefreshTokens(ctx context.Context, req op.TokenRequest, current string) (string, string, time.Time, error) {
	now := s.p.now().UTC()
	exp := now.Add(s.p.cfg.AccessTokenTTL)
	switch r := req.(type) {
	case *authRequest:
		refresh := randomToken()
		sid, err := s.openSession(ctx, r, refreshHash(refresh), now)
		if err != nil {
			return "", "", time.Time{}, err
		}
		return tokenID(sid), refresh, exp, nil
	case *refreshRequest:
		if r.current != "" { // rotated out a moment ago: the current token again
			return tokenID(r.grant.SessionID), r.current, exp, nil
		}
		next := randomToken()
		err := s.p.auth.RotateRefreshSuccessor(ctx, r.grant.SessionID, r.hash, refreshHash(next), auth.SealSuccessor(current, next), now)
		if errors.Is(err, auth.ErrNotFound) {
			// Rotated a moment ago by another request (a retry, a second
			// tab), or revoked: the first gets the token the rotation made.
			if cur, ok, err := s.graceSuccessor(ctx, current, r.grant.SessionID, now); err != nil {
				return "", "", time.Time{}, err
			} else if ok {
				return tokenID(r.grant.SessionID), cur, exp, nil
			}
			_ = s.p.revoke(ctx, r.grant.UserID, r.grant.SessionID, clientOf(ctx))
			return "", "", time.Time{}, oidc.ErrInvalidGrant().WithDescription("refresh token already used")
		}
		if err != nil {
			return "", "", time.Time{}, err
		}
		return tokenID(r.grant.SessionID), next, exp, nil
	}
	return "", "", time.Time{}, oidc.ErrUnsupportedGrantType()
}

// openSession spends request r's code and opens the session of its
// tokens, tied to the client by a grant.
func (s storage) openSession(ctx context.Context, r *authRequest, hash []byte, now time.Time) (string, error) {
	won, err := s.p.store.ClaimCode(ctx, r.ID, now)
	if err != nil {
		return "", err
	}
	if !won {
		return "", oidc.ErrInvalidGrant().WithParent(s.codeReused(ctx, r))
	}
	u, err := s.p.auth.UserByID(ctx, r.UserID)
	if err != nil || u.Disabled {
		return "", oidc.ErrInvalidGrant().WithDescription("the user can no longer sign in")
	}
	c := clientOf(ctx)
	sess := auth.Session{ID: uuid.NewString(), UserID: u.ID, RefreshHash: hash, CreatedAt: now, RefreshedAt: now,
		ExpiresAt: now.Add(s.p.cfg.RefreshTokenTTL), IP: c.IP, UserAgent: c.UserAgent}
	if err := s.p.auth.CreateSession(ctx, sess); err != nil {
		return "", err
	}
	g := Grant{SessionID: sess.ID, ClientID: r.ClientID, UserID: u.ID, Scopes: r.Scopes, AuthTime: r.AuthTime, AMR: r.AMR}
	if err := s.p.store.CreateGrant(ctx, g); err != nil {
		return "", err
	}
	reused, err := s.p.store.SetIssuedSession(ctx, r.ID, sess.ID)
	if err != nil {
		return "", err
	}
	if reused { // the code came back while this exchange ran
		_ = s.p.revoke(ctx, u.ID, sess.ID, c)
		return "", oidc.ErrInvalidGrant().WithDescription("code already used")
	}
	r.issuedSID = sess.ID
	s.p.event(ctx, auth.EventAppSignIn, u.ID, "client "+r.ClientID+"; session "+sess.ID, c)
	return sess.ID, nil
}

// tokenID names an access token: its session, and a random part so each
// token has its own jti.
func tokenID(sid string) string { return sid + "." + randomToken()[:16] }

// sidOf returns the session an access token id names.
func sidOf(tokenID string) string {
	sid, _, _ := strings.Cut(tokenID, ".")
	return sid
}

// TokenRequestByRefreshToken finds the grant of a refresh token. A token
// that was rotated out coming back revokes the session, as /refresh does,
// unless it was rotated within REFRESH_REUSE_INTERVAL: then the request
// carries the session's current token to hand out again.
func (s storage) TokenRequestByRefreshToken(ctx context.Context, tok string) (op.RefreshTokenRequest, error) {
	g, hash, current, err := s.grantByRefresh(ctx, tok)
	if err != nil {
		return nil, err
	}
	return &refreshRequest{grant: g, hash: hash, scopes: g.Scopes, current: current}, nil
}

// grantByRefresh returns the live grant a refresh token names, and, when
// the token was rotated out within the reuse interval, the session's
// current refresh token.
func (s storage) grantByRefresh(ctx context.Context, tok string) (Grant, []byte, string, error) {
	hash := refreshHash(tok)
	sess, live, err := s.p.auth.SessionByRefresh(ctx, hash)
	if errors.Is(err, auth.ErrNotFound) {
		return Grant{}, nil, "", op.ErrInvalidRefreshToken
	}
	if err != nil {
		return Grant{}, nil, "", err
	}
	var current string
	if !live {
		next, ok, err := s.graceSuccessor(ctx, tok, sess.ID, s.p.now().UTC())
		if err != nil {
			return Grant{}, nil, "", err
		}
		if !ok {
			s.p.event(ctx, auth.EventAppRefreshReuse, sess.UserID, "a rotated-out refresh token was presented; session "+sess.ID+" revoked", clientOf(ctx))
			_ = s.p.revoke(ctx, sess.UserID, sess.ID, clientOf(ctx))
			return Grant{}, nil, "", fmt.Errorf("%w: reused", op.ErrInvalidRefreshToken)
		}
		current = next
	}
	if !sess.RevokedAt.IsZero() || !s.p.now().Before(sess.ExpiresAt) {
		return Grant{}, nil, "", op.ErrInvalidRefreshToken
	}
	g, err := s.p.store.Grant(ctx, sess.ID)
	if errors.Is(err, auth.ErrNotFound) {
		return Grant{}, nil, "", op.ErrInvalidRefreshToken
	}
	if err != nil {
		return Grant{}, nil, "", err
	}
	if u, err := s.p.auth.UserByID(ctx, g.UserID); err != nil || u.Disabled {
		return Grant{}, nil, "", op.ErrInvalidRefreshToken // a disabled or deleted user's app stays out
	}
	return g, hash, current, nil
}

// graceSuccessor returns the current refresh token of session sid when
// tok, one of its tokens, was rotated out within REFRESH_REUSE_INTERVAL
// (each step of the way) and the session is live; false otherwise, which
// the caller treats as reuse.
func (s storage) graceSuccessor(ctx context.Context, tok, sid string, now time.Time) (string, bool, error) {
	if s.p.cfg.RefreshReuseInterval <= 0 || tok == "" {
		return "", false, nil
	}
	cur, err := s.p.auth.Session(ctx, sid)
	if errors.Is(err, auth.ErrNotFound) {
		return "", false, nil
	}
	if err != nil {
		return "", false, err
	}
	if !cur.RevokedAt.IsZero() || !now.Before(cur.ExpiresAt) {
		return "", false, nil
	}
	return auth.CurrentSuccessor(ctx, s.p.auth, refreshHash, tok, cur, now, s.p.cfg.RefreshReuseInterval)
}

// TerminateSession ends, for /oauth/logout, the user's sessions with the
// client and the browser's page session when it is the user's.
func (s storage) TerminateSession(ctx context.Context, userID, clientID string) error {
	if userID == "" {
		return nil
	}
	sids, err := s.p.store.GrantSessions(ctx, userID, clientID)
	if err != nil {
		return err
	}
	c := clientOf(ctx)
	if secret := cookieOf(ctx); secret != "" {
		if ps, err := s.p.svc.ResumePageSession(ctx, secret); err == nil && ps.User.ID == userID {
			sids = append(sids, ps.Session.ID)
		}
	}
	for _, sid := range sids {
		if err := s.p.revoke(ctx, userID, sid, c); err != nil {
			return err
		}
	}
	return nil
}

// GetRefreshTokenInfo names the session of a client's refresh token, for
// /oauth/revoke.
func (s storage) GetRefreshTokenInfo(ctx context.Context, clientID, tok string) (string, string, error) {
	g, _, _, err := s.grantByRefresh(ctx, tok)
	if err != nil || g.ClientID != clientID {
		return "", "", op.ErrInvalidRefreshToken
	}
	return g.UserID, tokenID(g.SessionID), nil
}

// RevokeToken revokes the session of an access or refresh token of
// clientID. Tokens it does not know are not an error (RFC 7009 §2.2).
func (s storage) RevokeToken(ctx context.Context, tok, userID, clientID string) *oidc.Error {
	g, err := s.p.store.Grant(ctx, sidOf(tok))
	if err != nil || g.ClientID != clientID || (userID != "" && g.UserID != userID) {
		return nil
	}
	if err := s.p.revoke(ctx, g.UserID, g.SessionID, clientOf(ctx)); err != nil {
		return oidc.ErrServerError().WithParent(err)
	}
	return nil
}

// SigningKey returns the key of the algorithm the calling client asked
// for at registration: op asks for one key per token, so the client comes
// from the request (withRequest).
func (s storage) SigningKey(ctx context.Context) (op.SigningKey, error) {
	alg := Algorithm
	if id := clientIDOf(ctx); id != "" {
		if c, err := s.p.store.Client(ctx, id); err == nil && c.IDTokenAlg == EdDSA {
			alg = EdDSA
		}
	}
	return s.p.keys.signing(ctx, alg)
}

func (s storage) SignatureAlgorithms(context.Context) ([]jose.SignatureAlgorithm, error) {
	return []jose.SignatureAlgorithm{jose.RS256, jose.EdDSA}, nil
}

func (s storage) KeySet(ctx context.Context) ([]op.Key, error) {
	keys, err := s.p.keys.verifying(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]op.Key, len(keys))
	for i, k := range keys {
		out[i] = k
	}
	return out, nil
}
