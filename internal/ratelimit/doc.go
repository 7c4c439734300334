// Package ratelimit enforces the per-client budgets of SPEC.md's
// Protection section: one Limiter that the JSON endpoints, the pages and
// the OpenID endpoints all call, and the header fields and 429 problem of
// a limited request.
//
// # Budgets
//
// Each Budget (Login, Refresh, Register, Verify, Email, EmailAddress) has
// a Rate of N requests per window, set by RATE_LIMIT_LOGIN and its
// siblings as N/DURATION or off (ParseRate). A budget refills evenly, one
// request every window/N, and allows bursts of up to N: a token bucket in
// memory (golang.org/x/time/rate) and its equivalent, GCRA, in Redis
// (github.com/go-redis/redis_rate). A refused request uses up nothing.
// Keys are client IPs (IPKey, which counts an IPv6 client by its /64) or,
// for EmailAddress, mail addresses.
//
// # Without Redis: Memory
//
// Memory keeps one bucket per budget and key in the process. Two bounds
// keep an address flood from growing it without end:
//
//   - Idle keys go: every SweepEvery (1 min) Memory drops each key whose
//     budget has refilled to N, which by then tells nothing a fresh key
//     would not. So a key lives at most its window plus a minute after its
//     last request, and never goes while it still holds a debt.
//   - MaxKeys (100,000 keys, about 13 MB) caps the rest. A new key past it
//     first forces that sweep; if every key still holds a debt, the eighth
//     of the keys nearest to whole are dropped. Dropping a key gives it a
//     whole budget early, so the keys that gain least go first: a flood of
//     fresh keys (one request each) pushes out its own kind, and a key that
//     spent its budget is dropped only after every key that spent less.
//     Resetting one spent budget therefore costs an attacker whole budgets
//     on many other keys, not one request per key; failing closed instead
//     (refusing new keys at the cap) would let the same flood lock every
//     newcomer out.
//
// # With REDIS_URL: Redis
//
// Redis keeps the buckets in Redis under DefaultPrefix, the key hashed
// (SHA-256) so no IP or address is stored in the clear, each expiring when
// whole. Every copy of the auth service on the same Redis shares the
// budgets, and refill runs on Redis's clock, not the copies'.
//
// Each Redis call is bounded by a timeout (DefaultTimeout, 200 ms), whatever
// the client's settings. A call that fails or times out switches the copy to
// its own Memory with the same rates: logged once, counted in
// Stats.Fallbacks and shown by Stats.UsingRedis; the limits stay on, per
// copy. While in fallback one request per DefaultProbeEvery (5 s) tries
// Redis; the first that succeeds switches back, logged once.
//
// # The HTTP side
//
// Limit is middleware for a JSON route. SetHeaders writes the IETF
// RateLimit-Policy and RateLimit fields (draft-ietf-httpapi-ratelimit-headers-11)
// on every response of a limited route, and WriteLimited answers a refusal:
// 429, Retry-After in whole seconds (at least 1), and the problem
// {type, title, status, detail, code: "rate_limited"} as web.Problem has it.
// A page calls Allow and SetHeaders and renders its own 429.
//
// # The per-address mail budget inside the auth service (design)
//
// RATE_LIMIT_EMAIL_ADDRESS bounds the mails sent to one address by
// forgot-password and resend-verification, whatever the client IP; past
// it the answer is still 202 but nothing is sent. Only the service knows
// when a mail would go, so the check belongs in internal/auth, which may
// import only the standard library, token and leaf packages. It therefore
// declares the interface, in standard types, and this package satisfies it
// with MailBudget:
//
//	// MailBudget bounds the mail sent to one address, whatever the client.
//	type MailBudget interface {
//		// TakeMail uses one mail of address's budget and reports
//		// whether there was one left. It never fails nor waits long.
//		TakeMail(ctx context.Context, address string) bool
//	}
//
// cmd/bizy passes ratelimit.NewMailBudget(lim) to the service. The service
// takes a unit for every well-formed address a request names, known or
// not, before looking the address up: the same work either way keeps the
// answer's timing from telling which addresses have accounts, and probing
// unknown addresses costs the same budget. When TakeMail reports false the
// service records a mail_suppressed security event (with the user when
// there is one) and returns as if it had sent. The check is made before
// the store transaction, as an input to it, not a side effect after it.
// The HTTP layer has by then spent the client IP's Email budget, so a
// request refused by that one never reaches the address budget.
package ratelimit
