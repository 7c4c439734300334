package client_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/bizy-auth/bizy/client"
	"github.com/bizy-auth/bizy/internal/auth"
)

func TestLoginWithSecondFactor(t *testing.T) {
	b := startBizy(t)
	u := b.mustUser(t, "tess", false)
	ctx := context.Background()
	e, err := b.svc.StartTOTP(ctx, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	code := func(at time.Time) string {
		c, err := totp.GenerateCodeCustom(e.Secret, at, totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	if _, err := b.svc.ConfirmTOTP(ctx, u.ID, code(b.clock.Now()), auth.Client{}); err != nil {
		t.Fatal(err)
	}
	c := b.newClient(t, client.Config{})
	_, err = c.Login(ctx, "tess", goodPassword)
	mfa, ok := client.IsMFARequired(err)
	if !ok || mfa.Token == "" || len(mfa.Methods) != 2 {
		t.Fatalf("Login = %v, want *MFARequiredError", err)
	}
	_, err = c.LoginMFA(ctx, mfa.Token, "000000")
	wantError(t, err, http.StatusUnauthorized, client.CodeInvalidCode)
	b.clock.Advance(30 * time.Second)
	tok, err := c.LoginMFA(ctx, mfa.Token, code(b.clock.Now()))
	if err != nil || tok.AccessToken == "" {
		t.Fatalf("LoginMFA = %+v, %v", tok, err)
	}
	info, err := c.WithTokens(tok).VerifyToken(ctx)
	if err != nil || info.AAL != "aal2" {
		t.Errorf("VerifyToken = %+v, %v", info, err)
	}
	_, err = c.LoginMFA(ctx, mfa.Token, code(b.clock.Now()))
	wantError(t, err, http.StatusUnauthorized, client.CodeInvalidMFAToken)
}
