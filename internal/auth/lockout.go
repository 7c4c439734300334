package auth

import (
	"context"
	"errors"
	"log/slog"
	"strconv"
	"time"
)

// Lockout is the failed-login rule, kept in one place like Authelia's
// regulation.Regulator: LockoutRule.Threshold consecutive failed password
// checks of one login name lock that name for LockoutRule.Duration. Every
// flow that checks a password asks it first (Reserve) and then reports the
// outcome (Fail or Succeed); a password reset or change and an unlock
// forget an account's counts (Clear). The flows know nothing else of the
// rule, so changing it changes this file only.
//
// A Lockout keeps its counts in a LockoutStore, records its refusals and
// locks in the security event log and reads the time from its clock alone.
// Names are counted whether or not an account has them, so a lock reveals
// nothing about which names exist. It is safe for concurrent use.
type Lockout struct {
	counts LockoutStore
	events eventLog
	now    func() time.Time
	rule   LockoutRule
}

// LockoutRule is how many consecutive failures lock a login name, and for
// how long.
type LockoutRule struct {
	Threshold int           // at least 1
	Duration  time.Duration // more than 0
}

// Attempt names one password check: the login name it is made under
// (normalised as Login does: trimmed and lower-cased), the account that
// name matched ("" when none did) and the client making it.
type Attempt struct {
	Name   string
	UserID string
	Client Client
}

// Reservation is an Attempt that Reserve counted and let through. The flow
// reports how its password check went with Fail or Succeed.
type Reservation struct {
	attempt Attempt
	n       int // its number among the name's consecutive failures
}

// NewLockout returns a Lockout applying rule, counting in counts and
// recording to events (each event is also logged to log), with now as its
// clock. It returns an error when rule is out of range.
func NewLockout(log *slog.Logger, counts LockoutStore, events EventStore, now func() time.Time, rule LockoutRule) (*Lockout, error) {
	if rule.Threshold < 1 {
		return nil, errors.New("lockout threshold must be at least 1")
	}
	if rule.Duration <= 0 {
		return nil, errors.New("lockout duration must be positive")
	}
	return &Lockout{counts: counts, events: eventLog{log: log, store: events, now: now}, now: now, rule: rule}, nil
}

// In returns l working inside the transaction tx: its counts and events are
// written through tx and commit or roll back with the change around them.
// (Calling l itself inside a transaction would, on SQLite, wait for the
// write connection that transaction holds.)
func (l *Lockout) In(tx Store) *Lockout {
	c := *l
	c.counts, c.events.store = tx, tx
	return &c
}

// Reserve counts a password check for a before it is made. Counting first
// means a burst of parallel guesses can't all pass the lock check before
// any has been counted: at most Threshold checks run per name and lock
// window. A locked name, or an attempt past the threshold (the others of
// its burst used the window up), gets a *LockedError, recorded as
// EventLoginLocked, and must not be checked; any other error is the store's.
func (l *Lockout) Reserve(ctx context.Context, a Attempt) (Reservation, error) {
	now := l.now()
	locked := func(d time.Duration, detail string) error {
		l.events.record(ctx, Event{Type: EventLoginLocked, LoginName: a.Name, IP: a.Client.IP,
			UserAgent: a.Client.UserAgent, Detail: detail})
		return &LockedError{RetryAfterSeconds: retryAfter(d)}
	}
	until, err := l.counts.LoginLockedUntil(ctx, a.Name)
	if err != nil {
		return Reservation{}, err
	}
	if now.Before(until) {
		return Reservation{}, locked(until.Sub(now), "")
	}
	n, err := l.counts.AddLoginFailure(ctx, a.Name, now)
	if err != nil {
		return Reservation{}, err
	}
	if n > l.rule.Threshold {
		if err := l.counts.LockLogin(ctx, a.Name, now.Add(l.rule.Duration)); err != nil {
			return Reservation{}, err
		}
		return Reservation{}, locked(l.rule.Duration, "more concurrent attempts than the lockout threshold")
	}
	// A lock written between the first look and the count reset the count
	// (LockLogin does), so this attempt's number may be low: look again.
	if until, err = l.counts.LoginLockedUntil(ctx, a.Name); err != nil {
		return Reservation{}, err
	}
	if now.Before(until) {
		// Not recorded: the attempt that wrote the lock already was.
		return Reservation{}, &LockedError{RetryAfterSeconds: retryAfter(until.Sub(now))}
	}
	return Reservation{attempt: a, n: n}, nil
}

// Fail records that r's password check failed (EventLoginFailure). The
// attempt that reaches the threshold locks the name (EventLock) and is
// itself still answered as a wrong password: the lock applies from the next
// try. It returns only the store's errors.
func (l *Lockout) Fail(ctx context.Context, r Reservation) error {
	a := r.attempt
	l.events.record(ctx, Event{Type: EventLoginFailure, UserID: a.UserID, LoginName: a.Name,
		IP: a.Client.IP, UserAgent: a.Client.UserAgent})
	if r.n < l.rule.Threshold {
		return nil
	}
	if err := l.counts.LockLogin(ctx, a.Name, l.now().Add(l.rule.Duration)); err != nil {
		return err
	}
	l.events.record(ctx, Event{Type: EventLock, UserID: a.UserID, LoginName: a.Name, IP: a.Client.IP,
		UserAgent: a.Client.UserAgent, Detail: "locked after " + strconv.Itoa(r.n) + " failed logins"})
	return nil
}

// Succeed records that r's password check passed: the failures of the
// name it was made under are forgotten, since only consecutive ones count.
//
// The clearing outlives ctx: the password was right, and a client that
// hangs up now (a load generator stopping, a browser closing) would
// otherwise leave the reserved failure counted, so a few such right
// passwords lock the account like wrong ones.
func (l *Lockout) Succeed(ctx context.Context, r Reservation) error {
	return l.counts.ClearLoginFailures(context.WithoutCancel(ctx), r.attempt.Name)
}

// Clear forgets the failed-login counts and any lock of every name of u
// (its username and its email). Unlocks, password resets and password
// changes call it; it records nothing, leaving the event to the caller who
// knows why.
func (l *Lockout) Clear(ctx context.Context, u User) error {
	for _, name := range []string{normalizeLogin(u.Username), normalizeLogin(u.Email)} {
		if err := l.counts.ClearLoginFailures(ctx, name); err != nil {
			return err
		}
	}
	return nil
}

func retryAfter(d time.Duration) int {
	secs := int((d + time.Second - 1) / time.Second)
	if secs < 1 {
		secs = 1
	}
	return secs
}
