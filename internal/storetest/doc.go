// Package storetest holds the contract suites that every storage adapter must
// pass, in the manner of Ory Kratos: one suite per domain store interface,
// run by each adapter's own tests against a real database.
//
// The suites use only the standard testing package, so any store, including
// an in-memory fake, can be checked with one call:
//
//	storetest.AuthStore(t, func(t *testing.T) storetest.Engine { return newEngine(t) })
//
// An Engine is the store, its outbox and two probes into the database
// (what an outbox row still holds; whether a user row is locked), for
// promises the interfaces give no way to see. AuthStore also checks the
// seam between auth.Store's EnqueueEmail and auth.Outbox, and that
// Store.Prune deletes only sent messages; the outbox's own contract is
// mailtest.OutboxSuite.
package storetest
