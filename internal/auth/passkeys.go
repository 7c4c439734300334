package auth

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"unicode/utf8"

	"github.com/bizy-auth/bizy/internal/fault"
)

var (
	// ErrInvalidCredential is a WebAuthn credential that does not check
	// out, or a passkey sign-in that fails: a 400 while registering, and a
	// sign-in answers ErrBadCredentials instead.
	ErrInvalidCredential = fault.New(fault.Invalid, "invalid_credential", "the passkey's answer did not check out")
	// ErrPasskeysOff answers the passkey routes of a service without a
	// relying party.
	ErrPasskeysOff = fault.New(fault.NotFound, "passkeys_unavailable", "passkeys are not configured")
	// ErrInvalidFlow is a flow_id that is unknown, used or expired.
	ErrInvalidFlow = fault.New(fault.Invalid, "invalid_flow", "the flow_id is invalid, used or expired; begin again")
)

// passkeyNameMax bounds a passkey's name, in characters.
const passkeyNameMax = 64

// BeginPasskeyRegistration starts registering a passkey for userID and
// returns the flow_id that FinishPasskeyRegistration takes and the
// creation options (JSON) for navigator.credentials.create.
func (s *Service) BeginPasskeyRegistration(ctx context.Context, userID string) (string, []byte, error) {
	if s.cfg.Passkeys == nil {
		return "", nil, ErrPasskeysOff
	}
	u, err := s.store.UserByID(ctx, userID)
	if err != nil {
		return "", nil, err
	}
	keys, err := s.store.Passkeys(ctx, userID)
	if err != nil {
		return "", nil, err
	}
	options, state, err := s.cfg.Passkeys.BeginRegistration(u, keys)
	if err != nil {
		return "", nil, err
	}
	flow, err := s.newFlow(ctx, FlowPasskeyRegister, userID, state)
	return flow, options, err
}

// newFlow stores a ceremony's state for five minutes under a fresh
// flow_id, which it returns.
func (s *Service) newFlow(ctx context.Context, kind, userID string, state []byte) (string, error) {
	id, hash := newSecret()
	now := s.timestamp()
	return id, s.store.CreateMFAFlow(ctx, MFAFlow{Hash: hash, Kind: kind, UserID: userID, Data: state,
		CreatedAt: now, ExpiresAt: now.Add(mfaTokenTTL)})
}

// takeFlow spends the flow named id: it works once.
func (s *Service) takeFlow(ctx context.Context, kind, id string) (MFAFlow, error) {
	hash := HashSecret(id)
	f, err := s.store.MFAFlow(ctx, hash, kind, s.now())
	if errors.Is(err, ErrNotFound) {
		return MFAFlow{}, ErrInvalidFlow
	}
	if err != nil {
		return MFAFlow{}, err
	}
	if err := s.store.DeleteMFAFlow(ctx, hash); errors.Is(err, ErrNotFound) {
		return MFAFlow{}, ErrInvalidFlow
	} else if err != nil {
		return MFAFlow{}, err
	}
	return f, nil
}

// FinishPasskeyRegistration checks credential (PublicKeyCredential JSON)
// against the flow and stores the new passkey under name ("Passkey" when
// empty).
func (s *Service) FinishPasskeyRegistration(ctx context.Context, userID, flowID, name string, credential []byte, c Client) (Passkey, error) {
	if s.cfg.Passkeys == nil {
		return Passkey{}, ErrPasskeysOff
	}
	name = strings.TrimSpace(name)
	if name == "" {
		name = "Passkey"
	}
	if utf8.RuneCountInString(name) > passkeyNameMax || !utf8.ValidString(name) || strings.ContainsRune(name, 0) {
		return Passkey{}, &ValidationError{Fields: map[string]string{"name": "must be at most 64 characters of text"}}
	}
	f, err := s.takeFlow(ctx, FlowPasskeyRegister, flowID)
	if err != nil {
		return Passkey{}, err
	}
	if f.UserID != userID {
		return Passkey{}, ErrInvalidFlow
	}
	u, err := s.store.UserByID(ctx, userID)
	if err != nil {
		return Passkey{}, err
	}
	keys, err := s.store.Passkeys(ctx, userID)
	if err != nil {
		return Passkey{}, err
	}
	p, err := s.cfg.Passkeys.FinishRegistration(u, keys, f.Data, credential)
	if err != nil {
		return Passkey{}, err
	}
	p.ID, p.UserID, p.Name, p.CreatedAt = newID(), userID, name, s.timestamp()
	if err := s.store.CreatePasskey(ctx, p); err != nil {
		return Passkey{}, err
	}
	s.record(ctx, s.store, Event{Type: EventMFAEnrolled, UserID: userID, IP: c.IP, UserAgent: c.UserAgent,
		Detail: "passkey " + p.ID})
	return p, nil
}

// RemovePasskey deletes userID's passkey id; ErrNotFound when userID has
// none by that id.
func (s *Service) RemovePasskey(ctx context.Context, userID, id string, c Client) error {
	if err := s.store.DeletePasskey(ctx, userID, id); err != nil {
		return err
	}
	s.record(ctx, s.store, Event{Type: EventMFARemoved, UserID: userID, IP: c.IP, UserAgent: c.UserAgent,
		Detail: "passkey " + id})
	return nil
}

// BeginPasskeyLogin starts a sign-in with any discoverable passkey: no
// username is asked for. It returns the flow_id and the request options.
func (s *Service) BeginPasskeyLogin(ctx context.Context) (string, []byte, error) {
	if s.cfg.Passkeys == nil {
		return "", nil, ErrPasskeysOff
	}
	options, state, err := s.cfg.Passkeys.BeginLogin()
	if err != nil {
		return "", nil, err
	}
	flow, err := s.newFlow(ctx, FlowPasskeyLogin, "", state)
	return flow, options, err
}

// FinishPasskeyLogin checks an assertion and opens a session with amr
// webauthn (aal2). Anything wrong with the credential is
// ErrBadCredentials. A signature counter that went back — a cloned
// authenticator — is refused too, and recorded as EventPasskeyCloned.
func (s *Service) FinishPasskeyLogin(ctx context.Context, flowID string, credential []byte, c Client) (Tokens, error) {
	if s.cfg.Passkeys == nil {
		return Tokens{}, ErrPasskeysOff
	}
	f, err := s.takeFlow(ctx, FlowPasskeyLogin, flowID)
	if err != nil {
		return Tokens{}, err
	}
	var owner User
	p, cloned, err := s.cfg.Passkeys.FinishLogin(f.Data, credential, func(handle, credID []byte) (User, []Passkey, error) {
		key, err := s.store.PasskeyByCredentialID(ctx, credID)
		if err != nil {
			return User{}, nil, err
		}
		if !bytes.Equal([]byte(key.UserID), handle) {
			return User{}, nil, ErrNotFound
		}
		if owner, err = s.store.UserByID(ctx, key.UserID); err != nil {
			return User{}, nil, err
		}
		keys, err := s.store.Passkeys(ctx, key.UserID)
		return owner, keys, err
	})
	if err != nil {
		if errors.Is(err, ErrInvalidCredential) || errors.Is(err, ErrNotFound) {
			s.log.InfoContext(ctx, "passkey sign-in refused", "err", err)
			if owner.ID != "" { // a known passkey whose answer did not check out
				s.record(ctx, s.store, Event{Type: EventMFAChallengeFailed, UserID: owner.ID, LoginName: owner.Username,
					IP: c.IP, UserAgent: c.UserAgent, Detail: "passkey"})
			}
			return Tokens{}, ErrBadCredentials
		}
		return Tokens{}, err
	}
	ev := Event{UserID: owner.ID, LoginName: owner.Username, IP: c.IP, UserAgent: c.UserAgent, Detail: "passkey " + p.ID}
	if cloned {
		ev.Type = EventPasskeyCloned
		s.record(ctx, s.store, ev)
		return Tokens{}, ErrBadCredentials
	}
	if err := s.store.UsePasskey(ctx, p.ID, p.SignCount, p.BackupState, s.timestamp()); err != nil {
		return Tokens{}, err
	}
	ev.Type = EventMFAChallengePassed
	s.record(ctx, s.store, ev)
	return s.openCheckedSession(ctx, owner.ID, owner.Username, []string{AMRWebAuthn}, c)
}
