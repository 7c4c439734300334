package oidc

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"time"

	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"

	"github.com/bizy-auth/bizy/internal/auth"
)

// Pending is an authorization request waiting for the user, as the
// pages need it.
type Pending struct {
	ID         string
	ClientID   string
	ClientName string
	FirstParty bool
	Scopes     []string
	CreatedAt  time.Time
	// Prompt values asked for: "none", "login", "consent".
	PromptNone, PromptLogin, PromptConsent bool
	// MaxAge, when set, is how long ago the user may have signed in.
	MaxAge *time.Duration
}

// NeedsLogin reports whether a browser signed in at authTime must sign in
// again for this request: prompt=login, or a sign-in older than max_age.
// A sign-in made after the request started always does.
func (pd Pending) NeedsLogin(authTime, now time.Time) bool {
	// Stores keep microseconds: compare at that precision.
	if !authTime.Truncate(time.Microsecond).Before(pd.CreatedAt.Truncate(time.Microsecond)) {
		return false
	}
	if pd.PromptLogin {
		return true
	}
	return pd.MaxAge != nil && now.Sub(authTime) > *pd.MaxAge
}

// pending loads request id while the user may still act on it: not yet
// done, and younger than requestTTL. Anything else is auth.ErrNotFound.
func (p *Provider) pending(ctx context.Context, id string) (*authRequest, Client, error) {
	r, err := p.store.AuthRequest(ctx, id)
	if err != nil {
		return nil, Client{}, err
	}
	ar, err := decodeRequest(r)
	if err != nil {
		return nil, Client{}, err
	}
	if ar.IsDone || r.CodeHash != nil || !p.now().Before(r.CreatedAt.Add(requestTTL)) {
		return nil, Client{}, auth.ErrNotFound
	}
	c, err := p.store.Client(ctx, ar.ClientID)
	return ar, c, err
}

// Pending returns request id for the sign-in and consent pages; an
// unknown, finished or stale request is auth.ErrNotFound.
func (p *Provider) Pending(ctx context.Context, id string) (Pending, error) {
	ar, c, err := p.pending(ctx, id)
	if err != nil {
		return Pending{}, err
	}
	pd := Pending{ID: ar.ID, ClientID: c.ID, ClientName: c.Name, FirstParty: c.FirstParty, Scopes: ar.Scopes,
		CreatedAt: ar.CreatedAt, PromptNone: ar.hasPrompt(oidc.PromptNone), PromptLogin: ar.hasPrompt(oidc.PromptLogin),
		PromptConsent: ar.hasPrompt(oidc.PromptConsent)}
	if ar.MaxAge != nil {
		d := time.Duration(*ar.MaxAge) * time.Second
		pd.MaxAge = &d
	}
	return pd, nil
}

// Finish completes request id for the user signed in at authTime: it
// issues the code and redirects the browser to the client with it.
func (p *Provider) Finish(w http.ResponseWriter, r *http.Request, id, userID string, authTime time.Time, amr []string) error {
	ar, _, err := p.pending(r.Context(), id)
	if err != nil {
		return err
	}
	ar.UserID, ar.AuthTime, ar.AMR, ar.IsDone = userID, authTime.UTC(), amr, true
	if err := p.store.UpdateAuthRequestData(r.Context(), id, ar.encode()); err != nil {
		return err
	}
	op.AuthResponse(ar, p.op, w, r.WithContext(op.ContextWithIssuer(r.Context(), p.cfg.Issuer)))
	return nil
}

// Refusals the pages may send back to the client (OpenID Connect Core
// §3.1.2.6, RFC 6749 §4.1.2.1).
const (
	LoginRequired   = "login_required"
	ConsentRequired = "consent_required"
	AccessDenied    = "access_denied"
)

// Refuse ends request id with the error code given (LoginRequired,
// ConsentRequired, AccessDenied), sent to the client's redirect URI.
func (p *Provider) Refuse(w http.ResponseWriter, r *http.Request, id, code string) error {
	ar, _, err := p.pending(r.Context(), id)
	if err != nil {
		return err
	}
	ar.IsDone = true // the request is over: it can't be finished later
	if err := p.store.UpdateAuthRequestData(r.Context(), id, ar.encode()); err != nil {
		return err
	}
	e := &oidc.Error{ErrorType: "access_denied", Description: "the user declined"}
	switch code {
	case LoginRequired:
		e = &oidc.Error{ErrorType: "login_required", Description: "the user is not signed in"}
	case ConsentRequired:
		e = &oidc.Error{ErrorType: "consent_required", Description: "the user has not approved this app"}
	}
	p.errorResponse(w, r, ar, e)
	return nil
}

// HasConsent reports whether userID has approved clientID for every scope
// in scopes.
func (p *Provider) HasConsent(ctx context.Context, userID, clientID string, scopes []string) (bool, error) {
	c, err := p.store.Consent(ctx, userID, clientID)
	if errors.Is(err, auth.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	for _, s := range scopes {
		if !slices.Contains(c.Scopes, s) {
			return false, nil
		}
	}
	return true, nil
}

// SaveConsent remembers that userID approved clientID for scopes.
func (p *Provider) SaveConsent(ctx context.Context, userID, clientID string, scopes []string) error {
	return p.store.SaveConsent(ctx, Consent{UserID: userID, ClientID: clientID, Scopes: scopes, CreatedAt: p.now().UTC()})
}

// Consents lists the clients userID has approved, newest first.
func (p *Provider) Consents(ctx context.Context, userID string) ([]Consent, error) {
	return p.store.Consents(ctx, userID)
}

// RevokeConsent forgets userID's approval of clientID and ends the
// sessions the client holds for the user, so it must ask again.
func (p *Provider) RevokeConsent(ctx context.Context, userID, clientID string, c auth.Client) error {
	if err := p.store.DeleteConsent(ctx, userID, clientID); err != nil {
		return err
	}
	sids, err := p.store.GrantSessions(ctx, userID, clientID)
	if err != nil {
		return err
	}
	for _, sid := range sids {
		if err := p.revoke(ctx, userID, sid, c); err != nil {
			return err
		}
	}
	return nil
}

// AppSessions maps each of userID's sessions opened for an app to the
// app's name, so the account page can say which app holds it.
func (p *Provider) AppSessions(ctx context.Context, userID string) (map[string]string, error) {
	grants, err := p.store.UserGrants(ctx, userID)
	if err != nil || len(grants) == 0 {
		return nil, err
	}
	clients, err := p.store.Clients(ctx)
	if err != nil {
		return nil, err
	}
	names := make(map[string]string, len(clients))
	for _, c := range clients {
		names[c.ID] = c.Name
	}
	out := make(map[string]string, len(grants))
	for _, g := range grants {
		out[g.SessionID] = names[g.ClientID]
	}
	return out, nil
}
