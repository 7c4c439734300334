package oidc_test

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	gooidc "github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/bizy-auth/bizy/internal/auth"
)

// signInToApp runs the front channel: the app's authorization URL, Bizy's
// sign-in page, then back to the app. It returns the callback query.
func (r *rp) signInToApp(b *browser, login string, p pkce, state, nonce string) url.Values {
	r.e.t.Helper()
	opts := append(p.opts(), gooidc.Nonce(nonce))
	pg := b.get(r.conf.AuthCodeURL(state, opts...))
	if pg.url.Path == "/ui/login" {
		pg = b.signIn(pg, login)
	}
	return callback(r.e.t, pg)
}

// exchange trades a code for tokens with the PKCE verifier given.
func (r *rp) exchange(code string, p pkce) (*oauth2.Token, error) {
	return r.conf.Exchange(ctx(r.e.t), code, oauth2.VerifierOption(p.verifier))
}

// verifyID checks the ID token of tok as go-oidc does, and its nonce.
func (r *rp) verifyID(tok *oauth2.Token, nonce string) *gooidc.IDToken {
	r.e.t.Helper()
	raw, _ := tok.Extra("id_token").(string)
	id, err := r.verifier.Verify(ctx(r.e.t), raw)
	if err != nil {
		r.e.t.Fatalf("ID token: %v", err)
	}
	if id.Nonce != nonce {
		r.e.t.Errorf("nonce = %q, want %q", id.Nonce, nonce)
	}
	return id
}

// userinfo calls the userinfo endpoint with tok's access token.
func (r *rp) userinfo(tok *oauth2.Token) (*gooidc.UserInfo, error) {
	return r.provider.UserInfo(ctx(r.e.t), oauth2.StaticTokenSource(tok))
}

// TestRelyingParty is the whole dance with go-oidc and x/oauth2 as the
// app: discovery, code + PKCE, the ID token, userinfo, refresh, revoke,
// logout.
func TestRelyingParty(t *testing.T) {
	forEngine(t, func(t *testing.T, e *env) {
		u := e.user("alice")
		app := e.newRP(false, true)
		b := e.browser()
		p, state, nonce := newPKCE(), randomString(), randomString()

		q := app.signInToApp(b, "alice", p, state, nonce)
		if q.Get("state") != state {
			t.Fatalf("state = %q, want %q", q.Get("state"), state)
		}
		tok, err := app.exchange(q.Get("code"), p)
		if err != nil {
			t.Fatalf("exchange: %v", err)
		}
		id := app.verifyID(tok, nonce)
		var claims struct {
			Email, PreferredUsername, Sid string
			AuthTime                      int64 `json:"auth_time"`
		}
		_ = id.Claims(&claims)
		if id.Subject != u.ID || claims.Email != "alice@example.com" || claims.AuthTime == 0 {
			t.Errorf("ID token: sub %q, claims %+v", id.Subject, claims)
		}
		if tok.RefreshToken == "" {
			t.Fatal("no refresh token for offline_access")
		}

		// The access token is a JWT for this client: aud = client_id, scope.
		var at struct {
			Aud   any    `json:"aud"`
			Scope string `json:"scope"`
			Sid   string `json:"sid"`
		}
		decodeJWT(t, tok.AccessToken, &at)
		if !strings.Contains(strings.Join(audList(at.Aud), " "), app.client.ID) || !strings.Contains(at.Scope, "email") || at.Sid == "" {
			t.Errorf("access token claims = %+v", at)
		}

		info, err := app.userinfo(tok)
		if err != nil || info.Subject != u.ID || info.Email != "alice@example.com" {
			t.Fatalf("userinfo = %+v, %v", info, err)
		}

		// Refresh: a new pair; the old refresh token coming back is reuse
		// and revokes the session.
		old := tok.RefreshToken
		fresh, err := app.conf.TokenSource(ctx(t), &oauth2.Token{RefreshToken: old, Expiry: time.Now().Add(-time.Hour)}).Token()
		if err != nil || fresh.RefreshToken == "" || fresh.RefreshToken == old {
			t.Fatalf("refresh = %+v, %v", fresh, err)
		}
		if _, err := app.userinfo(fresh); err != nil {
			t.Fatalf("userinfo after refresh: %v", err)
		}
		if _, err := app.conf.TokenSource(ctx(t), &oauth2.Token{RefreshToken: old, Expiry: time.Now().Add(-time.Hour)}).Token(); err == nil {
			t.Fatal("a rotated-out refresh token worked again")
		}
		if _, err := app.userinfo(fresh); err == nil {
			t.Fatal("userinfo worked after refresh token reuse revoked the session")
		}
		e.wantEvent(t, auth.EventAppRefreshReuse)

		// Revoke (RFC 7009) ends the session of a new sign-in.
		p2, n2 := newPKCE(), randomString()
		q = app.signInToApp(b, "alice", p2, randomString(), n2) // signed in: no form this time
		tok2, err := app.exchange(q.Get("code"), p2)
		if err != nil {
			t.Fatalf("exchange 2: %v", err)
		}
		app.revoke(tok2.RefreshToken, "refresh_token")
		if _, err := app.userinfo(tok2); err == nil {
			t.Fatal("userinfo worked after /oauth/revoke")
		}

		// RP-initiated logout ends the app's sessions and the browser's.
		p3, n3 := newPKCE(), randomString()
		q = app.signInToApp(b, "alice", p3, randomString(), n3)
		tok3, err := app.exchange(q.Get("code"), p3)
		if err != nil {
			t.Fatalf("exchange 3: %v", err)
		}
		logout := e.url + "/oauth/logout?" + url.Values{"id_token_hint": {tok3.Extra("id_token").(string)},
			"post_logout_redirect_uri": {redirectURI}, "state": {"bye"}}.Encode()
		pg := b.get(logout)
		if !strings.HasPrefix(pg.loc, redirectURI) {
			t.Fatalf("logout: %d, Location %q: %s", pg.status, pg.loc, pg.body)
		}
		if _, err := app.userinfo(tok3); err == nil {
			t.Error("userinfo worked after logout")
		}
		if pg := b.get(e.url + "/ui/account"); pg.url.Path != "/ui/login" {
			t.Errorf("after logout /ui/account is at %s, want the sign-in page", pg.url)
		}
	})
}

// revoke posts to /oauth/revoke as the client.
func (r *rp) revoke(tok, hint string) {
	r.e.t.Helper()
	req, _ := http.NewRequest("POST", r.e.url+"/oauth/revoke",
		strings.NewReader(url.Values{"token": {tok}, "token_type_hint": {hint}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(url.QueryEscape(r.conf.ClientID), url.QueryEscape(r.conf.ClientSecret))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		r.e.t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		r.e.t.Fatalf("revoke: %s", resp.Status)
	}
}

func decodeJWT(t *testing.T, jwt string, v any) { t.Helper(); decodeJWTPart(t, jwt, 1, v) }

// decodeJWTPart decodes the header (0) or payload (1) of jwt into v.
func decodeJWTPart(t *testing.T, jwt string, part int, v any) {
	t.Helper()
	parts := strings.Split(jwt, ".")
	if len(parts) != 3 {
		t.Fatalf("not a JWT: %q", jwt)
	}
	b, err := base64URLDecode(parts[part])
	if err == nil {
		err = json.Unmarshal(b, v)
	}
	if err != nil {
		t.Fatalf("JWT payload: %v", err)
	}
}

func audList(aud any) []string {
	switch a := aud.(type) {
	case string:
		return []string{a}
	case []any:
		var out []string
		for _, x := range a {
			s, _ := x.(string)
			out = append(out, s)
		}
		return out
	}
	return nil
}

// oauthError returns the OAuth error code of a failed exchange.
func oauthError(err error) string {
	var re *oauth2.RetrieveError
	if errors.As(err, &re) {
		return re.ErrorCode
	}
	return ""
}

// tokExpired is tok with its access token expired, so a TokenSource
// refreshes.
func tokExpired(tok *oauth2.Token) *oauth2.Token {
	return &oauth2.Token{RefreshToken: tok.RefreshToken, Expiry: time.Now().Add(-time.Hour)}
}
