// Package storetest holds the contract suites that every storage adapter must
// pass, in the manner of Ory Kratos: one suite per domain store interface,
// run by each adapter's own tests against a real database.
//
// The suites use only the standard testing package, so any store, including
// an in-memory fake, can be checked with
//
//	storetest.AuthStore(t, func(t *testing.T) auth.Store { return newStore(t) })
//
// Outbox checks the seam between auth.Store's EnqueueEmail and auth.Outbox,
// and that Store.Prune deletes only sent messages; the outbox's own
// contract is mailtest.OutboxSuite.
package storetest
