package auth_test

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/bizy-auth/bizy/internal/auth"
	"github.com/bizy-auth/bizy/internal/clocktest"
	"github.com/bizy-auth/bizy/internal/seal"
	"github.com/bizy-auth/bizy/internal/webtest"
)

// codeAt computes the TOTP code of secret at t, as an authenticator app would.
func codeAt(t *testing.T, secret string, at time.Time) string {
	t.Helper()
	c, err := totp.GenerateCodeCustom(secret, at, totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// enrolTOTP turns TOTP on for u and returns its secret and recovery codes.
func enrolTOTP(t *testing.T, svc *auth.Service, clock *clocktest.Clock, u auth.User) (string, []string) {
	t.Helper()
	e, err := svc.StartTOTP(t.Context(), u.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(e.URI, "otpauth://totp/") || !strings.Contains(e.URI, "secret="+e.Secret) {
		t.Errorf("URI = %q", e.URI)
	}
	codes, err := svc.ConfirmTOTP(t.Context(), u.ID, codeAt(t, e.Secret, clock.Now()), auth.Client{})
	if err != nil {
		t.Fatal(err)
	}
	if len(codes) != 10 {
		t.Fatalf("%d recovery codes, want 10", len(codes))
	}
	return e.Secret, codes
}

// passwordStep logs in and expects the second-factor answer.
func passwordStep(t *testing.T, svc *auth.Service, username string) *auth.MFARequiredError {
	t.Helper()
	_, err := svc.Login(t.Context(), username, goodPassword, auth.Client{})
	var mfa *auth.MFARequiredError
	if !errors.As(err, &mfa) {
		t.Fatalf("login with TOTP on: %v, want *MFARequiredError", err)
	}
	if !slices.Equal(mfa.Methods, []string{"totp", "recovery_code"}) || mfa.Token == "" {
		t.Errorf("mfa = %+v", mfa)
	}
	return mfa
}

func TestTOTP(t *testing.T) {
	key := make([]byte, 32)
	box, err := seal.NewBox(key)
	if err != nil {
		t.Fatal(err)
	}
	for name, open := range storesUnderTest() {
		t.Run(name, func(t *testing.T) {
			t.Run("EnrolAndSignIn", func(t *testing.T) {
				st := open(t)
				clock := clocktest.New(time.Date(2031, 1, 1, 12, 0, 10, 0, time.UTC))
				svc := newService(t, st, clock, auth.Config{Sealer: box})
				u := mustRegister(t, svc, "alice", false)
				if tok := mustLogin(t, svc, "alice"); webtest.Claims(t, tok.AccessToken).AAL != "aal1" {
					t.Error("a password login must be aal1")
				}
				secret, _ := enrolTOTP(t, svc, clock, u)
				if raw, _ := st.TOTP(t.Context(), u.ID); strings.Contains(string(raw.Secret), secret) {
					t.Error("the TOTP secret is stored in the clear though a key is set")
				}
				st1, _ := svc.MFA(t.Context(), u.ID)
				if !st1.TOTP || st1.RecoveryCodesLeft != 10 {
					t.Errorf("MFA = %+v", st1)
				}
				mfa := passwordStep(t, svc, "alice")
				// The code of the enrolment's step is spent; wait for the next one.
				clock.Advance(30 * time.Second)
				tok, err := svc.LoginMFA(t.Context(), auth.MFAProof{Token: mfa.Token, Code: codeAt(t, secret, clock.Now())}, auth.Client{})
				if err != nil {
					t.Fatal(err)
				}
				c := webtest.Claims(t, tok.AccessToken)
				if c.AAL != "aal2" || !slices.Equal(c.AMR, []string{"pwd", "otp"}) {
					t.Errorf("claims amr %v aal %q", c.AMR, c.AAL)
				}
				// A refresh keeps the level.
				next, err := svc.Refresh(t.Context(), tok.RefreshToken, auth.Client{})
				if err != nil || webtest.Claims(t, next.AccessToken).AAL != "aal2" {
					t.Errorf("refreshed token: %v aal %q", err, webtest.Claims(t, next.AccessToken).AAL)
				}
				// The mfa_token works once.
				if _, err := svc.LoginMFA(t.Context(), auth.MFAProof{Token: mfa.Token, Code: codeAt(t, secret, clock.Now())}, auth.Client{}); !errors.Is(err, auth.ErrInvalidMFAToken) {
					t.Errorf("second use of an mfa_token: %v", err)
				}
				if len(events(t, st, auth.EventMFAEnrolled)) != 1 || len(events(t, st, auth.EventMFAChallengePassed)) != 1 {
					t.Error("enrol or challenge events missing")
				}
			})
			t.Run("DriftAndReplay", func(t *testing.T) {
				st := open(t)
				clock := clocktest.New(time.Date(2031, 1, 1, 12, 0, 0, 0, time.UTC))
				svc := newService(t, st, clock, auth.Config{})
				u := mustRegister(t, svc, "bob", false)
				secret, _ := enrolTOTP(t, svc, clock, u)
				clock.Advance(10 * time.Minute)
				now := clock.Now()
				try := func(code string) error {
					mfa := passwordStep(t, svc, "bob")
					_, err := svc.LoginMFA(t.Context(), auth.MFAProof{Token: mfa.Token, Code: code}, auth.Client{})
					return err
				}
				if err := try(codeAt(t, secret, now.Add(-60*time.Second))); !errors.Is(err, auth.ErrWrongCode) {
					t.Errorf("two steps late: %v", err)
				}
				if err := try(codeAt(t, secret, now.Add(60*time.Second))); !errors.Is(err, auth.ErrWrongCode) {
					t.Errorf("two steps early: %v", err)
				}
				if err := try(codeAt(t, secret, now.Add(-30*time.Second))); err != nil {
					t.Errorf("one step late: %v", err)
				}
				if err := try(codeAt(t, secret, now.Add(-30*time.Second))); !errors.Is(err, auth.ErrWrongCode) {
					t.Errorf("the same code again: %v", err)
				}
				if err := try(codeAt(t, secret, now.Add(30*time.Second))); err != nil {
					t.Errorf("one step early: %v", err)
				}
				if err := try(codeAt(t, secret, now)); !errors.Is(err, auth.ErrWrongCode) {
					t.Errorf("a code older than the last used: %v", err)
				}
			})
			t.Run("RecoveryCodesOnceEach", func(t *testing.T) {
				st := open(t)
				clock := clocktest.New(time.Date(2031, 1, 1, 12, 0, 0, 0, time.UTC))
				svc := newService(t, st, clock, auth.Config{})
				u := mustRegister(t, svc, "carol", false)
				_, codes := enrolTOTP(t, svc, clock, u)
				mfa := passwordStep(t, svc, "carol")
				tok, err := svc.LoginMFA(t.Context(), auth.MFAProof{Token: mfa.Token, RecoveryCode: strings.ToUpper(codes[3])}, auth.Client{})
				if err != nil {
					t.Fatal(err)
				}
				if c := webtest.Claims(t, tok.AccessToken); !slices.Equal(c.AMR, []string{"pwd", "recovery"}) || c.AAL != "aal2" {
					t.Errorf("amr %v aal %q", c.AMR, c.AAL)
				}
				mfa = passwordStep(t, svc, "carol")
				if _, err := svc.LoginMFA(t.Context(), auth.MFAProof{Token: mfa.Token, RecoveryCode: codes[3]}, auth.Client{}); !errors.Is(err, auth.ErrWrongCode) {
					t.Errorf("a recovery code used twice: %v", err)
				}
				if len(events(t, st, auth.EventRecoveryCodeUsed)) != 1 {
					t.Error("no recovery_code_used event")
				}
				fresh, err := svc.NewRecoveryCodes(t.Context(), u.ID, auth.Client{})
				if err != nil || len(fresh) != 10 {
					t.Fatal(err)
				}
				if _, err := svc.LoginMFA(t.Context(), auth.MFAProof{Token: mfa.Token, RecoveryCode: codes[4]}, auth.Client{}); !errors.Is(err, auth.ErrWrongCode) {
					t.Errorf("a code of the old set: %v", err)
				}
				if _, err := svc.LoginMFA(t.Context(), auth.MFAProof{Token: mfa.Token, RecoveryCode: fresh[0]}, auth.Client{}); err != nil {
					t.Errorf("a code of the new set: %v", err)
				}
			})
			t.Run("FiveWrongCodesEndTokenAndLock", func(t *testing.T) {
				st := open(t)
				clock := clocktest.New(time.Date(2031, 1, 1, 12, 0, 0, 0, time.UTC))
				svc := newService(t, st, clock, auth.Config{})
				u := mustRegister(t, svc, "dave", false)
				secret, _ := enrolTOTP(t, svc, clock, u)
				clock.Advance(time.Minute)
				mfa := passwordStep(t, svc, "dave")
				for i := range 5 {
					_, err := svc.LoginMFA(t.Context(), auth.MFAProof{Token: mfa.Token, Code: "000000"}, auth.Client{})
					if !errors.Is(err, auth.ErrWrongCode) {
						t.Fatalf("wrong code %d: %v", i+1, err)
					}
				}
				_, err := svc.LoginMFA(t.Context(), auth.MFAProof{Token: mfa.Token, Code: codeAt(t, secret, clock.Now())}, auth.Client{})
				if !errors.Is(err, auth.ErrInvalidMFAToken) {
					t.Errorf("the right code after five wrong ones: %v", err)
				}
				if _, err := svc.Login(t.Context(), "dave", goodPassword, auth.Client{}); !errors.Is(err, auth.ErrLocked) {
					t.Errorf("login after five wrong codes: %v, want locked", err)
				}
				if len(events(t, st, auth.EventMFAChallengeFailed)) != 5 {
					t.Error("want five mfa_challenge_failed events")
				}
			})
			t.Run("TokenLivesFiveMinutes", func(t *testing.T) {
				st := open(t)
				clock := clocktest.New(time.Date(2031, 1, 1, 12, 0, 0, 0, time.UTC))
				svc := newService(t, st, clock, auth.Config{})
				u := mustRegister(t, svc, "erin", false)
				secret, _ := enrolTOTP(t, svc, clock, u)
				mfa := passwordStep(t, svc, "erin")
				clock.Advance(5*time.Minute + time.Second)
				_, err := svc.LoginMFA(t.Context(), auth.MFAProof{Token: mfa.Token, Code: codeAt(t, secret, clock.Now())}, auth.Client{})
				if !errors.Is(err, auth.ErrInvalidMFAToken) {
					t.Errorf("after 5 minutes: %v", err)
				}
			})
			t.Run("RemoveNeedsPasswordAndEndsOtherSessions", func(t *testing.T) {
				st := open(t)
				clock := clocktest.New(time.Date(2031, 1, 1, 12, 0, 0, 0, time.UTC))
				svc := newService(t, st, clock, auth.Config{})
				u := mustRegister(t, svc, "frank", false)
				other := mustLogin(t, svc, "frank")
				mine := mustLogin(t, svc, "frank")
				enrolTOTP(t, svc, clock, u)
				var ce *auth.CredentialError
				if err := svc.RemoveTOTP(t.Context(), u.ID, mine.SessionID, "wrong", auth.Client{}); !errors.As(err, &ce) {
					t.Errorf("wrong password: %v", err)
				}
				if err := svc.RemoveTOTP(t.Context(), u.ID, mine.SessionID, goodPassword, auth.Client{}); err != nil {
					t.Fatal(err)
				}
				if err := svc.CheckSession(t.Context(), u.ID, other.SessionID); err == nil {
					t.Error("the other session outlived the removal")
				}
				if err := svc.CheckSession(t.Context(), u.ID, mine.SessionID); err != nil {
					t.Errorf("the caller's session ended: %v", err)
				}
				mustLogin(t, svc, "frank") // no second step any more
				if err := svc.RemoveTOTP(t.Context(), u.ID, mine.SessionID, goodPassword, auth.Client{}); !errors.Is(err, auth.ErrNoTOTP) {
					t.Errorf("removing twice: %v", err)
				}
			})
			t.Run("ConfirmRejectsWrongCode", func(t *testing.T) {
				st := open(t)
				clock := clocktest.New(time.Date(2031, 1, 1, 12, 0, 0, 0, time.UTC))
				svc := newService(t, st, clock, auth.Config{})
				u := mustRegister(t, svc, "gina", false)
				if _, err := svc.ConfirmTOTP(t.Context(), u.ID, "123456", auth.Client{}); !errors.Is(err, auth.ErrInvalidCode) {
					t.Errorf("confirm without enrolment: %v", err)
				}
				e, _ := svc.StartTOTP(t.Context(), u.ID)
				if _, err := svc.ConfirmTOTP(t.Context(), u.ID, codeAt(t, e.Secret, clock.Now().Add(-time.Hour)), auth.Client{}); !errors.Is(err, auth.ErrInvalidCode) {
					t.Errorf("confirm with an old code: %v", err)
				}
				mustLogin(t, svc, "gina") // unconfirmed TOTP asks nothing
			})
		})
	}
}
