package auth_test

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/bizy-auth/bizy/internal/auth"
	"github.com/bizy-auth/bizy/internal/clocktest"
	"github.com/bizy-auth/bizy/internal/passkey"
	"github.com/bizy-auth/bizy/internal/passkey/passkeytest"
	"github.com/bizy-auth/bizy/internal/webtest"
)

// TestPasskeyService registers a passkey, signs in with it, refuses a
// counter that goes back and a removed passkey, on every engine.
func TestPasskeyService(t *testing.T) {
	rp, err := passkey.New("bizy.example", "Bizy", []string{"https://bizy.example"})
	if err != nil {
		t.Fatal(err)
	}
	for name, open := range storesUnderTest() {
		t.Run(name, func(t *testing.T) {
			st := open(t)
			clock := clocktest.New(time.Now().UTC()) // go-webauthn checks its ceremonies' age on the wall clock
			svc := newService(t, st, clock, auth.Config{Passkeys: rp})
			u := mustRegister(t, svc, "kim", false)
			a := &passkeytest.Authenticator{Origin: "https://bizy.example", BackupEligible: true}
			ctx := t.Context()

			flow, opts, err := svc.BeginPasskeyRegistration(ctx, u.ID)
			if err != nil {
				t.Fatal(err)
			}
			cred, err := a.Create(opts)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := svc.FinishPasskeyRegistration(ctx, "someone-else", flow, "x", cred, auth.Client{}); !errors.Is(err, auth.ErrInvalidFlow) {
				t.Errorf("another user's flow: %v", err) // and it is spent now
			}
			flow, opts, _ = svc.BeginPasskeyRegistration(ctx, u.ID)
			cred, _ = a.Create(opts)
			p, err := svc.FinishPasskeyRegistration(ctx, u.ID, flow, " Phone ", cred, auth.Client{})
			if err != nil {
				t.Fatal(err)
			}
			if p.Name != "Phone" || !p.BackupEligible {
				t.Errorf("passkey = %+v", p)
			}

			login := func() (auth.Tokens, error) {
				flow, opts, err := svc.BeginPasskeyLogin(ctx)
				if err != nil {
					t.Fatal(err)
				}
				cred, err := a.Get(opts)
				if err != nil {
					t.Fatal(err)
				}
				return svc.FinishPasskeyLogin(ctx, flow, cred, auth.Client{})
			}
			tok, err := login()
			if err != nil {
				t.Fatal(err)
			}
			if c := webtest.Claims(t, tok.AccessToken); !slices.Equal(c.AMR, []string{"webauthn"}) || c.AAL != "aal2" {
				t.Errorf("amr %v aal %q", c.AMR, c.AAL)
			}
			if has, _ := svc.HasMFA(ctx, u.ID); !has {
				t.Error("HasMFA false with a passkey")
			}
			a.Counter = 0 // a copy of the authenticator, behind the original
			if _, err := login(); !errors.Is(err, auth.ErrBadCredentials) {
				t.Errorf("counter gone back: %v", err)
			}
			if len(events(t, st, auth.EventPasskeyCloned)) != 1 {
				t.Error("no passkey_clone_detected event")
			}
			if err := svc.RemovePasskey(ctx, u.ID, p.ID, auth.Client{}); err != nil {
				t.Fatal(err)
			}
			a.Counter = 50
			if _, err := login(); !errors.Is(err, auth.ErrBadCredentials) {
				t.Errorf("removed passkey: %v", err)
			}
		})
	}
}
