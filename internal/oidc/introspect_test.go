package oidc_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/bizy-auth/bizy/internal/auth"
)

// introspect posts to /oauth/introspect with the given client credentials.
func (e *env) introspect(id, secret, tok string) (int, map[string]any) {
	e.t.Helper()
	req, _ := http.NewRequest("POST", e.url+"/oauth/introspect", strings.NewReader(url.Values{"token": {tok}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(url.QueryEscape(id), url.QueryEscape(secret))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	var m map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&m)
	return resp.StatusCode, m
}

// TestIntrospectAndLogoutEverywhere: a confidential client introspects
// its token (RFC 7662); a logout everywhere, like any revocation in Bizy,
// makes it inactive.
func TestIntrospectAndLogoutEverywhere(t *testing.T) {
	forEngine(t, func(t *testing.T, e *env) {
		u := e.user("dave")
		app := e.newRP(false, true)
		p := newPKCE()
		tok, err := app.exchange(app.signInToApp(e.browser(), "dave", p, "s", "n").Get("code"), p)
		if err != nil {
			t.Fatal(err)
		}
		status, body := e.introspect(app.conf.ClientID, app.conf.ClientSecret, tok.AccessToken)
		if status != http.StatusOK || body["active"] != true || body["sub"] != u.ID || !strings.Contains(body["scope"].(string), "email") {
			t.Fatalf("introspect = %d %v", status, body)
		}
		if status, _ := e.introspect(app.conf.ClientID, "wrong", tok.AccessToken); status != http.StatusUnauthorized {
			t.Errorf("introspect with a wrong secret = %d, want 401", status)
		}
		other := e.newRP(false, true)
		if _, body := e.introspect(other.conf.ClientID, other.conf.ClientSecret, tok.AccessToken); body["active"] == true {
			t.Errorf("another client sees the token active: %v", body)
		}
		if err := e.svc.Logout(ctx(t), u.ID, "", true, auth.Client{}); err != nil {
			t.Fatal(err)
		}
		if _, body := e.introspect(app.conf.ClientID, app.conf.ClientSecret, tok.AccessToken); body["active"] == true {
			t.Errorf("token active after logout everywhere: %v", body)
		}
		if _, err := app.conf.TokenSource(ctx(t), tokExpired(tok)).Token(); err == nil {
			t.Error("refresh worked after logout everywhere")
		}
	})
}
