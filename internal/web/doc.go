// Package web holds what both Bizy servers share at the HTTP edge: the one
// handler shape (Handler, which returns its error), JSON decoding with
// limits, RFC 9457 problem details, the one table from kinds of domain
// error (internal/fault) to statuses, request IDs with a request logger,
// panic recovery, access logs, security headers, and the per-request facts
// middleware resolves once and handlers read through fail-closed accessors
// (ClientOf for the client behind trusted proxies, ClaimsOf for the
// caller's token claims).
//
// It imports no domain (auth, tasks) and no adapter: domain errors reach it
// as *fault.Error and *invalid.Error, which is all it needs to answer them.
package web
