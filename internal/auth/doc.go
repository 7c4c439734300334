// Package auth holds Bizy's identity domain: users, sessions, signing keys,
// security events, the rules they obey and the Service that applies them.
//
// It imports only the standard library, the public token package and the
// leaf internal/invalid (whose Error is ValidationError); storage adapters
// (internal/sqlite, internal/postgres) implement Store, and servers
// (internal/authserver) turn Service calls into HTTP.
package auth
