package oidc

import (
	"encoding/json"
	"slices"
	"time"

	"github.com/zitadel/oidc/v3/pkg/oidc"
)

// authRequest is an authorization request as op sees it (op.AuthRequest),
// kept as JSON in AuthRequest.Data from /oauth/authorize until the code
// is exchanged.
type authRequest struct {
	ID              string                   `json:"-"`
	ClientID        string                   `json:"client_id"`
	RedirectURI     string                   `json:"redirect_uri"`
	State           string                   `json:"state,omitempty"`
	Nonce           string                   `json:"nonce,omitempty"`
	Scopes          []string                 `json:"scopes"`
	ResponseType    oidc.ResponseType        `json:"response_type"`
	ResponseMode    oidc.ResponseMode        `json:"response_mode,omitempty"`
	Challenge       string                   `json:"code_challenge"`
	ChallengeMethod oidc.CodeChallengeMethod `json:"code_challenge_method"`
	Prompt          []string                 `json:"prompt,omitempty"`
	MaxAge          *uint                    `json:"max_age,omitempty"`
	CreatedAt       time.Time                `json:"created_at"`

	// Set once the user has signed in and, where needed, consented.
	UserID   string    `json:"user_id,omitempty"`
	AuthTime time.Time `json:"auth_time,omitzero"`
	AMR      []string  `json:"amr,omitempty"`
	IsDone   bool      `json:"done,omitempty"`

	// issuedSID is the session the code exchange opened, for the sid
	// claim of the access token signed right after.
	issuedSID string
}

func decodeRequest(r AuthRequest) (*authRequest, error) {
	var ar authRequest
	if err := json.Unmarshal(r.Data, &ar); err != nil {
		return nil, err
	}
	ar.ID = r.ID
	return &ar, nil
}

func (a *authRequest) encode() []byte {
	b, _ := json.Marshal(a) // plain fields: cannot fail
	return b
}

func (a *authRequest) GetID() string                      { return a.ID }
func (a *authRequest) GetACR() string                     { return "" }
func (a *authRequest) GetAMR() []string                   { return a.AMR }
func (a *authRequest) GetAudience() []string              { return []string{a.ClientID} }
func (a *authRequest) GetAuthTime() time.Time             { return a.AuthTime }
func (a *authRequest) GetClientID() string                { return a.ClientID }
func (a *authRequest) GetNonce() string                   { return a.Nonce }
func (a *authRequest) GetRedirectURI() string             { return a.RedirectURI }
func (a *authRequest) GetScopes() []string                { return a.Scopes }
func (a *authRequest) GetState() string                   { return a.State }
func (a *authRequest) GetSubject() string                 { return a.UserID }
func (a *authRequest) Done() bool                         { return a.IsDone }
func (a *authRequest) GetResponseMode() oidc.ResponseMode { return a.ResponseMode }
func (a *authRequest) GetResponseType() oidc.ResponseType { return a.ResponseType }
func (a *authRequest) GetCodeChallenge() *oidc.CodeChallenge {
	return &oidc.CodeChallenge{Challenge: a.Challenge, Method: a.ChallengeMethod}
}

// hasPrompt reports whether the request asked for prompt p.
func (a *authRequest) hasPrompt(p string) bool { return slices.Contains(a.Prompt, p) }

// refreshRequest is a refresh token's grant as op sees it
// (op.RefreshTokenRequest).
type refreshRequest struct {
	grant  Grant
	hash   []byte // the presented token's hash
	scopes []string
	// current is set when the presented token was rotated out within
	// REFRESH_REUSE_INTERVAL: the session's current refresh token, handed
	// out again instead of rotating.
	current string
}

func (r *refreshRequest) GetAMR() []string       { return r.grant.AMR }
func (r *refreshRequest) GetAudience() []string  { return []string{r.grant.ClientID} }
func (r *refreshRequest) GetAuthTime() time.Time { return r.grant.AuthTime }
func (r *refreshRequest) GetClientID() string    { return r.grant.ClientID }
func (r *refreshRequest) GetScopes() []string    { return r.scopes }
func (r *refreshRequest) GetSubject() string     { return r.grant.UserID }

// SetCurrentScopes narrows the scopes of the tokens issued now, as the
// refresh request's scope parameter asks (op has checked it is a subset).
func (r *refreshRequest) SetCurrentScopes(scopes []string) { r.scopes = scopes }
