package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"

	gooidc "github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
)

// TestOpenIDInBrowser is the OpenID dance once in a real Chromium against
// `bizy serve`, everything through the API's origin (PUBLIC_URL, the
// issuer): an app registered with `bizy client create` (third party)
// sends the browser to /oauth/authorize; Bizy's sign-in page, its consent
// page, then back to the app with a code, which the app (go-oidc and
// x/oauth2) exchanges, verifies and uses at userinfo. Signing out
// everywhere on /ui/logout ends the app's session too.
func TestOpenIDInBrowser(t *testing.T) {
	share(t)
	browser := newBrowser(t)
	dir := dataDir(t)
	authAddr, apiAddr := freeAddr(t), freeAddr(t)
	api := "http://" + apiAddr
	startCmd(t, api+"/health", "serve", "--auth-addr", authAddr, "--api-addr", apiAddr,
		"--public-url", api, "--data-dir", dir, "--bcrypt-cost", "10")

	// The app: a page at its redirect URI that keeps what it was sent.
	var mu sync.Mutex
	var got url.Values
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/callback" { // the browser's /favicon.ico
			http.NotFound(w, r)
			return
		}
		mu.Lock()
		got = r.URL.Query()
		mu.Unlock()
		fmt.Fprint(w, "<!doctype html><title>Demo app</title><main>Back in the demo app</main>")
	}))
	t.Cleanup(app.Close)
	redirect := app.URL + "/callback"

	if _, err := runCmd(t, "", "user", "create", "--data-dir", dir, "--bcrypt-cost", "10", "--verified",
		"--username", "olivia", "--email", "olivia@example.com", "--password", browserPassword); err != nil {
		t.Fatal(err)
	}
	out, err := runCmd(t, "", "client", "create", "--data-dir", dir, "--bcrypt-cost", "10", "--name", "Demo app", "--redirect-uri", redirect)
	if err != nil {
		t.Fatal(err)
	}
	var reg struct{ ClientID, ClientSecret string }
	if err := json.Unmarshal([]byte(out), &struct {
		ID     *string `json:"client_id"`
		Secret *string `json:"client_secret"`
	}{&reg.ClientID, &reg.ClientSecret}); err != nil || reg.ClientSecret == "" {
		t.Fatalf("client create printed %q: %v", out, err)
	}

	ctx := t.Context()
	provider, err := gooidc.NewProvider(ctx, api)
	if err != nil {
		t.Fatalf("discovery through the API: %v", err)
	}
	conf := oauth2.Config{ClientID: reg.ClientID, ClientSecret: reg.ClientSecret, Endpoint: provider.Endpoint(),
		RedirectURL: redirect, Scopes: []string{gooidc.ScopeOpenID, "profile", "email"}}
	verifier := oauth2.GenerateVerifier()

	b := tab{t, browser}
	b.wantStatus("authorize", b.open(conf.AuthCodeURL("st4te", oauth2.S256ChallengeOption(verifier), gooidc.Nonce("n0nce"))), 200)
	b.see("sign in for the app", "Sign in")
	b.fill("login", "olivia")
	b.fill("password", browserPassword)
	b.wantStatus("sign in", b.submit("form button[type=submit]"), 200)
	b.see("consent", "Allow Demo app?", "See your email address")
	b.shot("oidc-consent")
	b.wantStatus("allow", b.submit("button[value=allow]"), 200)
	b.see("back in the app", "Back in the demo app")

	mu.Lock()
	q := got
	mu.Unlock()
	if q.Get("state") != "st4te" || q.Get("code") == "" {
		t.Fatalf("the app got %v", q)
	}
	tok, err := conf.Exchange(ctx, q.Get("code"), oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatalf("exchange through the API: %v", err)
	}
	raw, _ := tok.Extra("id_token").(string)
	id, err := provider.Verifier(&gooidc.Config{ClientID: reg.ClientID}).Verify(ctx, raw)
	if err != nil || id.Nonce != "n0nce" {
		t.Fatalf("ID token: %v (nonce %q)", err, id.Nonce)
	}
	info, err := provider.UserInfo(ctx, oauth2.StaticTokenSource(tok))
	if err != nil || info.Email != "olivia@example.com" {
		t.Fatalf("userinfo: %+v, %v", info, err)
	}

	// The account page lists the app; signing out everywhere ends its
	// session as well.
	b.open(api + "/ui/account")
	b.see("account", "Apps you allowed", "Demo app")
	b.shot("oidc-account-apps")
	b.open(api + "/ui/logout")
	b.wantStatus("sign out everywhere", b.submit("form.gap button"), 200)
	if _, err := provider.UserInfo(ctx, oauth2.StaticTokenSource(tok)); err == nil {
		t.Error("the app's access token still works after signing out everywhere")
	}
}
