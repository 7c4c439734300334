// Package web holds what both Bizy servers share at the HTTP edge: JSON
// decoding with limits, RFC 9457 problem details, the mapping from domain
// errors to statuses, request IDs, panic recovery, access logs, security
// headers and the client IP behind trusted proxies.
package web
