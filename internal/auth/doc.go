// Package auth holds Bizy's identity domain: users, sessions, signing keys,
// security events, the rules they obey and the Service that applies them.
//
// It imports only the standard library, the public token package, the leaf
// packages internal/fault (its sentinel errors are *fault.Error, carrying
// the codes clients see), internal/invalid (whose Error is ValidationError)
// and internal/input, and a few libraries made for the job (uuid, bcrypt,
// TOTP); deps_test.go at the module root keeps it so. Storage adapters
// (internal/sqlite, internal/postgres) implement Store, and servers
// (internal/authserver) turn Service calls into HTTP.
package auth
