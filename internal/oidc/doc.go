// Package oidc makes Bizy an OpenID Connect provider for other apps, on
// the OpenID Certified github.com/zitadel/oidc/v3 op package: op speaks
// the protocol (discovery, authorize, token, userinfo, revoke,
// introspect, end session), and this package is its Storage, kept in
// Bizy's database (Store) with Bizy's users and sessions (auth.Store).
//
// What Bizy adds to op:
//   - PKCE with S256 for every client (CreateAuthRequest refuses a
//     request without it, as OAuth 2.1 asks);
//   - codes that live 60 s and work once; a code presented again revokes
//     the session its first exchange opened;
//   - each code exchange opens a session of the sessions table, tied to
//     its client by a Grant: refresh tokens rotate through that session
//     with reuse detection, and a logout everywhere, a password change or
//     an admin revocation ends it like any other;
//   - sign-in and consent through the pages (internal/pages calls
//     Provider.Pending, Finish and Refuse).
package oidc
