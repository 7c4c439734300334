// Package revocation tells an API copy which sessions have been logged out,
// so it can refuse their access tokens before they expire.
//
// Access tokens are checked locally (token.Verifier), so without help a
// logged-out session's token would keep working until its exp. The auth
// service lists revoked sessions at GET /revocations; a Poller reads that
// list every second into a List, which the API consults on every request.
// When REDIS_URL is set, the auth service also publishes each revocation,
// and internal/redis feeds those messages into the same List, usually within
// milliseconds; the Poller remains the source of truth, catching what a
// subscriber missed while it was disconnected.
//
// An entry is kept only while a token of its session could still pass the
// verifier: until its expires_at plus the verifier's leeway.
package revocation
