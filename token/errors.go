package token

import "errors"

// Rejections returned by Verify, KeySource implementations and the
// constructors. Each is a sentinel: callers test for it with errors.Is, since
// the returned error usually wraps it with a detail for logs.
var (
	// ErrMalformed reports a token that is not a well-formed compact JWS
	// with JSON claims (bad segments, bad base64, bad JSON, oversized, or
	// sub and user_id that disagree).
	ErrMalformed = errors.New("token: malformed token")
	// ErrAlgorithm reports a token whose alg header is not the configured
	// algorithm, including "none" and HS256/EdDSA confusion.
	ErrAlgorithm = errors.New("token: unexpected signing algorithm")
	// ErrBadSignature reports a signature that does not verify.
	ErrBadSignature = errors.New("token: invalid signature")
	// ErrExpired reports a token whose exp is past, beyond the leeway.
	ErrExpired = errors.New("token: token expired")
	// ErrNotYetValid reports a token whose nbf or iat lies in the future,
	// beyond the leeway.
	ErrNotYetValid = errors.New("token: token not yet valid")
	// ErrIssuer reports an iss claim other than the configured issuer.
	ErrIssuer = errors.New("token: wrong issuer")
	// ErrAudience reports an aud claim that does not name the configured
	// audience.
	ErrAudience = errors.New("token: wrong audience")
	// ErrMissingClaim reports a token lacking exp, aud, sub, user_id or sid,
	// or lacking iat when Config.MaxLifetime is set.
	ErrMissingClaim = errors.New("token: missing required claim")
	// ErrLifetime reports a token whose iat is after its exp, or whose
	// lifetime, exp − iat, exceeds Config.MaxLifetime plus the leeway: a
	// token no honest issuer would sign, such as one minted for years with
	// a leaked or retired key.
	ErrLifetime = errors.New("token: token lifetime out of bounds")
	// ErrUnknownKey reports an EdDSA token without a kid, or whose kid the
	// KeySource does not know.
	ErrUnknownKey = errors.New("token: unknown signing key")
	// ErrShortSecret reports an HS256 secret shorter than MinSecretSize bytes.
	ErrShortSecret = errors.New("token: HS256 secret shorter than 32 bytes")
)
