package auth

import (
	"context"
	"time"
)

// EventRateLimited is the event a refusal by a rate limit records. The
// admin console counts it among the outcomes of login attempts.
const EventRateLimited = "rate_limited"

// LoginHour counts the login attempts of one hour by outcome.
type LoginHour struct {
	Start       time.Time // the hour's first instant, UTC
	Success     int       // login_success events
	Failure     int       // login_failure events
	Locked      int       // login_locked events: attempts refused by a lock
	RateLimited int       // rate_limited events
}

// Total is the number of attempts of the hour, whatever their outcome.
func (h LoginHour) Total() int { return h.Success + h.Failure + h.Locked + h.RateLimited }

// MaxStatsHours bounds LoginsPerHour: 31 days.
const MaxStatsHours = 31 * 24

// LoginsPerHour returns the login attempts of the last hours hours by
// outcome, oldest first; the last entry is the hour now falls in, so far.
// Every hour is there, those without attempts as zeros. hours outside
// 1..MaxStatsHours gives a *ValidationError naming "hours".
func (s *Service) LoginsPerHour(ctx context.Context, hours int) ([]LoginHour, error) {
	if hours < 1 || hours > MaxStatsHours {
		return nil, &ValidationError{Fields: map[string]string{"hours": "must be between 1 and 744"}}
	}
	end := s.now().UTC().Truncate(time.Hour).Add(time.Hour)
	start := end.Add(-time.Duration(hours) * time.Hour)
	counts, err := s.store.CountEventsByHour(ctx,
		[]string{EventLoginSuccess, EventLoginFailure, EventLoginLocked, EventRateLimited}, start, end)
	if err != nil {
		return nil, err
	}
	out := make([]LoginHour, hours)
	for i := range out {
		out[i].Start = start.Add(time.Duration(i) * time.Hour)
	}
	for _, c := range counts {
		i := int(c.Hour.Sub(start) / time.Hour)
		if i < 0 || i >= hours {
			continue
		}
		switch c.Type {
		case EventLoginSuccess:
			out[i].Success += c.Count
		case EventLoginFailure:
			out[i].Failure += c.Count
		case EventLoginLocked:
			out[i].Locked += c.Count
		case EventRateLimited:
			out[i].RateLimited += c.Count
		}
	}
	return out, nil
}
