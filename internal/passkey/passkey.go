// Package passkey runs WebAuthn ceremonies for the auth service with
// github.com/go-webauthn/webauthn: it implements auth.PasskeyCeremony, so
// the auth domain stores passkeys and opens sessions without knowing the
// protocol's encodings. Passkeys are discoverable credentials with user
// verification required: one is a whole sign-in (aal2) on its own.
package passkey

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"

	"github.com/bizy-auth/bizy/internal/auth"
)

// Ceremony is a relying party. It is safe for concurrent use.
type Ceremony struct {
	w *webauthn.WebAuthn
}

// New returns the relying party rpID (a domain: the pages' host or a parent
// of it), shown as rpName, accepting ceremonies from origins.
func New(rpID, rpName string, origins []string) (*Ceremony, error) {
	timeout := webauthn.TimeoutConfig{Enforce: true, Timeout: 5 * time.Minute, TimeoutUVD: 5 * time.Minute}
	w, err := webauthn.New(&webauthn.Config{
		RPID: rpID, RPDisplayName: rpName, RPOrigins: origins,
		AttestationPreference: protocol.PreferNoAttestation,
		Timeouts:              webauthn.TimeoutsConfig{Login: timeout, Registration: timeout},
	})
	if err != nil {
		return nil, fmt.Errorf("passkey: %w", err)
	}
	return &Ceremony{w: w}, nil
}

// user is an account as go-webauthn sees it. The user handle is the
// account's id: stable, unique, and no personal data.
type user struct {
	u    auth.User
	keys []auth.Passkey
}

func (u user) WebAuthnID() []byte          { return []byte(u.u.ID) }
func (u user) WebAuthnName() string        { return u.u.Username }
func (u user) WebAuthnDisplayName() string { return u.u.Username }
func (u user) WebAuthnCredentials() []webauthn.Credential {
	out := make([]webauthn.Credential, len(u.keys))
	for i, p := range u.keys {
		out[i] = credential(p)
	}
	return out
}

// credential is a stored passkey as go-webauthn's credential record.
func credential(p auth.Passkey) webauthn.Credential {
	c := webauthn.Credential{
		ID: p.CredentialID, PublicKey: p.PublicKey, AttestationFormat: p.Attestation,
		Flags: webauthn.CredentialFlags{UserPresent: true, UserVerified: true,
			BackupEligible: p.BackupEligible, BackupState: p.BackupState},
		Authenticator: webauthn.Authenticator{AAGUID: p.AAGUID, SignCount: p.SignCount},
	}
	for _, t := range p.Transports {
		c.Transport = append(c.Transport, protocol.AuthenticatorTransport(t))
	}
	return c
}

// invalid wraps a ceremony failure so it reads as auth.ErrInvalidCredential
// while the library's reason stays in the error for the log.
func invalid(err error) error {
	var pe *protocol.Error
	if errors.As(err, &pe) && pe.DevInfo != "" {
		return fmt.Errorf("%w: %s: %s", auth.ErrInvalidCredential, pe.Details, pe.DevInfo)
	}
	return fmt.Errorf("%w: %v", auth.ErrInvalidCredential, err)
}

// BeginRegistration returns creation options for a discoverable
// credential with user verification, excluding u's existing passkeys.
func (c *Ceremony) BeginRegistration(u auth.User, existing []auth.Passkey) ([]byte, []byte, error) {
	var exclude []protocol.CredentialDescriptor
	for _, p := range existing {
		exclude = append(exclude, protocol.CredentialDescriptor{Type: protocol.PublicKeyCredentialType, CredentialID: p.CredentialID})
	}
	creation, session, err := c.w.BeginRegistration(user{u, existing},
		webauthn.WithAuthenticatorSelection(protocol.AuthenticatorSelection{
			ResidentKey: protocol.ResidentKeyRequirementRequired, RequireResidentKey: protocol.ResidentKeyRequired(),
			UserVerification: protocol.VerificationRequired}),
		webauthn.WithExclusions(exclude))
	if err != nil {
		return nil, nil, err
	}
	return marshalBoth(creation.Response, session)
}

// FinishRegistration checks a PublicKeyCredential.toJSON() of a new
// credential against state.
func (c *Ceremony) FinishRegistration(u auth.User, existing []auth.Passkey, state, cred []byte) (auth.Passkey, error) {
	var session webauthn.SessionData
	if err := json.Unmarshal(state, &session); err != nil {
		return auth.Passkey{}, err
	}
	parsed, err := protocol.ParseCredentialCreationResponseBytes(cred)
	if err != nil {
		return auth.Passkey{}, invalid(err)
	}
	made, err := c.w.CreateCredential(user{u, existing}, session, parsed)
	if err != nil {
		return auth.Passkey{}, invalid(err)
	}
	p := auth.Passkey{UserID: u.ID, CredentialID: made.ID, PublicKey: made.PublicKey,
		Attestation: made.AttestationFormat, AAGUID: made.Authenticator.AAGUID,
		SignCount: made.Authenticator.SignCount, BackupEligible: made.Flags.BackupEligible,
		BackupState: made.Flags.BackupState}
	for _, t := range made.Transport {
		p.Transports = append(p.Transports, string(t))
	}
	return p, nil
}

// BeginLogin returns request options for any discoverable credential of
// this relying party, with user verification.
func (c *Ceremony) BeginLogin() ([]byte, []byte, error) {
	assertion, session, err := c.w.BeginDiscoverableLogin(webauthn.WithUserVerification(protocol.VerificationRequired))
	if err != nil {
		return nil, nil, err
	}
	return marshalBoth(assertion.Response, session)
}

// FinishLogin checks an assertion against state; find names the account
// from the credential's user handle and id.
func (c *Ceremony) FinishLogin(state, cred []byte, find func(userHandle, credentialID []byte) (auth.User, []auth.Passkey, error)) (auth.Passkey, bool, error) {
	var session webauthn.SessionData
	if err := json.Unmarshal(state, &session); err != nil {
		return auth.Passkey{}, false, err
	}
	parsed, err := protocol.ParseCredentialRequestResponseBytes(cred)
	if err != nil {
		return auth.Passkey{}, false, invalid(err)
	}
	var found user
	_, used, err := c.w.ValidatePasskeyLogin(func(rawID, userHandle []byte) (webauthn.User, error) {
		u, keys, err := find(userHandle, rawID)
		if err != nil {
			return nil, err
		}
		found = user{u, keys}
		return found, nil
	}, session, parsed)
	if err != nil {
		return auth.Passkey{}, false, invalid(err)
	}
	for _, p := range found.keys {
		if bytes.Equal(p.CredentialID, used.ID) {
			p.SignCount, p.BackupState = used.Authenticator.SignCount, used.Flags.BackupState
			return p, used.Authenticator.CloneWarning, nil
		}
	}
	return auth.Passkey{}, false, invalid(errors.New("credential not among the user's"))
}

func marshalBoth(options any, session *webauthn.SessionData) ([]byte, []byte, error) {
	o, err := json.Marshal(options)
	if err != nil {
		return nil, nil, err
	}
	s, err := json.Marshal(session)
	return o, s, err
}
