package pages

import (
	"net/http"
	"time"
)

// Budgets the pages spend, named as SPEC's Protection table names them
// (RATE_LIMIT_LOGIN, _REGISTER, _VERIFY, _EMAIL).
const (
	BudgetLogin    = "login"    // POST /ui/login
	BudgetRegister = "register" // POST /ui/register
	BudgetVerify   = "verify"   // POSTs that spend a mailed token: verify, reset, unlock
	BudgetEmail    = "email"    // POSTs that may send mail: forgot-password, resend-verification
)

// Limiter is where the rate limits plug in. Allow spends one unit of
// budget for key (the client IP of r), puts the rate-limit header fields
// on w's header (RateLimit-Policy, RateLimit, and Retry-After on a
// refusal) and reports whether the request may go on; when it may not,
// retryAfter says how soon it may try again. The limiter records its own
// refusals (the rate_limited event and metric). An error lets the request
// through and is logged: the limiter is expected to fall back on its own
// rather than fail. Implementations must be safe for concurrent use.
type Limiter interface {
	Allow(w http.ResponseWriter, r *http.Request, budget, key string) (ok bool, retryAfter time.Duration, err error)
}

// LimitedError is a request refused by the Limiter; it is answered 429
// with Retry-After.
type LimitedError struct {
	RetryAfter time.Duration
}

func (e *LimitedError) Error() string { return "rate limited" }
