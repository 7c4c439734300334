package ratelimit

import (
	"context"
	"strings"
)

// MailBudget is the per-address mail budget (RATE_LIMIT_EMAIL_ADDRESS) in
// the shape the auth service takes it: a method of standard types only,
// so that internal/auth declares the interface and imports nothing of this
// package (see the package doc). It is safe for concurrent use.
type MailBudget struct{ lim Limiter }

// NewMailBudget returns the EmailAddress budget of lim.
func NewMailBudget(lim Limiter) MailBudget { return MailBudget{lim} }

// TakeMail uses one mail of address's budget and reports whether there was
// one left. Addresses are compared without regard to case or surrounding
// space, as they are stored. Like Limiter.Allow it never fails and never
// waits long; with the budget off it always reports true.
func (m MailBudget) TakeMail(ctx context.Context, address string) bool {
	return m.lim.Allow(ctx, EmailAddress, strings.ToLower(strings.TrimSpace(address))).Allowed
}
