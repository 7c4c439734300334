package auth

import (
	"bytes"
	"context"
	"crypto/subtle"
	"encoding/base32"
	"errors"
	"image/png"
	"strings"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/bizy-auth/bizy/internal/fault"
)

// Errors of the second-factor flows.
var (
	// ErrInvalidCode is a wrong, reused or expired code while enrolling.
	ErrInvalidCode = fault.New(fault.Invalid, "invalid_code", "the code is wrong or was already used")
	// ErrWrongCode is a wrong code at sign-in (POST /login/mfa): a 401.
	ErrWrongCode = fault.New(fault.Unauthenticated, "invalid_code", "the code is wrong or was already used")
	// ErrInvalidMFAToken is an mfa_token that is unknown, used, expired or
	// ended by too many wrong codes: the sign-in starts again.
	ErrInvalidMFAToken = fault.New(fault.Unauthenticated, "invalid_mfa_token",
		"the mfa_token is invalid, used up or expired; log in again")
	// ErrTOTPEnabled answers an enrolment while TOTP is already on.
	ErrTOTPEnabled = fault.New(fault.Conflict, "totp_enabled", "TOTP is already on; remove it first")
	// ErrNoTOTP answers a request that needs TOTP on.
	ErrNoTOTP = fault.New(fault.Conflict, "totp_not_enabled", "TOTP is not on")
)

// Sealer encrypts the secrets the store keeps (*seal.Box is one; a nil
// *seal.Box keeps plaintext). context binds a value to its row.
type Sealer interface {
	Seal(plaintext []byte, context string) []byte
	Open(v []byte, context string) ([]byte, error)
}

// TOTP as authenticator apps use it (RFC 6238 defaults): SHA-1, six
// digits, 30-second steps; a code is accepted one step early or late.
const (
	totpPeriod = 30
	totpDigits = otp.DigitsSix
	totpDrift  = 1
)

// TOTPEnrolment is what a user scans into an authenticator app.
type TOTPEnrolment struct {
	Secret string // base32, as apps take it typed in
	URI    string // otpauth://totp/…
}

// QRPNG renders the URI as a PNG QR code for an app to scan.
func (e TOTPEnrolment) QRPNG() ([]byte, error) {
	key, err := otp.NewKeyFromURL(e.URI)
	if err != nil {
		return nil, err
	}
	img, err := key.Image(256, 256)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// PendingTOTP shows again the enrolment StartTOTP made for userID and
// ConfirmTOTP has not confirmed yet (a page re-shown after a wrong code);
// ErrNotFound when there is none.
func (s *Service) PendingTOTP(ctx context.Context, userID string) (TOTPEnrolment, error) {
	u, err := s.store.UserByID(ctx, userID)
	if err != nil {
		return TOTPEnrolment{}, err
	}
	t, err := s.store.TOTP(ctx, userID)
	if err != nil {
		return TOTPEnrolment{}, err
	}
	if !t.ConfirmedAt.IsZero() {
		return TOTPEnrolment{}, ErrTOTPEnabled
	}
	secret, err := s.unseal(t.Secret, totpContext(userID))
	if err != nil {
		return TOTPEnrolment{}, err
	}
	raw, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(string(secret))
	if err != nil {
		return TOTPEnrolment{}, err
	}
	key, err := totp.Generate(totp.GenerateOpts{Issuer: s.totpIssuer(), AccountName: u.Username,
		Period: totpPeriod, Digits: totpDigits, Algorithm: otp.AlgorithmSHA1, Secret: raw})
	if err != nil {
		return TOTPEnrolment{}, err
	}
	return TOTPEnrolment{Secret: key.Secret(), URI: key.URL()}, nil
}

func totpContext(userID string) string { return "mfa_totp.secret:" + userID }

func (s *Service) seal(plain []byte, context string) []byte {
	if s.cfg.Sealer == nil {
		return plain
	}
	return s.cfg.Sealer.Seal(plain, context)
}

func (s *Service) unseal(v []byte, context string) ([]byte, error) {
	if s.cfg.Sealer == nil {
		return v, nil
	}
	return s.cfg.Sealer.Open(v, context)
}

// StartTOTP makes a new TOTP secret for userID, waiting for ConfirmTOTP;
// it replaces an unconfirmed one. ErrTOTPEnabled when TOTP is already on.
func (s *Service) StartTOTP(ctx context.Context, userID string) (TOTPEnrolment, error) {
	u, err := s.store.UserByID(ctx, userID)
	if err != nil {
		return TOTPEnrolment{}, err
	}
	if t, err := s.store.TOTP(ctx, userID); err == nil && !t.ConfirmedAt.IsZero() {
		return TOTPEnrolment{}, ErrTOTPEnabled
	} else if err != nil && !errors.Is(err, ErrNotFound) {
		return TOTPEnrolment{}, err
	}
	key, err := totp.Generate(totp.GenerateOpts{Issuer: s.totpIssuer(), AccountName: u.Username,
		Period: totpPeriod, Digits: totpDigits, Algorithm: otp.AlgorithmSHA1, SecretSize: 20})
	if err != nil {
		return TOTPEnrolment{}, err
	}
	err = s.store.PutTOTP(ctx, TOTP{UserID: userID, Secret: s.seal([]byte(key.Secret()), totpContext(userID)),
		CreatedAt: s.timestamp()})
	if err != nil {
		return TOTPEnrolment{}, err
	}
	return TOTPEnrolment{Secret: key.Secret(), URI: key.URL()}, nil
}

func (s *Service) totpIssuer() string {
	if s.cfg.TOTPIssuer != "" {
		return s.cfg.TOTPIssuer
	}
	return "Bizy"
}

// ConfirmTOTP turns userID's pending TOTP on when code is right, and
// returns ten new recovery codes, shown this once. ErrInvalidCode for a
// wrong code or no pending enrolment; ErrTOTPEnabled when already on.
func (s *Service) ConfirmTOTP(ctx context.Context, userID, code string, c Client) ([]string, error) {
	t, err := s.store.TOTP(ctx, userID)
	switch {
	case errors.Is(err, ErrNotFound):
		return nil, ErrInvalidCode
	case err != nil:
		return nil, err
	case !t.ConfirmedAt.IsZero():
		return nil, ErrTOTPEnabled
	}
	step, ok, err := s.matchTOTP(t, code)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, ErrInvalidCode
	}
	var codes []string
	err = s.store.Tx(ctx, func(tx Store) error {
		if err := tx.ConfirmTOTP(ctx, userID, step, s.timestamp()); err != nil {
			return err
		}
		codes, err = s.replaceRecoveryCodes(ctx, tx, userID)
		return err
	})
	if err != nil {
		return nil, err
	}
	s.record(ctx, s.store, Event{Type: EventMFAEnrolled, UserID: userID, IP: c.IP, UserAgent: c.UserAgent, Detail: "totp"})
	return codes, nil
}

// matchTOTP returns the step code is right for, within the drift and
// later than t.LastStep, comparing in constant time.
func (s *Service) matchTOTP(t TOTP, code string) (int64, bool, error) {
	code = strings.TrimSpace(code)
	if len(code) != totpDigits.Length() {
		return 0, false, nil
	}
	secret, err := s.unseal(t.Secret, totpContext(t.UserID))
	if err != nil {
		return 0, false, err
	}
	now := s.now().Unix() / totpPeriod
	for step := now - totpDrift; step <= now+totpDrift; step++ {
		want, err := totp.GenerateCodeCustom(string(secret), time.Unix(step*totpPeriod, 0),
			totp.ValidateOpts{Period: totpPeriod, Digits: totpDigits, Algorithm: otp.AlgorithmSHA1})
		if err != nil {
			return 0, false, err
		}
		if subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 && step > t.LastStep {
			return step, true, nil
		}
	}
	return 0, false, nil
}

// useTOTP reports whether code is a right, unused TOTP code of userID's
// confirmed TOTP, and if so spends its step so it never works again.
func (s *Service) useTOTP(ctx context.Context, userID, code string) (bool, error) {
	t, err := s.store.TOTP(ctx, userID)
	if errors.Is(err, ErrNotFound) || (err == nil && t.ConfirmedAt.IsZero()) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	step, ok, err := s.matchTOTP(t, code)
	if err != nil || !ok {
		return false, err
	}
	err = s.store.UseTOTPStep(ctx, userID, step)
	if errors.Is(err, ErrNotFound) {
		return false, nil // another request spent this step first
	}
	return err == nil, err
}

// RemoveTOTP turns userID's TOTP off, with its recovery codes, after
// checking the password (a wrong one counts for the lockout, like a
// password change's). Every other session of the user ends: whoever holds
// one may be who the second factor was keeping out.
func (s *Service) RemoveTOTP(ctx context.Context, userID, sid, password string, c Client) error {
	if err := s.confirmPassword(ctx, userID, password, c); err != nil {
		return err
	}
	now := s.timestamp()
	var revoked []string
	err := s.store.Tx(ctx, func(tx Store) error {
		if err := tx.DeleteTOTP(ctx, userID); errors.Is(err, ErrNotFound) {
			return ErrNoTOTP
		} else if err != nil {
			return err
		}
		var err error
		revoked, err = s.revokeAll(ctx, tx, userID, sid, now)
		return err
	})
	if err != nil {
		return err
	}
	s.announce(ctx, revoked, now)
	s.record(ctx, s.store, Event{Type: EventMFARemoved, UserID: userID, IP: c.IP, UserAgent: c.UserAgent, Detail: "totp"})
	return nil
}

// confirmPassword checks the password of a signed-in user about to weaken
// their account, through the lockout. A wrong one is a *CredentialError
// naming password.
func (s *Service) confirmPassword(ctx context.Context, userID, password string, c Client) error {
	u, err := s.store.UserByID(ctx, userID)
	if err != nil {
		return err
	}
	r, err := s.lockout.Reserve(ctx, Attempt{Name: normalizeLogin(u.Username), UserID: u.ID, Client: c})
	if err != nil {
		return err
	}
	if !passwordMatches(u.PasswordHash, password) {
		if err := s.lockout.Fail(ctx, r); err != nil {
			return err
		}
		return &CredentialError{Field: "password", Message: "is incorrect"}
	}
	return s.lockout.Succeed(ctx, r)
}

// recoveryCodeCount is how many recovery codes a user holds.
const recoveryCodeCount = 10

// recoveryEncoding writes codes in an alphabet without 0/O or 1/I
// confusions (RFC 4648 base32, lower-cased for reading).
var recoveryEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

// NewRecoveryCodes replaces userID's recovery codes with ten new ones,
// shown this once; the old set dies. ErrNoTOTP when TOTP is off.
func (s *Service) NewRecoveryCodes(ctx context.Context, userID string, c Client) ([]string, error) {
	var codes []string
	err := s.store.Tx(ctx, func(tx Store) error {
		t, err := tx.TOTP(ctx, userID)
		if errors.Is(err, ErrNotFound) || (err == nil && t.ConfirmedAt.IsZero()) {
			return ErrNoTOTP
		} else if err != nil {
			return err
		}
		codes, err = s.replaceRecoveryCodes(ctx, tx, userID)
		return err
	})
	if err != nil {
		return nil, err
	}
	s.record(ctx, s.store, Event{Type: EventRecoveryCodesNew, UserID: userID, IP: c.IP, UserAgent: c.UserAgent})
	return codes, nil
}

// replaceRecoveryCodes makes ten codes of 50 random bits each, written
// xxxxx-xxxxx, and stores their hashes. 50 bits make guessing hopeless
// within the lockout, so a fast hash (SHA-256) is enough.
func (s *Service) replaceRecoveryCodes(ctx context.Context, st Store, userID string) ([]string, error) {
	codes := make([]string, recoveryCodeCount)
	hashes := make([][]byte, recoveryCodeCount)
	for i := range codes {
		raw := strings.ToLower(recoveryEncoding.EncodeToString(randomBytes(7)))[:10]
		codes[i] = raw[:5] + "-" + raw[5:]
		hashes[i] = HashSecret(raw)
	}
	return codes, st.ReplaceRecoveryCodes(ctx, userID, hashes, s.timestamp())
}

// useRecoveryCode reports whether code is one of userID's unused recovery
// codes, and if so spends it.
func (s *Service) useRecoveryCode(ctx context.Context, userID, code string) (bool, error) {
	norm := strings.ToLower(strings.NewReplacer("-", "", " ", "").Replace(code))
	if len(norm) != 10 {
		return false, nil
	}
	err := s.store.UseRecoveryCode(ctx, userID, HashSecret(norm), s.timestamp())
	if errors.Is(err, ErrNotFound) {
		return false, nil
	}
	return err == nil, err
}

// MFAStatus is what GET /mfa shows of a user's second factors.
type MFAStatus struct {
	TOTP              bool
	Passkeys          []Passkey
	RecoveryCodesLeft int
}

// MFA returns userID's second factors.
func (s *Service) MFA(ctx context.Context, userID string) (MFAStatus, error) {
	var st MFAStatus
	t, err := s.store.TOTP(ctx, userID)
	if err != nil && !errors.Is(err, ErrNotFound) {
		return st, err
	}
	st.TOTP = err == nil && !t.ConfirmedAt.IsZero()
	if st.Passkeys, err = s.store.Passkeys(ctx, userID); err != nil {
		return st, err
	}
	st.RecoveryCodesLeft, err = s.store.RecoveryCodesLeft(ctx, userID)
	return st, err
}
