package auth

import (
	"context"
	"errors"
)

// EventMailSuppressed records a mail not sent because its address had
// spent its mail budget (RATE_LIMIT_EMAIL_ADDRESS). Its Detail names the
// flow ("verification" or "password reset"), never a token.
const EventMailSuppressed = "mail_suppressed"

// MailBudget bounds the mail sent to one address, whatever the client
// (RATE_LIMIT_EMAIL_ADDRESS). It is declared here, in standard types, so
// that this package imports no limiter; cmd/bizy passes
// ratelimit.NewMailBudget. Implementations are safe for concurrent use.
type MailBudget interface {
	// TakeMail uses one mail of address's budget and reports whether
	// there was one left. It never fails nor waits long.
	TakeMail(ctx context.Context, address string) bool
}

// takeMail spends one unit of email's mail budget and reports whether a
// mail may go. Past the budget it records a mail_suppressed event, with
// the user when the address has one, and reports false: the caller then
// returns as if it had sent. It runs in the background job before the
// address is looked up for sending, for every well-formed address, known
// or not, so probing unknown addresses costs the same budget.
func (s *Service) takeMail(ctx context.Context, email, flow string, c Client) bool {
	if s.cfg.MailBudget == nil || s.cfg.MailBudget.TakeMail(ctx, email) {
		return true
	}
	e := Event{Type: EventMailSuppressed, LoginName: email, IP: c.IP, UserAgent: c.UserAgent, Detail: flow}
	if u, err := s.store.UserByLogin(ctx, email); err == nil && u.Email == email {
		e.UserID = u.ID
	} else if !errors.Is(err, ErrNotFound) && err != nil {
		s.log.WarnContext(ctx, "look up the user of a suppressed mail", "err", err)
	}
	s.record(ctx, s.store, e)
	return false
}

// RecordRateLimited records a request refused by the rate limit of budget
// (login, refresh, register, verify, email): the client and the budget
// only, as the limit is checked before the request is read.
func (s *Service) RecordRateLimited(ctx context.Context, budget string, c Client) {
	s.record(ctx, s.store, Event{Type: EventRateLimited, IP: c.IP, UserAgent: c.UserAgent, Detail: "budget " + budget})
}
