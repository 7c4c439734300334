package storetest

import (
	"errors"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/bizy-auth/bizy/internal/auth"
)

// mfaCases check MFAStore.
var mfaCases = []struct {
	name string
	test func(t *testing.T, s auth.Store)
}{
	{"MFA/TOTPLifecycle", testTOTPLifecycle},
	{"MFA/TOTPStepOnceConcurrent", testTOTPStepConcurrent},
	{"MFA/SingleUseConcurrent", testMFASingleUseConcurrent},
	{"MFA/RecoveryCodesOnce", testRecoveryCodesOnce},
	{"MFA/Passkeys", testPasskeys},
	{"MFA/DeleteUserMFA", testDeleteUserMFA},
	{"MFA/Flows", testMFAFlows},
	{"MFA/SessionAMR", testSessionAMR},
}

func testTOTPLifecycle(t *testing.T, s auth.Store) {
	ctx := t.Context()
	u := mustCreateUser(t, s)
	wantNotFound(t, func() error { _, err := s.TOTP(ctx, u.ID); return err }())
	if err := s.PutTOTP(ctx, auth.TOTP{UserID: u.ID, Secret: []byte("s1"), CreatedAt: at(0)}); err != nil {
		t.Fatal(err)
	}
	wantNotFound(t, s.UseTOTPStep(ctx, u.ID, 5)) // not confirmed yet
	if err := s.PutTOTP(ctx, auth.TOTP{UserID: u.ID, Secret: []byte("s2"), CreatedAt: at(time.Second)}); err != nil {
		t.Fatal(err) // replaces
	}
	if err := s.ConfirmTOTP(ctx, u.ID, 10, at(time.Minute)); err != nil {
		t.Fatal(err)
	}
	got, err := s.TOTP(ctx, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	if string(got.Secret) != "s2" || got.LastStep != 10 {
		t.Errorf("TOTP = %+v", got)
	}
	wantTime(t, "ConfirmedAt", got.ConfirmedAt, at(time.Minute))
	wantTime(t, "CreatedAt", got.CreatedAt, at(time.Second))
	wantNotFound(t, s.UseTOTPStep(ctx, u.ID, 10)) // replay
	wantNotFound(t, s.UseTOTPStep(ctx, u.ID, 9))
	if err := s.UseTOTPStep(ctx, u.ID, 11); err != nil {
		t.Fatal(err)
	}
	if err := s.ReplaceRecoveryCodes(ctx, u.ID, [][]byte{[]byte("h1")}, at(0)); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteTOTP(ctx, u.ID); err != nil {
		t.Fatal(err)
	}
	wantNotFound(t, s.DeleteTOTP(ctx, u.ID))
	if n, err := s.RecoveryCodesLeft(ctx, u.ID); err != nil || n != 0 {
		t.Errorf("recovery codes left after DeleteTOTP = %d, %v", n, err)
	}
	wantNotFound(t, s.ConfirmTOTP(ctx, u.ID, 1, at(0)))
	wantNotFound(t, s.PutTOTP(ctx, auth.TOTP{UserID: uuid.NewString(), Secret: []byte("x"), CreatedAt: at(0)}))
}

func testTOTPStepConcurrent(t *testing.T, s auth.Store) {
	ctx := t.Context()
	u := mustCreateUser(t, s)
	if err := s.PutTOTP(ctx, auth.TOTP{UserID: u.ID, Secret: []byte("s"), CreatedAt: at(0)}); err != nil {
		t.Fatal(err)
	}
	if err := s.ConfirmTOTP(ctx, u.ID, 1, at(0)); err != nil {
		t.Fatal(err)
	}
	exactlyOne(t, "UseTOTPStep", func() error { return s.UseTOTPStep(ctx, u.ID, 2) })
}

// exactlyOne runs f ten times at once and fails t unless exactly one call
// succeeds and the others return auth.ErrNotFound.
func exactlyOne(t *testing.T, what string, f func() error) {
	t.Helper()
	var won atomic.Int32
	var wg sync.WaitGroup
	for range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := f()
			if err == nil {
				won.Add(1)
			} else if !errors.Is(err, auth.ErrNotFound) {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if won.Load() != 1 {
		t.Errorf("%s: %d of 10 concurrent calls succeeded, want 1", what, won.Load())
	}
}

func testMFASingleUseConcurrent(t *testing.T, s auth.Store) {
	ctx := t.Context()
	u := mustCreateUser(t, s)
	if err := s.ReplaceRecoveryCodes(ctx, u.ID, [][]byte{[]byte("a")}, at(0)); err != nil {
		t.Fatal(err)
	}
	exactlyOne(t, "UseRecoveryCode", func() error { return s.UseRecoveryCode(ctx, u.ID, []byte("a"), at(time.Second)) })
	f := auth.MFAFlow{Hash: []byte("c-" + uuid.NewString()), Kind: auth.FlowLoginMFA, CreatedAt: at(0), ExpiresAt: at(time.Minute)}
	if err := s.CreateMFAFlow(ctx, f); err != nil {
		t.Fatal(err)
	}
	exactlyOne(t, "DeleteMFAFlow", func() error { return s.DeleteMFAFlow(ctx, f.Hash) })
}

func testRecoveryCodesOnce(t *testing.T, s auth.Store) {
	ctx := t.Context()
	u := mustCreateUser(t, s)
	codes := [][]byte{[]byte("a"), []byte("b"), []byte("c")}
	if err := s.ReplaceRecoveryCodes(ctx, u.ID, codes, at(0)); err != nil {
		t.Fatal(err)
	}
	if err := s.UseRecoveryCode(ctx, u.ID, []byte("b"), at(time.Second)); err != nil {
		t.Fatal(err)
	}
	wantNotFound(t, s.UseRecoveryCode(ctx, u.ID, []byte("b"), at(time.Second)))
	wantNotFound(t, s.UseRecoveryCode(ctx, u.ID, []byte("zz"), at(time.Second)))
	other := mustCreateUser(t, s)
	wantNotFound(t, s.UseRecoveryCode(ctx, other.ID, []byte("a"), at(time.Second)))
	if n, err := s.RecoveryCodesLeft(ctx, u.ID); err != nil || n != 2 {
		t.Errorf("left = %d, %v; want 2", n, err)
	}
	if err := s.ReplaceRecoveryCodes(ctx, u.ID, [][]byte{[]byte("d")}, at(0)); err != nil {
		t.Fatal(err)
	}
	wantNotFound(t, s.UseRecoveryCode(ctx, u.ID, []byte("a"), at(time.Second))) // the old set died
	if n, _ := s.RecoveryCodesLeft(ctx, u.ID); n != 1 {
		t.Errorf("left after replace = %d, want 1", n)
	}
}

func newPasskey(userID, name string, created time.Time) auth.Passkey {
	return auth.Passkey{ID: uuid.NewString(), UserID: userID, Name: name,
		CredentialID: []byte("cred-" + uuid.NewString()), PublicKey: []byte{1, 2, 3}, Attestation: "none",
		AAGUID: make([]byte, 16), SignCount: 7, BackupEligible: true, Transports: []string{"internal", "hybrid"},
		CreatedAt: created}
}

func testPasskeys(t *testing.T, s auth.Store) {
	ctx := t.Context()
	u := mustCreateUser(t, s)
	p1, p2 := newPasskey(u.ID, "laptop", at(0)), newPasskey(u.ID, "phone", at(time.Second))
	for _, p := range []auth.Passkey{p2, p1} {
		if err := s.CreatePasskey(ctx, p); err != nil {
			t.Fatal(err)
		}
	}
	dup := newPasskey(u.ID, "dup", at(0))
	dup.CredentialID = p1.CredentialID
	if err := s.CreatePasskey(ctx, dup); !errors.Is(err, auth.ErrConflict) {
		t.Errorf("duplicate credential id: %v, want ErrConflict", err)
	}
	list, err := s.Passkeys(ctx, u.ID)
	if err != nil || len(list) != 2 || list[0].ID != p1.ID || list[1].ID != p2.ID {
		t.Fatalf("Passkeys = %+v, %v", list, err)
	}
	got := list[0]
	if got.Name != "laptop" || got.SignCount != 7 || !got.BackupEligible || got.BackupState ||
		!slices.Equal(got.Transports, p1.Transports) || string(got.CredentialID) != string(p1.CredentialID) ||
		got.Attestation != "none" || len(got.AAGUID) != 16 {
		t.Errorf("passkey = %+v", got)
	}
	wantTime(t, "LastUsedAt", got.LastUsedAt, time.Time{})
	if err := s.UsePasskey(ctx, p1.ID, 9, true, at(time.Hour)); err != nil {
		t.Fatal(err)
	}
	got, err = s.PasskeyByCredentialID(ctx, p1.CredentialID)
	if err != nil || got.SignCount != 9 || !got.BackupState {
		t.Errorf("after use: %+v, %v", got, err)
	}
	wantTime(t, "LastUsedAt", got.LastUsedAt, at(time.Hour))
	wantNotFound(t, func() error { _, err := s.PasskeyByCredentialID(ctx, []byte("nope")); return err }())
	other := mustCreateUser(t, s)
	wantNotFound(t, s.DeletePasskey(ctx, other.ID, p1.ID))
	if err := s.DeletePasskey(ctx, u.ID, p1.ID); err != nil {
		t.Fatal(err)
	}
	wantNotFound(t, s.DeletePasskey(ctx, u.ID, p1.ID))
	wantNotFound(t, s.UsePasskey(ctx, p1.ID, 1, false, at(0)))
}

func testDeleteUserMFA(t *testing.T, s auth.Store) {
	ctx := t.Context()
	u := mustCreateUser(t, s)
	if had, err := s.DeleteUserMFA(ctx, u.ID); err != nil || had {
		t.Errorf("DeleteUserMFA of a user without factors = %v, %v", had, err)
	}
	s.PutTOTP(ctx, auth.TOTP{UserID: u.ID, Secret: []byte("s"), CreatedAt: at(0)})
	s.ReplaceRecoveryCodes(ctx, u.ID, [][]byte{[]byte("a")}, at(0))
	s.CreatePasskey(ctx, newPasskey(u.ID, "k", at(0)))
	if had, err := s.DeleteUserMFA(ctx, u.ID); err != nil || !had {
		t.Errorf("DeleteUserMFA = %v, %v", had, err)
	}
	wantNotFound(t, func() error { _, err := s.TOTP(ctx, u.ID); return err }())
	if l, _ := s.Passkeys(ctx, u.ID); len(l) != 0 {
		t.Errorf("passkeys left: %v", l)
	}
	if n, _ := s.RecoveryCodesLeft(ctx, u.ID); n != 0 {
		t.Errorf("codes left: %d", n)
	}
}

func testMFAFlows(t *testing.T, s auth.Store) {
	ctx := t.Context()
	f := auth.MFAFlow{Hash: []byte("h-" + uuid.NewString()), Kind: auth.FlowLoginMFA, UserID: "u1", LoginName: "alice",
		Data: []byte(`{"x":1}`), CreatedAt: at(0), ExpiresAt: at(5 * time.Minute)}
	if err := s.CreateMFAFlow(ctx, f); err != nil {
		t.Fatal(err)
	}
	got, err := s.MFAFlow(ctx, f.Hash, auth.FlowLoginMFA, at(time.Minute))
	if err != nil || got.UserID != "u1" || got.LoginName != "alice" || string(got.Data) != `{"x":1}` || got.Failures != 0 {
		t.Fatalf("MFAFlow = %+v, %v", got, err)
	}
	wantTime(t, "ExpiresAt", got.ExpiresAt, f.ExpiresAt)
	wantNotFound(t, func() error { _, err := s.MFAFlow(ctx, f.Hash, auth.FlowPasskeyLogin, at(0)); return err }())
	wantNotFound(t, func() error { _, err := s.MFAFlow(ctx, f.Hash, auth.FlowLoginMFA, at(5*time.Minute)); return err }())
	for want := 1; want <= 2; want++ {
		if n, err := s.FailMFAFlow(ctx, f.Hash, 3); err != nil || n != want {
			t.Fatalf("FailMFAFlow = %d, %v; want %d", n, err, want)
		}
	}
	if n, err := s.FailMFAFlow(ctx, f.Hash, 3); err != nil || n != 3 {
		t.Fatalf("third FailMFAFlow = %d, %v", n, err)
	}
	wantNotFound(t, func() error { _, err := s.MFAFlow(ctx, f.Hash, auth.FlowLoginMFA, at(0)); return err }())
	wantNotFound(t, func() error { _, err := s.FailMFAFlow(ctx, f.Hash, 3); return err }())

	g := f
	g.Hash = []byte("g-" + uuid.NewString())
	if err := s.CreateMFAFlow(ctx, g); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteMFAFlow(ctx, g.Hash); err != nil {
		t.Fatal(err)
	}
	wantNotFound(t, s.DeleteMFAFlow(ctx, g.Hash))

	// A new flow sweeps out expired ones.
	old := f
	old.Hash = []byte("o-" + uuid.NewString())
	s.CreateMFAFlow(ctx, old)
	late := f
	late.Hash, late.CreatedAt, late.ExpiresAt = []byte("l-"+uuid.NewString()), at(time.Hour), at(2*time.Hour)
	if err := s.CreateMFAFlow(ctx, late); err != nil {
		t.Fatal(err)
	}
	wantNotFound(t, s.DeleteMFAFlow(ctx, old.Hash))
}

func testSessionAMR(t *testing.T, s auth.Store) {
	ctx := t.Context()
	u := mustCreateUser(t, s)
	sess := auth.Session{ID: uuid.NewString(), UserID: u.ID, RefreshHash: []byte(uuid.NewString()),
		CreatedAt: at(0), RefreshedAt: at(0), ExpiresAt: at(time.Hour)}
	if err := s.CreateSession(ctx, sess); err != nil {
		t.Fatal(err)
	}
	if amr, err := s.SessionAMR(ctx, sess.ID); err != nil || amr != nil {
		t.Errorf("SessionAMR before any = %v, %v", amr, err)
	}
	if err := s.SetSessionAMR(ctx, sess.ID, []string{"pwd", "otp"}); err != nil {
		t.Fatal(err)
	}
	if amr, err := s.SessionAMR(ctx, sess.ID); err != nil || !slices.Equal(amr, []string{"pwd", "otp"}) {
		t.Errorf("SessionAMR = %v, %v", amr, err)
	}
	wantNotFound(t, s.SetSessionAMR(ctx, uuid.NewString(), []string{"pwd"}))
}
