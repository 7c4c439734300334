package token

import (
	"encoding/json"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// Claims holds the claims of a Bizy access token. Its JSON form uses the
// registered names iss, sub, aud, exp, iat, nbf and jti plus sid, user_id,
// username, email, is_admin, email_verified, amr (RFC 8176) and aal; times are NumericDate
// seconds and are omitted when zero. Audience is written as a single string
// when it has one element and read from either a string or an array.
type Claims struct {
	Issuer    string
	Subject   string
	Audience  []string
	ExpiresAt time.Time
	IssuedAt  time.Time
	NotBefore time.Time
	ID        string // jti

	SessionID     string // sid
	UserID        string
	Username      string
	Email         string
	IsAdmin       bool
	EmailVerified bool

	// AMR lists how the user signed in (RFC 8176 values): ["pwd"],
	// ["pwd","otp"], ["pwd","recovery"] or ["webauthn"].
	AMR []string
	// AAL is the authenticator assurance level: AAL1 after a password
	// alone, AAL2 after a second factor or a passkey; "" in a token
	// without the claim (see Level).
	AAL string
}

// Level returns c's assurance level: AAL, or AAL1 when the token has no
// aal claim.
func (c Claims) Level() string {
	if c.AAL == "" {
		return AAL1
	}
	return c.AAL
}

// Authenticator assurance levels (NIST SP 800-63B), the values of the aal
// claim.
const (
	AAL1 = "aal1"
	AAL2 = "aal2"
)

// MarshalJSON encodes c in the wire form described on Claims.
func (c Claims) MarshalJSON() ([]byte, error) {
	w := wireOf(c)
	return json.Marshal(w)
}

// UnmarshalJSON decodes the wire form described on Claims into c. It checks
// only the JSON types, not whether the claims are valid.
func (c *Claims) UnmarshalJSON(b []byte) error {
	var w wireClaims
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	*c = w.claims()
	return nil
}

// wireClaims is the JSON shape of a token payload. It implements jwt.Claims
// only so the jwt parser accepts it; the Verifier does its own validation.
type wireClaims struct {
	Issuer        string           `json:"iss,omitempty"`
	Subject       string           `json:"sub,omitempty"`
	Audience      audience         `json:"aud,omitempty"`
	ExpiresAt     *jwt.NumericDate `json:"exp,omitempty"`
	IssuedAt      *jwt.NumericDate `json:"iat,omitempty"`
	NotBefore     *jwt.NumericDate `json:"nbf,omitempty"`
	ID            string           `json:"jti,omitempty"`
	SessionID     string           `json:"sid,omitempty"`
	UserID        string           `json:"user_id,omitempty"`
	Username      string           `json:"username,omitempty"`
	Email         string           `json:"email,omitempty"`
	IsAdmin       bool             `json:"is_admin"`
	EmailVerified bool             `json:"email_verified"`
	AMR           []string         `json:"amr,omitempty"`
	AAL           string           `json:"aal,omitempty"`
}

func wireOf(c Claims) wireClaims {
	return wireClaims{
		Issuer:        c.Issuer,
		Subject:       c.Subject,
		Audience:      audience(c.Audience),
		ExpiresAt:     numericDate(c.ExpiresAt),
		IssuedAt:      numericDate(c.IssuedAt),
		NotBefore:     numericDate(c.NotBefore),
		ID:            c.ID,
		SessionID:     c.SessionID,
		UserID:        c.UserID,
		Username:      c.Username,
		Email:         c.Email,
		IsAdmin:       c.IsAdmin,
		EmailVerified: c.EmailVerified,
		AMR:           c.AMR,
		AAL:           c.AAL,
	}
}

func (w *wireClaims) claims() Claims {
	c := Claims{
		Issuer:        w.Issuer,
		Subject:       w.Subject,
		Audience:      []string(w.Audience),
		ExpiresAt:     timeOf(w.ExpiresAt),
		IssuedAt:      timeOf(w.IssuedAt),
		NotBefore:     timeOf(w.NotBefore),
		ID:            w.ID,
		SessionID:     w.SessionID,
		UserID:        w.UserID,
		Username:      w.Username,
		Email:         w.Email,
		IsAdmin:       w.IsAdmin,
		EmailVerified: w.EmailVerified,
		AMR:           w.AMR,
		AAL:           w.AAL,
	}
	return c
}

func (w *wireClaims) GetExpirationTime() (*jwt.NumericDate, error) { return w.ExpiresAt, nil }
func (w *wireClaims) GetIssuedAt() (*jwt.NumericDate, error)       { return w.IssuedAt, nil }
func (w *wireClaims) GetNotBefore() (*jwt.NumericDate, error)      { return w.NotBefore, nil }
func (w *wireClaims) GetIssuer() (string, error)                   { return w.Issuer, nil }
func (w *wireClaims) GetSubject() (string, error)                  { return w.Subject, nil }
func (w *wireClaims) GetAudience() (jwt.ClaimStrings, error) {
	return jwt.ClaimStrings(w.Audience), nil
}

// audience is aud: written as a string when it has one element (the common
// form, and what RFC 7519 allows), read from a string or an array. It does
// not use jwt.ClaimStrings, whose encoding depends on a package global.
type audience []string

func (a audience) MarshalJSON() ([]byte, error) {
	if len(a) == 1 {
		return json.Marshal(a[0])
	}
	return json.Marshal([]string(a))
}

func (a *audience) UnmarshalJSON(b []byte) error {
	var s jwt.ClaimStrings
	if err := s.UnmarshalJSON(b); err != nil {
		return err
	}
	*a = audience(s)
	return nil
}

func numericDate(t time.Time) *jwt.NumericDate {
	if t.IsZero() {
		return nil
	}
	return jwt.NewNumericDate(t)
}

func timeOf(d *jwt.NumericDate) time.Time {
	if d == nil {
		return time.Time{}
	}
	return d.UTC()
}
