package oidc_test

import (
	"net/url"
	"regexp"
	"slices"
	"testing"
	"time"

	gooidc "github.com/coreos/go-oidc/v3/oidc"
	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
	"golang.org/x/oauth2"

	"github.com/bizy-auth/bizy/internal/auth"
)

// idAMR is the amr claim of the ID token in tok's answer.
func (r *rp) idAMR(tok interface{ Extra(string) any }, nonce string) []string {
	r.e.t.Helper()
	raw, _ := tok.Extra("id_token").(string)
	id, err := r.verifier.Verify(ctx(r.e.t), raw)
	if err != nil {
		r.e.t.Fatalf("ID token: %v", err)
	}
	if nonce != "" && id.Nonce != nonce {
		r.e.t.Errorf("nonce = %q, want %q", id.Nonce, nonce)
	}
	var c struct {
		AMR []string `json:"amr"`
	}
	if err := id.Claims(&c); err != nil {
		r.e.t.Fatal(err)
	}
	return c.AMR
}

// TestIDTokenAMRSaysHowTheUserSignedIn: an app learns from the ID token's
// amr whether its user gave a password alone or a second factor too, and
// a refreshed ID token still says so.
func TestIDTokenAMRSaysHowTheUserSignedIn(t *testing.T) {
	forEngine(t, func(t *testing.T, e *env) {
		e.user("alice")
		bob := e.user("bob")
		start, err := e.svc.StartTOTP(t.Context(), bob.ID)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.ConfirmTOTP(t.Context(), bob.ID, code(t, start.Secret, e), auth.Client{}); err != nil {
			t.Fatal(err)
		}
		app := e.newRP(false, true)

		p, nonce := newPKCE(), randomString()
		tok, err := app.exchange(app.signInToApp(e.browser(), "alice", p, randomString(), nonce).Get("code"), p)
		if err != nil {
			t.Fatal(err)
		}
		if got := app.idAMR(tok, nonce); !slices.Equal(got, []string{"pwd"}) {
			t.Errorf("password sign-in: amr = %v, want [pwd]", got)
		}

		// Bob's password leads to the second step; the code finishes it.
		b := e.browser()
		p, nonce = newPKCE(), randomString()
		pg := b.signIn(b.get(app.conf.AuthCodeURL(randomString(), append(p.opts(), gooidc.Nonce(nonce))...)), "bob")
		e.clock.Advance(31 * time.Second) // the enrolment's code may not be used twice
		form := url.Values{"mfa_token": {field(t, mfaTokenRE, pg)}, "code": {code(t, start.Secret, e)},
			"csrf": {field(t, csrfRE, pg)}, "return_to": {field(t, returnToRE, pg)}}
		tok, err = app.exchange(callback(t, b.post(e.url+"/ui/login/mfa", form)).Get("code"), p)
		if err != nil {
			t.Fatal(err)
		}
		want := []string{"pwd", "otp"}
		if got := app.idAMR(tok, nonce); !slices.Equal(got, want) {
			t.Errorf("sign-in with a code: amr = %v, want %v", got, want)
		}
		fresh, err := app.conf.TokenSource(ctx(t), &oauth2.Token{RefreshToken: tok.RefreshToken, Expiry: e.clock.Now().Add(-time.Hour)}).Token()
		if err != nil {
			t.Fatal(err)
		}
		if got := app.idAMR(fresh, ""); !slices.Equal(got, want) {
			t.Errorf("after a refresh: amr = %v, want %v", got, want)
		}
	})
}

var mfaTokenRE = regexp.MustCompile(`name="mfa_token" value="([^"]+)"`)

// code is the TOTP code of secret now, as an authenticator app shows it.
func code(t *testing.T, secret string, e *env) string {
	t.Helper()
	c, err := totp.GenerateCodeCustom(secret, e.clock.Now(), totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		t.Fatal(err)
	}
	return c
}
