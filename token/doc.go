// Package token issues and checks Bizy access tokens: JWTs signed with
// EdDSA (Ed25519) or HS256 whose claims are described by Claims.
//
// The auth service signs tokens with a Signer and publishes its Ed25519
// public keys as a JWKSet. Any other service checks them locally with a
// Verifier, which accepts exactly one algorithm, requires exp and aud
// (RFC 8725), matches iss and aud against its Config, and finds EdDSA keys
// by kid through a KeySource: StaticKeys, or a JWKS that fetches and caches
// the auth service's /.well-known/jwks.json. Rejections are sentinel errors
// (ErrExpired, ErrBadSignature, ...) for use with errors.Is.
//
// Verifier.Middleware guards an http.Handler: it answers 401 with an
// RFC 9457 problem and an RFC 6750 WWW-Authenticate header, or passes the
// request on with the claims available through FromContext. Claims.AMR
// and Claims.Level say how the user signed in (aal1: a password alone;
// aal2: a second factor or a passkey); the RequireAAL2 option makes
// Middleware answer 403 to an aal1 token.
//
// A token that verifies says who the caller is and which session it
// belongs to; it does not say the session is still alive. Callers that
// must honour logouts before exp check Claims.SessionID against their list
// of revoked sessions.
//
// This package imports nothing from Bizy's internal packages, so other Go
// services can use it.
package token
