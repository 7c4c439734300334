package auth

import (
	"context"
	"time"
)

// TOTP is a user's authenticator-app secret. Secret is as stored: sealed
// with DB_ENCRYPTION_KEY when the service has a Sealer, plaintext
// otherwise. It is on once ConfirmedAt is set; until then it is an
// enrolment waiting for its first code.
type TOTP struct {
	UserID      string
	Secret      []byte
	ConfirmedAt time.Time // zero while unconfirmed
	LastStep    int64     // the last 30-second step a code was accepted for
	CreatedAt   time.Time
}

// Passkey is a WebAuthn credential registered to a user. Its JSON form is
// what GET /mfa lists.
type Passkey struct {
	ID             string    `json:"id"`
	UserID         string    `json:"-"`
	Name           string    `json:"name"`
	CredentialID   []byte    `json:"-"`
	PublicKey      []byte    `json:"-"` // COSE
	Attestation    string    `json:"-"` // attestation format, "none" for most
	AAGUID         []byte    `json:"-"`
	SignCount      uint32    `json:"-"`
	BackupEligible bool      `json:"-"`
	BackupState    bool      `json:"-"`
	Transports     []string  `json:"-"`
	CreatedAt      time.Time `json:"created_at"`
	LastUsedAt     time.Time `json:"last_used_at"`
}

// MFAFlow is one short-lived step of a sign-in or an enrolment, named by
// the SHA-256 of a secret only the client holds: the mfa_token between a
// password and a code, or a WebAuthn ceremony's state between begin and
// finish.
type MFAFlow struct {
	Hash      []byte
	Kind      string // one of the flow kinds below
	UserID    string // "" for a passkey sign-in, which learns the user at the end
	LoginName string // the name the password was given under, for the lockout
	Data      []byte // the ceremony's state (JSON), or nil
	Failures  int    // wrong codes so far
	CreatedAt time.Time
	ExpiresAt time.Time
}

// Kinds of MFAFlow.
const (
	FlowLoginMFA        = "login_mfa"
	FlowPasskeyRegister = "passkey_register"
	FlowPasskeyLogin    = "passkey_login"
)

// MFAStore keeps second factors and the flows that use them.
type MFAStore interface {
	// PutTOTP stores t as userID's TOTP, replacing any other.
	PutTOTP(ctx context.Context, t TOTP) error
	// TOTP returns userID's TOTP, confirmed or not; ErrNotFound when none.
	TOTP(ctx context.Context, userID string) (TOTP, error)
	// ConfirmTOTP marks userID's TOTP confirmed at now with step as its
	// last used step; ErrNotFound when it has none.
	ConfirmTOTP(ctx context.Context, userID string, step int64, now time.Time) error
	// UseTOTPStep records step as the last one used by userID's confirmed
	// TOTP if it is later than the one recorded; otherwise, or when there
	// is no confirmed TOTP, ErrNotFound. Of concurrent calls with one step
	// exactly one succeeds: that is what stops a code working twice.
	UseTOTPStep(ctx context.Context, userID string, step int64) error
	// DeleteTOTP removes userID's TOTP and recovery codes; ErrNotFound when
	// it had no TOTP.
	DeleteTOTP(ctx context.Context, userID string) error

	// ReplaceRecoveryCodes makes hashes userID's only recovery codes.
	ReplaceRecoveryCodes(ctx context.Context, userID string, hashes [][]byte, now time.Time) error
	// UseRecoveryCode marks userID's unused code with hash used at now;
	// ErrNotFound when there is none. Of concurrent calls exactly one
	// succeeds.
	UseRecoveryCode(ctx context.Context, userID string, hash []byte, now time.Time) error
	// RecoveryCodesLeft counts userID's unused recovery codes.
	RecoveryCodesLeft(ctx context.Context, userID string) (int, error)

	// CreatePasskey stores p; an error matching ErrConflict when its
	// credential id is taken.
	CreatePasskey(ctx context.Context, p Passkey) error
	// Passkeys returns userID's passkeys, oldest first.
	Passkeys(ctx context.Context, userID string) ([]Passkey, error)
	// PasskeyByCredentialID returns the passkey with that credential id, or
	// ErrNotFound.
	PasskeyByCredentialID(ctx context.Context, credentialID []byte) (Passkey, error)
	// UsePasskey records a sign-in with passkey id at now: its new sign
	// counter and backup state. ErrNotFound for an unknown id.
	UsePasskey(ctx context.Context, id string, signCount uint32, backupState bool, now time.Time) error
	// DeletePasskey removes userID's passkey id; ErrNotFound when userID has
	// no such passkey.
	DeletePasskey(ctx context.Context, userID, id string) error
	// DeleteUserMFA removes every factor of userID: TOTP, recovery codes
	// and passkeys. It reports whether there was any.
	DeleteUserMFA(ctx context.Context, userID string) (bool, error)

	// CreateMFAFlow stores f, and forgets flows that expired before
	// f.CreatedAt.
	CreateMFAFlow(ctx context.Context, f MFAFlow) error
	// MFAFlow returns the flow of that kind with hash if it expires after
	// now; otherwise ErrNotFound.
	MFAFlow(ctx context.Context, hash []byte, kind string, now time.Time) (MFAFlow, error)
	// FailMFAFlow counts one more wrong code for the flow with hash and
	// returns the new count; a flow that reaches max is deleted.
	// ErrNotFound when there is no such flow.
	FailMFAFlow(ctx context.Context, hash []byte, max int) (int, error)
	// DeleteMFAFlow deletes the flow with hash; ErrNotFound when it was
	// already gone. Of concurrent calls exactly one succeeds, which makes
	// every flow single-use.
	DeleteMFAFlow(ctx context.Context, hash []byte) error

	// SetSessionAMR records how session id was signed in.
	SetSessionAMR(ctx context.Context, id string, amr []string) error
	// SessionAMR returns what SetSessionAMR recorded for session id, or nil.
	SessionAMR(ctx context.Context, id string) ([]string, error)
}
