// Package web holds what both Bizy servers share at the HTTP edge: JSON
// decoding with limits, RFC 9457 problem details, the one table from kinds
// of domain error (internal/fault) to statuses, request IDs, panic
// recovery, access logs, security headers and the client IP behind trusted
// proxies.
//
// It imports no domain (auth, tasks) and no adapter: domain errors reach it
// as *fault.Error and *invalid.Error, which is all it needs to answer them.
package web
