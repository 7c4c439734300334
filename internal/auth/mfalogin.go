package auth

import (
	"context"
	"errors"
	"time"

	"github.com/bizy-auth/bizy/token"
)

// The amr values (RFC 8176) of Bizy's tokens.
const (
	AMRPassword = "pwd"
	AMROTP      = "otp"
	AMRRecovery = "recovery"
	AMRWebAuthn = "webauthn"
)

// MFA sign-in limits: how long the step between password and code may
// take, and how many wrong codes end it.
const (
	mfaTokenTTL    = 5 * time.Minute
	mfaMaxFailures = 5
)

// Second-factor methods a sign-in may ask for.
const (
	MethodTOTP         = "totp"
	MethodRecoveryCode = "recovery_code"
)

// MFARequiredError is Login's answer to the right password of an account
// with a second factor: no session yet, only an mfa_token for LoginMFA.
// Servers answer it with 200 {mfa_required, mfa_token, methods}.
type MFARequiredError struct {
	Token   string
	Methods []string
}

func (e *MFARequiredError) Error() string { return "a second factor is required" }

// secondFactorDue returns an *MFARequiredError with a fresh mfa_token when
// u has TOTP on, and nil otherwise. Login calls it once the password and
// the account have been checked, in place of opening a session.
func (s *Service) secondFactorDue(ctx context.Context, st Store, u User, name string) (*MFARequiredError, error) {
	t, err := st.TOTP(ctx, u.ID)
	if errors.Is(err, ErrNotFound) || (err == nil && t.ConfirmedAt.IsZero()) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	tok, hash := newSecret()
	now := s.timestamp()
	err = st.CreateMFAFlow(ctx, MFAFlow{Hash: hash, Kind: FlowLoginMFA, UserID: u.ID, LoginName: name,
		CreatedAt: now, ExpiresAt: now.Add(mfaTokenTTL)})
	if err != nil {
		return nil, err
	}
	return &MFARequiredError{Token: tok, Methods: []string{MethodTOTP, MethodRecoveryCode}}, nil
}

// MFAProof is the second step of a sign-in: the mfa_token Login gave and
// either a TOTP code or a recovery code.
type MFAProof struct {
	Token        string
	Code         string
	RecoveryCode string
}

// LoginMFA finishes a sign-in that Login answered with an
// *MFARequiredError and opens the session, with amr pwd+otp or
// pwd+recovery. A wrong code is ErrWrongCode and counts as a failed login
// of the name the password was given under (see Lockout); the fifth ends
// the mfa_token. An unknown, used or expired token is ErrInvalidMFAToken.
func (s *Service) LoginMFA(ctx context.Context, p MFAProof, c Client) (Tokens, error) {
	hash := HashSecret(p.Token)
	f, err := s.store.MFAFlow(ctx, hash, FlowLoginMFA, s.now())
	if errors.Is(err, ErrNotFound) {
		return Tokens{}, ErrInvalidMFAToken
	}
	if err != nil {
		return Tokens{}, err
	}
	r, err := s.lockout.Reserve(ctx, Attempt{Name: f.LoginName, UserID: f.UserID, Client: c})
	if err != nil {
		return Tokens{}, err
	}
	amr := []string{AMRPassword, AMROTP}
	var ok bool
	if p.RecoveryCode != "" {
		amr[1] = AMRRecovery
		ok, err = s.useRecoveryCode(ctx, f.UserID, p.RecoveryCode)
	} else {
		ok, err = s.useTOTP(ctx, f.UserID, p.Code)
	}
	if err != nil {
		return Tokens{}, err
	}
	ev := Event{UserID: f.UserID, LoginName: f.LoginName, IP: c.IP, UserAgent: c.UserAgent, Detail: amr[1]}
	if !ok {
		if _, err := s.store.FailMFAFlow(ctx, hash, mfaMaxFailures); err != nil && !errors.Is(err, ErrNotFound) {
			return Tokens{}, err
		}
		if err := s.lockout.Fail(ctx, r); err != nil {
			return Tokens{}, err
		}
		ev.Type = EventMFAChallengeFailed
		s.record(ctx, s.store, ev)
		return Tokens{}, ErrWrongCode
	}
	if err := s.lockout.Succeed(ctx, r); err != nil {
		return Tokens{}, err
	}
	if err := s.store.DeleteMFAFlow(ctx, hash); errors.Is(err, ErrNotFound) {
		return Tokens{}, ErrInvalidMFAToken // spent by a concurrent request
	} else if err != nil {
		return Tokens{}, err
	}
	ev.Type = EventMFAChallengePassed
	s.record(ctx, s.store, ev)
	if amr[1] == AMRRecovery {
		ev.Type = EventRecoveryCodeUsed
		s.record(ctx, s.store, ev)
	}
	return s.openCheckedSession(ctx, f.UserID, f.LoginName, amr, c)
}

// openCheckedSession opens a session for userID after a sign-in step
// other than the password, checking again, with the row locked, what
// Login checks: the account still exists, is enabled and (when required)
// verified.
func (s *Service) openCheckedSession(ctx context.Context, userID, name string, amr []string, c Client) (Tokens, error) {
	// The signer is fetched before the transaction, which must never wait
	// for a second pool connection (see openLoginSession).
	signer, err := s.signer.Signer(ctx)
	if err != nil {
		return Tokens{}, err
	}
	var tok Tokens
	err = s.store.Tx(ctx, func(tx Store) error {
		cur, err := tx.UserForUpdate(ctx, userID)
		switch {
		case errors.Is(err, ErrNotFound):
			return ErrBadCredentials
		case err != nil:
			return err
		case cur.Disabled:
			return ErrDisabled
		case s.cfg.RequireEmailVerification && !cur.EmailVerified:
			return ErrEmailUnverified
		}
		if tok, err = s.openSessionAMR(ctx, tx, signer, cur, c, amr); err != nil {
			return err
		}
		return s.recordIn(ctx, tx, Event{Type: EventLoginSuccess, UserID: userID, LoginName: name, IP: c.IP, UserAgent: c.UserAgent})
	})
	if err != nil {
		return Tokens{}, err
	}
	return tok, nil
}

// aalOf returns the assurance level of a sign-in by amr: a second factor
// or a passkey make aal2.
func aalOf(amr []string) string {
	for _, m := range amr {
		if m != AMRPassword {
			return token.AAL2
		}
	}
	return token.AAL1
}

// PasskeyCeremony runs the WebAuthn ceremonies for the Service, so the
// domain keeps out of the protocol's encoding (internal/passkey implements
// it with go-webauthn). States are opaque to the Service, which keeps them
// between begin and finish.
type PasskeyCeremony interface {
	// BeginRegistration returns the creation options (JSON) for u, who
	// already has existing, and the state FinishRegistration needs.
	BeginRegistration(u User, existing []Passkey) (options, state []byte, err error)
	// FinishRegistration checks credential (PublicKeyCredential JSON)
	// against state and returns the new passkey, without ID, Name or
	// times. A bad credential is an error matching ErrInvalidCredential.
	FinishRegistration(u User, existing []Passkey, state, credential []byte) (Passkey, error)
	// BeginLogin returns request options (JSON) for a discoverable
	// credential and the state FinishLogin needs.
	BeginLogin() (options, state []byte, err error)
	// FinishLogin checks an assertion against state. find returns the user
	// and passkeys the credential's user handle and id name. It returns
	// the passkey used, with its new SignCount and BackupState, and
	// whether its counter went back (a cloned authenticator).
	FinishLogin(state, credential []byte, find func(userHandle, credentialID []byte) (User, []Passkey, error)) (p Passkey, cloned bool, err error)
}
