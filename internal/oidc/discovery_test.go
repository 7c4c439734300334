package oidc_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"testing"
	"time"

	"github.com/bizy-auth/bizy/internal/authserver"
	"github.com/bizy-auth/bizy/internal/ratelimit"
)

// TestDiscovery: the document names PUBLIC_URL's endpoints under /oauth/,
// the one JWKS, S256 only, and the scopes and algorithms Bizy offers.
func TestDiscovery(t *testing.T) {
	e := newEnv(t, engines(t)[0])
	resp, err := http.Get(e.url + "/.well-known/openid-configuration")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var d struct {
		Issuer                string   `json:"issuer"`
		AuthorizationEndpoint string   `json:"authorization_endpoint"`
		TokenEndpoint         string   `json:"token_endpoint"`
		UserinfoEndpoint      string   `json:"userinfo_endpoint"`
		JwksURI               string   `json:"jwks_uri"`
		RevocationEndpoint    string   `json:"revocation_endpoint"`
		IntrospectionEndpoint string   `json:"introspection_endpoint"`
		EndSessionEndpoint    string   `json:"end_session_endpoint"`
		CodeChallengeMethods  []string `json:"code_challenge_methods_supported"`
		Scopes                []string `json:"scopes_supported"`
		Algs                  []string `json:"id_token_signing_alg_values_supported"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&d); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"issuer": d.Issuer, "/oauth/authorize": d.AuthorizationEndpoint, "/oauth/token": d.TokenEndpoint,
		"/oauth/userinfo": d.UserinfoEndpoint, "/.well-known/jwks.json": d.JwksURI, "/oauth/revoke": d.RevocationEndpoint,
		"/oauth/introspect": d.IntrospectionEndpoint, "/oauth/logout": d.EndSessionEndpoint,
	}
	for path, got := range want {
		if path == "issuer" {
			path = ""
		}
		if got != e.url+path {
			t.Errorf("%s: got %q", e.url+path, got)
		}
	}
	if !slices.Equal(d.CodeChallengeMethods, []string{"S256"}) || !slices.Contains(d.Scopes, "offline_access") ||
		!slices.Contains(d.Algs, "RS256") || !slices.Contains(d.Algs, "EdDSA") {
		t.Errorf("discovery = %+v", d)
	}
}

// TestCORSWithoutCredentials: apps in browsers may call the token
// endpoint from any origin, but never with the browser's cookies.
func TestCORSWithoutCredentials(t *testing.T) {
	e := newEnv(t, engines(t)[0])
	req, _ := http.NewRequest("OPTIONS", e.url+"/oauth/token", nil)
	req.Header.Set("Origin", "https://spa.example")
	req.Header.Set("Access-Control-Request-Method", "POST")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.Header.Get("Access-Control-Allow-Origin") == "" || resp.Header.Get("Access-Control-Allow-Credentials") != "" {
		t.Errorf("preflight: allow-origin %q, allow-credentials %q", resp.Header.Get("Access-Control-Allow-Origin"),
			resp.Header.Get("Access-Control-Allow-Credentials"))
	}
}

// TestNoCallbackRoute: op's own login callback is not served; only the
// pages finish a request.
func TestNoCallbackRoute(t *testing.T) {
	e := newEnv(t, engines(t)[0])
	resp, err := http.Get(e.url + "/oauth/authorize/callback?id=7f1f2d8e-0000-4000-8000-000000000000")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("/oauth/authorize/callback = %d, want 404", resp.StatusCode)
	}
}

// TestTokenEndpointRateLimited: POST /oauth/token spends the
// RATE_LIMIT_REFRESH budget of the client's IP, as /refresh does.
func TestTokenEndpointRateLimited(t *testing.T) {
	e := newEnv(t, engines(t)[0], func(c *authserver.Config) {
		c.Limiter = ratelimit.NewMemory(ratelimit.Rates{Refresh: ratelimit.Rate{N: 2, Window: time.Hour}}, time.Now)
	})
	var got []int
	for range 3 {
		resp, err := http.PostForm(e.url+"/oauth/token", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {"x"}, "client_id": {"nobody"}})
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		got = append(got, resp.StatusCode)
	}
	if got[0] == http.StatusTooManyRequests || got[2] != http.StatusTooManyRequests {
		t.Errorf("statuses %v: want the third refused with 429", got)
	}
}
