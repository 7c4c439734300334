package oidc

import (
	"context"
	"time"
)

// Client is an app registered to sign its users in with Bizy. A public
// client (a single-page or native app) has no secret; a confidential one
// authenticates at the token endpoint with the secret it was given once,
// of which only the SHA-256 is kept (the secret is 256 random bits, so a
// slow hash would add nothing).
type Client struct {
	ID           string   `json:"client_id"`
	Name         string   `json:"name"`
	SecretHash   []byte   `json:"-"`
	RedirectURIs []string `json:"redirect_uris"`
	Public       bool     `json:"public"`
	FirstParty   bool     `json:"first_party"`
	// IDTokenAlg signs the client's ID and access tokens: "RS256" (the
	// default) or "EdDSA" (the name is Dynamic Client Registration's).
	IDTokenAlg string    `json:"id_token_signed_response_alg"`
	CreatedAt  time.Time `json:"created_at"`
}

// AuthRequest is an authorization request between /oauth/authorize and the
// code exchange. Data is the request itself, encoded by this package; the
// store keeps it as it is. The code columns make a code single use: a
// code presented again finds CodeUsedAt set.
type AuthRequest struct {
	ID         string
	ClientID   string
	Data       []byte
	CodeHash   []byte    // nil until a code is issued
	CreatedAt  time.Time //
	CodeAt     time.Time // when the code was issued
	CodeUsedAt time.Time // when the code was first exchanged
	IssuedSID  string    // the session the exchange opened
}

// Grant ties a session of the sessions table to the client it was opened
// for, with what the user granted; refresh tokens and access tokens of
// the client name it by the session id.
type Grant struct {
	SessionID string
	ClientID  string
	UserID    string
	Scopes    []string
	AuthTime  time.Time
	AMR       []string
}

// Consent is a user's standing approval of a client that is not first
// party, for the scopes named.
type Consent struct {
	UserID     string    `json:"-"`
	ClientID   string    `json:"client_id"`
	ClientName string    `json:"client_name"` // filled by Consents
	Scopes     []string  `json:"scopes"`
	CreatedAt  time.Time `json:"created_at"`
}

// Store keeps clients, authorization requests, grants and consents.
// Implementations live in internal/sqlite and internal/postgres and pass
// storetest.OIDCStore. Unknown rows are auth.ErrNotFound; every method is
// safe for concurrent use; times come back in UTC.
type Store interface {
	// CreateClient stores c; a taken id is auth.ErrConflict.
	CreateClient(ctx context.Context, c Client) error
	Client(ctx context.Context, id string) (Client, error)
	// Clients lists every client, oldest first.
	Clients(ctx context.Context) ([]Client, error)
	// DeleteClient removes a client with its requests, grants and consents.
	DeleteClient(ctx context.Context, id string) error

	CreateAuthRequest(ctx context.Context, r AuthRequest) error
	AuthRequest(ctx context.Context, id string) (AuthRequest, error)
	// UpdateAuthRequestData replaces the Data of request id.
	UpdateAuthRequestData(ctx context.Context, id string, data []byte) error
	// SetCode gives request id the code hashing to hash, issued at.
	SetCode(ctx context.Context, id string, hash []byte, at time.Time) error
	AuthRequestByCode(ctx context.Context, hash []byte) (AuthRequest, error)
	// ClaimCode marks the code of request id used at now, and reports
	// false when it was used already. Of concurrent calls, one wins.
	ClaimCode(ctx context.Context, id string, now time.Time) (bool, error)
	// FlagCodeReused records that a used code came back and returns the
	// session the first exchange opened ("" when it has not yet).
	FlagCodeReused(ctx context.Context, id string) (string, error)
	// SetIssuedSession records sid as what the exchange of request id
	// opened, and reports whether the code was flagged reused meanwhile.
	SetIssuedSession(ctx context.Context, id, sid string) (bool, error)
	// DeleteAuthRequestsBefore forgets requests created before t.
	DeleteAuthRequestsBefore(ctx context.Context, t time.Time) error

	// CreateGrant stores g; its session must exist.
	CreateGrant(ctx context.Context, g Grant) error
	Grant(ctx context.Context, sid string) (Grant, error)
	// GrantSessions returns the sessions of userID's grants to clientID
	// ("" for every client).
	GrantSessions(ctx context.Context, userID, clientID string) ([]string, error)
	// ClientGrants returns every grant to clientID.
	ClientGrants(ctx context.Context, clientID string) ([]Grant, error)
	// UserGrants returns every grant of userID.
	UserGrants(ctx context.Context, userID string) ([]Grant, error)

	// SaveConsent stores c, replacing the user's consent to that client.
	SaveConsent(ctx context.Context, c Consent) error
	Consent(ctx context.Context, userID, clientID string) (Consent, error)
	// Consents lists userID's consents with the client names, newest first.
	Consents(ctx context.Context, userID string) ([]Consent, error)
	DeleteConsent(ctx context.Context, userID, clientID string) error
}
