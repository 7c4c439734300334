package ratelimit

import (
	"context"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// Budget names one of the budgets of SPEC.md's Protection section. Its
// value appears in the RateLimit header fields, in metric labels and in
// Redis keys.
type Budget string

// The budgets, each set by the RATE_LIMIT_ setting of the same name.
const (
	Login        Budget = "login"         // password logins, second-factor and passkey steps
	Refresh      Budget = "refresh"       // /refresh and the OpenID token endpoint
	Register     Budget = "register"      // registrations
	Verify       Budget = "verify"        // uses of mailed tokens: verify, reset, unlock
	Email        Budget = "email"         // requests that may send mail, per client IP
	EmailAddress Budget = "email_address" // mails to one address, whatever the IP
)

// Budgets lists every Budget, in SPEC.md's order.
var Budgets = []Budget{Login, Refresh, Register, Verify, Email, EmailAddress}

// Rate is a budget of N requests per Window that refills evenly, one
// request every Window/N, and allows bursts of up to N. A Rate with N or
// Window not positive (the zero Rate) is off: it allows everything.
type Rate struct {
	N      int
	Window time.Duration
}

// Off reports whether r allows everything.
func (r Rate) Off() bool { return r.N <= 0 || r.Window <= 0 }

// String returns r as ParseRate reads it: "30/5m0s", or "off".
func (r Rate) String() string {
	if r.Off() {
		return "off"
	}
	return strconv.Itoa(r.N) + "/" + r.Window.String()
}

// ParseRate reads a budget as the RATE_LIMIT_ settings write it: "N/DURATION"
// with N ≥ 1 and DURATION a whole number of seconds of at least 1s (30/5m,
// 3/1h), or "off" for the zero Rate. Whole seconds because the RateLimit
// header fields carry the window in seconds. Its error does not name the
// setting; the caller adds that.
func ParseRate(s string) (Rate, error) {
	if s == "off" {
		return Rate{}, nil
	}
	bad := fmt.Errorf("want N/DURATION such as 30/5m, or off; got %q", s)
	n, d, ok := strings.Cut(s, "/")
	if !ok {
		return Rate{}, bad
	}
	count, err := strconv.Atoi(n)
	if err != nil || count < 1 {
		return Rate{}, fmt.Errorf("want a count of at least 1 before the /, got %q", s)
	}
	window, err := time.ParseDuration(d)
	if err != nil {
		return Rate{}, bad
	}
	if window < time.Second || window%time.Second != 0 {
		return Rate{}, fmt.Errorf("want a window of whole seconds, at least 1s, got %q", s)
	}
	return Rate{N: count, Window: window}, nil
}

// Rates holds the Rate of each budget. A zero Rate turns its budget off,
// so the zero Rates turns them all off (RATE_LIMIT_ENABLED=false).
type Rates struct {
	Login, Refresh, Register, Verify, Email, EmailAddress Rate
}

// DefaultRates returns SPEC.md's defaults: login 30/5m, refresh 150/5m,
// register 30/1h, verify 30/5m, email 10/1h, email_address 3/1h.
func DefaultRates() Rates {
	return Rates{
		Login:        Rate{30, 5 * time.Minute},
		Refresh:      Rate{150, 5 * time.Minute},
		Register:     Rate{30, time.Hour},
		Verify:       Rate{30, 5 * time.Minute},
		Email:        Rate{10, time.Hour},
		EmailAddress: Rate{3, time.Hour},
	}
}

// Of returns the Rate of budget b. It panics on a Budget not listed in
// Budgets: a misspelt budget must fail loudly rather than limit nothing.
func (rs Rates) Of(b Budget) Rate {
	switch b {
	case Login:
		return rs.Login
	case Refresh:
		return rs.Refresh
	case Register:
		return rs.Register
	case Verify:
		return rs.Verify
	case Email:
		return rs.Email
	case EmailAddress:
		return rs.EmailAddress
	}
	panic("ratelimit: unknown budget " + strconv.Quote(string(b)))
}

// Decision is a limiter's answer for one request.
type Decision struct {
	Budget  Budget
	Rate    Rate // the budget's Rate; Off means no limit and no header fields
	Allowed bool // the request fits and was counted

	// Remaining is how many more requests fit right now, after this one.
	Remaining int
	// RetryAfter is, for a refused request, the time until one more fits;
	// 0 when Allowed.
	RetryAfter time.Duration
	// ResetAfter is the time until the budget is whole again (N remaining).
	ResetAfter time.Duration
}

// Limiter decides whether one more request fits a key's budget, and counts
// it when it does. A refused request uses up nothing. Allow never fails
// and never blocks for long: an implementation that cannot reach its store
// answers from memory instead (see Redis). Implementations are safe for
// concurrent use.
type Limiter interface {
	Allow(ctx context.Context, b Budget, key string) Decision
}

// Stats is a snapshot of a limiter's counters, for metrics.
type Stats struct {
	UsingRedis bool              // budgets live in Redis now (false: in this process's memory)
	Fallbacks  uint64            // times Redis stopped answering and this copy fell back to memory
	Denied     map[Budget]uint64 // refused requests per budget, since start
	Keys       int               // keys held in memory now
	Evicted    uint64            // keys dropped at MaxKeys before their budget was whole again
}

// IPKey returns the key under which a client IP is counted: an IPv4
// address (or an IPv4-mapped IPv6 one) as itself, an IPv6 address as its
// /64 prefix. One IPv6 subscriber or host is commonly handed a whole /64,
// so counting single IPv6 addresses would give it 2^64 budgets.
func IPKey(ip netip.Addr) string {
	ip = ip.Unmap()
	if ip.Is6() {
		p, _ := ip.WithZone("").Prefix(64)
		return p.String()
	}
	return ip.String()
}
