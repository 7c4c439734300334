package oidc_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	gooidc "github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/bizy-auth/bizy/internal/auth"
	"github.com/bizy-auth/bizy/internal/oidc"
)

// TestBadClientOrRedirectIsAPage: an unknown client or a redirect URI the
// client did not register gets an error page, never a redirect.
func TestBadClientOrRedirectIsAPage(t *testing.T) {
	forEngine(t, func(t *testing.T, e *env) {
		app := e.newRP(false, true)
		p := newPKCE()
		good := app.conf.AuthCodeURL("s", p.opts()...)
		for name, change := range map[string]func(url.Values){
			"wrong redirect":  func(q url.Values) { q.Set("redirect_uri", "https://evil.example/callback") },
			"unknown client":  func(q url.Values) { q.Set("client_id", "7f1f2d8e-0000-4000-8000-000000000000") },
			"no redirect_uri": func(q url.Values) { q.Del("redirect_uri") },
		} {
			u, _ := url.Parse(good)
			q := u.Query()
			change(q)
			u.RawQuery = q.Encode()
			pg := e.browser().get(u.String())
			if pg.status != http.StatusBadRequest || pg.loc != "" || pg.url.Path != "/oauth/authorize" ||
				!strings.Contains(pg.body, "not valid") {
				t.Errorf("%s: %d at %s, Location %q", name, pg.status, pg.url, pg.loc)
			}
		}
	})
}

// TestRefusals: each case is refused as OAuth 2.1 and OpenID Connect Core
// say: errors after the redirect URI is known go back to the app; token
// endpoint errors are invalid_grant or invalid_client.
func TestRefusals(t *testing.T) {
	forEngine(t, func(t *testing.T, e *env) {
		e.user("bob")
		app := e.newRP(false, true)
		b := e.browser()

		t.Run("MissingPKCE", func(t *testing.T) {
			pg := b.get(app.conf.AuthCodeURL("s1"))
			if q := callback(t, pg); q.Get("error") != "invalid_request" || q.Get("state") != "s1" {
				t.Errorf("no PKCE: callback %v", q)
			}
		})
		t.Run("PlainPKCE", func(t *testing.T) {
			pg := b.get(app.conf.AuthCodeURL("s2", oauth2.SetAuthURLParam("code_challenge", "abc"),
				oauth2.SetAuthURLParam("code_challenge_method", "plain")))
			if q := callback(t, pg); q.Get("error") == "" {
				t.Errorf("plain PKCE: callback %v", q)
			}
		})

		p := newPKCE()
		code := app.signInToApp(b, "bob", p, "s", "n").Get("code")
		t.Run("WrongVerifier", func(t *testing.T) {
			if _, err := app.exchange(code, newPKCE()); oauthError(err) != "invalid_grant" {
				t.Errorf("wrong verifier: %v", err)
			}
		})
		t.Run("MissingVerifier", func(t *testing.T) {
			if _, err := app.conf.Exchange(ctx(t), code); oauthError(err) != "invalid_request" {
				t.Errorf("no verifier: %v", err)
			}
		})
		t.Run("WrongSecret", func(t *testing.T) {
			bad := app.conf
			bad.ClientSecret = "not-the-secret"
			if _, err := bad.Exchange(ctx(t), code, oauth2.VerifierOption(p.verifier)); oauthError(err) != "invalid_client" {
				t.Errorf("wrong secret: %v", err)
			}
		})
		t.Run("ReusedCodeRevokes", func(t *testing.T) {
			// Failed attempts above left the code usable; the first real
			// exchange spends it.
			tok, err := app.exchange(code, p)
			if err != nil {
				t.Fatalf("exchange: %v", err)
			}
			if _, err := app.userinfo(tok); err != nil {
				t.Fatalf("userinfo: %v", err)
			}
			if _, err := app.exchange(code, p); oauthError(err) != "invalid_grant" {
				t.Errorf("reused code: %v", err)
			}
			if _, err := app.userinfo(tok); err == nil {
				t.Error("the tokens of a reused code still work")
			}
			e.wantEvent(t, auth.EventAppCodeReuse)
			e.wantEvent(t, auth.EventAppSignIn)
		})
		t.Run("ExpiredCode", func(t *testing.T) {
			p := newPKCE()
			code := app.signInToApp(b, "bob", p, "s", "n").Get("code")
			e.clock.Advance(oidc.CodeTTL + 1)
			if _, err := app.exchange(code, p); oauthError(err) != "invalid_grant" {
				t.Errorf("expired code: %v", err)
			}
		})
		t.Run("PromptNoneWithoutSession", func(t *testing.T) {
			pg := e.browser().get(app.conf.AuthCodeURL("s3", append(newPKCE().opts(),
				oauth2.SetAuthURLParam("prompt", "none"))...))
			if q := callback(t, pg); q.Get("error") != "login_required" || q.Get("state") != "s3" {
				t.Errorf("prompt=none: callback %v", q)
			}
		})
		t.Run("PromptLoginAsksAgain", func(t *testing.T) {
			pg := b.get(app.conf.AuthCodeURL("s4", append(newPKCE().opts(), oauth2.SetAuthURLParam("prompt", "login"))...))
			if pg.url.Path != "/ui/login" || !strings.Contains(pg.body, `name="password"`) {
				t.Fatalf("prompt=login: at %s (%d), want the sign-in form", pg.url, pg.status)
			}
			if q := callback(t, b.signIn(pg, "bob")); q.Get("code") == "" {
				t.Errorf("prompt=login: callback %v", q)
			}
		})
		t.Run("MaxAgeAsksAgain", func(t *testing.T) {
			e.clock.Advance(2 * time.Minute) // bob signed in at least two minutes ago
			pg := b.get(app.conf.AuthCodeURL("s7", append(newPKCE().opts(), oauth2.SetAuthURLParam("max_age", "60"))...))
			if pg.url.Path != "/ui/login" || !strings.Contains(pg.body, `name="password"`) {
				t.Fatalf("max_age=60: at %s (%d), want the sign-in form", pg.url, pg.status)
			}
			if q := callback(t, b.signIn(pg, "bob")); q.Get("code") == "" {
				t.Errorf("max_age: callback %v", q)
			}
			// Just signed in: max_age=60 is met.
			if q := callback(t, b.get(app.conf.AuthCodeURL("s8", append(newPKCE().opts(), oauth2.SetAuthURLParam("max_age", "60"))...))); q.Get("code") == "" {
				t.Errorf("max_age met: callback %v", q)
			}
		})
		t.Run("PublicClientNeedsNoSecret", func(t *testing.T) {
			pub := e.newRP(true, true)
			p := newPKCE()
			tok, err := pub.exchange(pub.signInToApp(b, "bob", p, "s", "n").Get("code"), p)
			if err != nil {
				t.Fatalf("public exchange: %v", err)
			}
			pub.verifyID(tok, "n")
		})
	})
}

// TestConsent: a client that is not first party gets the consent page
// once; the answer is remembered, revocable, and a denial is access_denied.
func TestConsent(t *testing.T) {
	forEngine(t, func(t *testing.T, e *env) {
		e.user("carol")
		app := e.newRP(false, false)
		b := e.browser()
		p := newPKCE()
		pg := b.get(app.conf.AuthCodeURL("s", p.opts()...))
		pg = b.signIn(pg, "carol")
		if pg.url.Path != oidc.ContinuePath || !strings.Contains(pg.body, "Allow Test app?") {
			t.Fatalf("expected the consent page, at %s (%d)", pg.url, pg.status)
		}
		q := callback(t, b.consent(pg, "allow"))
		if _, err := app.exchange(q.Get("code"), p); err != nil {
			t.Fatalf("after allow: %v, exchange: %v", q, err)
		}
		// Remembered: straight back to the app.
		if q := callback(t, b.get(app.conf.AuthCodeURL("s", newPKCE().opts()...))); q.Get("code") == "" {
			t.Fatalf("second sign-in: %v", q)
		}
		// Shown on /ui/account, where it is revoked.
		acct := b.get(e.url + "/ui/account")
		if !strings.Contains(acct.body, "Apps you allowed") {
			t.Fatalf("account page lists no apps")
		}
		if !strings.Contains(acct.body, "App: Test app") {
			t.Errorf("the app's sessions are not named on the account page")
		}
		pg = b.post(e.url+"/ui/account/apps/"+app.client.ID+"/revoke", url.Values{"csrf": {field(t, csrfRE, acct)}})
		if pg.url.Path != "/ui/account" || pg.status != http.StatusOK {
			t.Fatalf("revoke app: at %s (%d)", pg.url, pg.status)
		}
		// Asked again; prompt=none now gets consent_required, a denial
		// access_denied.
		q = callback(t, b.get(app.conf.AuthCodeURL("s5", append(newPKCE().opts(), oauth2.SetAuthURLParam("prompt", "none"))...)))
		if q.Get("error") != "consent_required" {
			t.Errorf("prompt=none after revoking: %v", q)
		}
		pg = b.get(app.conf.AuthCodeURL("s6", newPKCE().opts()...))
		if q := callback(t, b.consent(pg, "deny")); q.Get("error") != "access_denied" || q.Get("state") != "s6" {
			t.Errorf("deny: %v", q)
		}
	})
}

// TestEdDSAClient: a client registered for EdDSA gets ID and access
// tokens signed with the Ed25519 key, which go-oidc verifies from the JWKS.
func TestEdDSAClient(t *testing.T) {
	forEngine(t, func(t *testing.T, e *env) {
		e.user("erin")
		app := e.newRPWith(oidc.NewClient{FirstParty: true, IDTokenAlg: oidc.EdDSA})
		app.verifier = app.provider.Verifier(&gooidc.Config{ClientID: app.client.ID, SupportedSigningAlgs: []string{gooidc.EdDSA}})
		p := newPKCE()
		tok, err := app.exchange(app.signInToApp(e.browser(), "erin", p, "s", "n").Get("code"), p)
		if err != nil {
			t.Fatalf("exchange: %v", err)
		}
		app.verifyID(tok, "n")
		var head struct{ Alg string }
		decodeJWTPart(t, tok.AccessToken, 0, &head)
		if head.Alg != "EdDSA" {
			t.Errorf("access token alg %q", head.Alg)
		}
		if _, err := app.userinfo(tok); err != nil {
			t.Errorf("userinfo with an EdDSA access token: %v", err)
		}
	})
}
