package auth

import (
	"context"
	"errors"
	"log/slog"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/bizy-auth/bizy/internal/fault"
)

// Lockout is the failed-login rule, kept in one place like Authelia's
// regulation.Regulator. Failed password checks are counted per subject
// (an account, whose username and email are one budget, or a login name
// no account has) in two ways: from each client IP, and from all IPs
// together, each within a window of LockoutRule.Duration from its first
// failure. Threshold failures from one IP lock that IP out of the subject
// for Duration, leaving the owner free to sign in from elsewhere;
// AccountThreshold failures from all IPs lock the subject for everyone,
// and the owner of a real account is mailed an unlock link (once per
// lock). A success clears the count of the IP it came from.
//
// Every flow that checks a password asks first (Reserve) and then reports
// how the check went (Fail, Succeed, or Release when it could not be
// made); a password reset, an unlock and an admin unlock forget every
// count and lock of the account (Clear). The flows know nothing else of
// the rule, so changing it changes this file only.
//
// Bursts. A reservation is not a failure, but it takes room: a check is
// let through only while the failures plus the checks in flight stay
// under each threshold, so a burst of parallel guesses gets at most the
// threshold of real checks. An attempt that finds no room waits (up to
// LockoutRule.Wait) for a check in flight to finish rather than being
// refused: a client that retries, or a load test, sending many logins
// with the right password at once sees them all succeed, a few at a time.
// If a lock goes into force while it waits, or the wait runs out, it gets
// a 429 (rate_limited), never a 423: a 423 is only for a lock that was in
// force when the attempt arrived, so concurrency alone never reads as a
// lock. (A 429 for the excess at once would also bound the checks, but
// would fail the right-password burst above for no reason; one check in
// flight per account and IP would make that burst slow and still needs a
// bound across IPs.)
//
// A Lockout keeps its counts in a LockoutStore, records its refusals and
// locks in the security event log and reads the time from its clock,
// except for how long an attempt waits for room, which is real time. It
// is safe for concurrent use.
type Lockout struct {
	store  Store
	events eventLog
	now    func() time.Time
	rule   LockoutRule
	waits  *waiters
	// accountLocked, when set, runs inside the transaction that locks the
	// account userID for everyone, to queue its unlock mail; it reports
	// whether it queued one. mailed runs once that has committed.
	accountLocked func(ctx context.Context, tx Store, userID string, now time.Time) (bool, error)
	mailed        func()
}

// LockoutRule is how many failures lock, and for how long.
type LockoutRule struct {
	Threshold        int           // failures of one subject from one IP (at least 1)
	AccountThreshold int           // failures of one subject from all IPs (at least Threshold)
	Duration         time.Duration // the counting window and the lock length (more than 0)
	Wait             time.Duration // longest wait for room; 0 means DefaultLockoutWait
}

// DefaultLockoutWait is how long an attempt that finds no room waits for
// a check in flight to finish: a few bcrypt checks, with the hashing
// gate's wait, and well inside the API proxy's 5 s.
const DefaultLockoutWait = 3 * time.Second

// DefaultLockoutAccountThreshold is SPEC's LOCKOUT_ACCOUNT_THRESHOLD.
const DefaultLockoutAccountThreshold = 20

// pendingHold is how long a reservation counts at most: far longer than
// any check (HASH_WAIT plus one bcrypt), so only a process that died
// with reservations made leaves any behind, and not for long.
const pendingHold = time.Minute

// roomPoll is how often an attempt waiting for room looks again, for
// checks reported by other copies of the service (its own wake it).
const roomPoll = 250 * time.Millisecond

// Attempt names one password check: the login name it is made under
// (normalised as Login does: trimmed and lower-cased), the account that
// name matched ("" when none did) and the client making it.
type Attempt struct {
	Name   string
	UserID string
	Client Client
}

// subject is what the attempt is counted against: the account, whatever
// name it was reached by, or the name when no account has it.
func (a Attempt) subject() string {
	if a.UserID != "" {
		return userSubject(a.UserID)
	}
	return "name:" + a.Name
}

func userSubject(id string) string { return "user:" + id }

// ips are the keys of the attempt's two rows, in the order every
// transaction locks them: the account-wide row, then the client's.
func (a Attempt) ips() []string {
	ip := a.Client.IP
	if ip == "" {
		ip = "-" // never the account-wide row's ""
	}
	return []string{"", ip}
}

// Reservation is an Attempt that Reserve let through. The flow reports how
// its password check went with Fail, Succeed or Release.
type Reservation struct {
	attempt Attempt
}

// NewLockout returns a Lockout applying rule, counting in store and
// recording to its event log (each event is also logged to log), with now
// as its clock. It returns an error when rule is out of range.
func NewLockout(log *slog.Logger, store Store, now func() time.Time, rule LockoutRule) (*Lockout, error) {
	if rule.Threshold < 1 {
		return nil, errors.New("lockout threshold must be at least 1")
	}
	if rule.AccountThreshold < rule.Threshold {
		return nil, errors.New("account lockout threshold must be at least the lockout threshold")
	}
	if rule.Duration <= 0 {
		return nil, errors.New("lockout duration must be positive")
	}
	if rule.Wait <= 0 {
		rule.Wait = DefaultLockoutWait
	}
	return &Lockout{store: store, events: eventLog{log: log, store: store, now: now, failures: new(atomic.Uint64)}, now: now, rule: rule,
		waits: newWaiters()}, nil
}

// In returns l working inside the transaction tx: its counts and events are
// written through tx and commit or roll back with the change around them.
// (Calling l itself inside a transaction would, on SQLite, wait for the
// write connection that transaction holds.)
func (l *Lockout) In(tx Store) *Lockout {
	c := *l
	c.store, c.events.store = tx, tx
	return &c
}

// reserved is what one look at the rows found.
type reserved int

const (
	gotRoom reserved = iota
	isLocked
	noRoom
)

// Reserve asks to check a's password. A lock in force, for a's IP or for
// everyone, gets a *LockedError (423), recorded as EventLoginLocked. With
// no room for another check (see Lockout), it waits; a lock that comes
// into force meanwhile, or no room within the wait, gets a 429
// rate_limited problem, recorded as EventRateLimited. Otherwise the check
// is reserved and must be reported. Other errors are the store's.
func (l *Lockout) Reserve(ctx context.Context, a Attempt) (Reservation, error) {
	deadline := time.Now().Add(l.rule.Wait)
	for first := true; ; first = false {
		wake, leave := l.waits.watch(a.subject())
		got, until, err := l.tryReserve(ctx, a)
		if err != nil || got == gotRoom {
			leave()
			return Reservation{attempt: a}, err
		}
		if got == isLocked {
			leave()
			wait := until.Sub(l.now())
			if first {
				l.record(ctx, a, EventLoginLocked, "")
				return Reservation{}, &LockedError{RetryAfterSeconds: retryAfter(wait)}
			}
			return Reservation{}, l.tooMany(ctx, a, wait, "a lock came into force while the attempt waited")
		}
		left := time.Until(deadline)
		if left <= 0 {
			leave()
			return Reservation{}, l.tooMany(ctx, a, time.Second, "more attempts at once than the lockout threshold allows")
		}
		t := time.NewTimer(min(left, roomPoll))
		select {
		case <-wake:
		case <-t.C:
		case <-ctx.Done():
		}
		t.Stop()
		leave()
		if err := ctx.Err(); err != nil {
			return Reservation{}, err
		}
	}
}

// tryReserve looks at a's rows once and reserves a check when there is
// room; it returns the end of the lock it found otherwise.
func (l *Lockout) tryReserve(ctx context.Context, a Attempt) (reserved, time.Time, error) {
	got, until := noRoom, time.Time{}
	err := l.store.Tx(ctx, func(tx Store) error {
		rows, now, err := l.rows(ctx, tx, a)
		if err != nil {
			return err
		}
		acct, ip := &rows[0], &rows[1]
		if u := later(acct.LockedUntil, ip.LockedUntil); !u.IsZero() {
			got, until = isLocked, u
			return nil
		}
		if ip.Failures+ip.Pending >= l.rule.Threshold || acct.Failures+acct.Pending >= l.rule.AccountThreshold {
			return nil
		}
		got = gotRoom
		for _, r := range rows {
			r.Pending++
			r.PendingUntil = now.Add(pendingHold)
			if err := tx.PutLockoutRow(ctx, l.expire(r)); err != nil {
				return err
			}
		}
		return nil
	})
	return got, until, err
}

// The outcomes a reservation is reported with.
type outcome int

const (
	failed outcome = iota
	succeeded
	released
)

// Fail records that r's password check failed (EventLoginFailure). The
// failure that reaches LockoutRule.Threshold locks r's IP out of the
// subject (EventLock); the one that reaches AccountThreshold locks the
// subject for everyone (EventAccountLocked) and queues the owner's unlock
// mail (EventUnlockMailed). Either attempt is itself still answered as a
// wrong password: a lock applies from the next try. It returns only the
// store's errors.
func (l *Lockout) Fail(ctx context.Context, r Reservation) error {
	return l.report(ctx, r, failed)
}

// Succeed records that r's password check passed: the failures counted
// from r's IP are forgotten (those from all IPs are not).
func (l *Lockout) Succeed(ctx context.Context, r Reservation) error {
	return l.report(ctx, r, succeeded)
}

// Release gives r's room back without counting anything, for a check that
// could not be made (the hashing gate was full, the request ended).
func (l *Lockout) Release(ctx context.Context, r Reservation) error {
	return l.report(ctx, r, released)
}

// report records how r's check went. It goes on when the request's
// context ends: a reservation left unreported would hold room until
// pendingHold.
func (l *Lockout) report(ctx context.Context, r Reservation, o outcome) error {
	ctx = context.WithoutCancel(ctx)
	a := r.attempt
	var ipLocked, acctLocked, mailed bool
	var failures int
	err := l.store.Tx(ctx, func(tx Store) error {
		rows, now, err := l.rows(ctx, tx, a)
		if err != nil {
			return err
		}
		acct, ip := &rows[0], &rows[1]
		for i := range rows {
			if rows[i].Pending > 0 {
				rows[i].Pending--
			}
			if rows[i].Pending == 0 {
				rows[i].PendingUntil = time.Time{}
			}
		}
		switch o {
		case failed:
			for i := range rows {
				if rows[i].WindowStart.IsZero() {
					rows[i].WindowStart = now
				}
				rows[i].Failures++
			}
			failures = ip.Failures
			if ip.LockedUntil.IsZero() && ip.Failures >= l.rule.Threshold {
				ip.LockedUntil, ipLocked = now.Add(l.rule.Duration), true
			}
			if acct.LockedUntil.IsZero() && acct.Failures >= l.rule.AccountThreshold {
				acct.LockedUntil, acctLocked = now.Add(l.rule.Duration), true
				if a.UserID != "" && l.accountLocked != nil {
					if mailed, err = l.accountLocked(ctx, tx, a.UserID, stamp(now)); err != nil {
						return err
					}
				}
			}
		case succeeded:
			ip.Failures, ip.WindowStart, ip.LockedUntil = 0, time.Time{}, time.Time{}
		}
		for _, row := range rows {
			if err := tx.PutLockoutRow(ctx, l.expire(row)); err != nil {
				return err
			}
		}
		return nil
	})
	l.waits.wake(a.subject())
	if err != nil {
		return err
	}
	if o == failed {
		l.record(ctx, a, EventLoginFailure, "")
	}
	if ipLocked {
		l.record(ctx, a, EventLock, "this IP locked out of the account after "+strconv.Itoa(failures)+" failed logins")
	}
	if acctLocked {
		l.record(ctx, a, EventAccountLocked, "locked for everyone after "+strconv.Itoa(l.rule.AccountThreshold)+
			" failed logins from all IPs")
	}
	if mailed {
		l.record(ctx, a, EventUnlockMailed, "")
		if l.mailed != nil {
			l.mailed()
		}
	}
	return nil
}

// Clear forgets every count and lock of u, from every IP. Unlocks and
// password resets call it; it records nothing, leaving the event to the
// caller who knows why.
func (l *Lockout) Clear(ctx context.Context, u User) error {
	err := l.store.ClearLockout(ctx, userSubject(u.ID))
	l.waits.wake(userSubject(u.ID))
	return err
}

// LockedUntil returns when the last lock of u ends, for u's IPs or for
// everyone, or the zero time when none is in force.
func (l *Lockout) LockedUntil(ctx context.Context, u User) (time.Time, error) {
	until, err := l.store.LockoutLockedUntil(ctx, userSubject(u.ID))
	if err != nil || !l.now().Before(until) {
		return time.Time{}, err
	}
	return until, nil
}

// rows reads a's two rows inside tx, the account-wide one first, with
// what is over at now forgotten (fresh), and returns them with now.
func (l *Lockout) rows(ctx context.Context, tx Store, a Attempt) ([]LockoutRow, time.Time, error) {
	rows, err := tx.LockoutRows(ctx, a.subject(), a.ips())
	if err != nil {
		return nil, time.Time{}, err
	}
	now := l.now()
	for i := range rows {
		l.fresh(&rows[i], now)
	}
	return rows, now, nil
}

// fresh forgets what r holds that is over at now: an ended lock and the
// count it ended, a window that has passed, reservations held too long.
func (l *Lockout) fresh(r *LockoutRow, now time.Time) {
	if !r.LockedUntil.IsZero() && !now.Before(r.LockedUntil) {
		r.LockedUntil, r.Failures, r.WindowStart = time.Time{}, 0, time.Time{}
	}
	if r.LockedUntil.IsZero() && !r.WindowStart.IsZero() && !now.Before(r.WindowStart.Add(l.rule.Duration)) {
		r.Failures, r.WindowStart = 0, time.Time{}
	}
	if !now.Before(r.PendingUntil) {
		r.Pending, r.PendingUntil = 0, time.Time{}
	}
}

// expire sets r.ExpiresAt: when its window, lock and reservations are
// all over, after which it holds nothing and Prune may delete it.
func (l *Lockout) expire(r LockoutRow) LockoutRow {
	var end time.Time
	if !r.WindowStart.IsZero() {
		end = r.WindowStart.Add(l.rule.Duration)
	}
	r.ExpiresAt = later(end, r.LockedUntil, r.PendingUntil)
	return r
}

// record stores one event about a.
func (l *Lockout) record(ctx context.Context, a Attempt, typ, detail string) {
	l.events.record(ctx, Event{Type: typ, UserID: a.UserID, LoginName: a.Name, IP: a.Client.IP,
		UserAgent: a.Client.UserAgent, Detail: detail})
}

// tooMany records and returns the 429 of an attempt that waited for room
// in vain.
func (l *Lockout) tooMany(ctx context.Context, a Attempt, wait time.Duration, detail string) error {
	l.record(ctx, a, EventRateLimited, "lockout: "+detail)
	return &fault.Error{Kind: fault.TooManyRequests, Code: "rate_limited",
		Message:    "too many sign-in attempts for this account at once; retry shortly",
		RetryAfter: time.Duration(retryAfter(wait)) * time.Second}
}

// later returns the latest of ts.
func later(ts ...time.Time) time.Time {
	var l time.Time
	for _, t := range ts {
		if t.After(l) {
			l = t
		}
	}
	return l
}

func retryAfter(d time.Duration) int {
	secs := int((d + time.Second - 1) / time.Second)
	if secs < 1 {
		secs = 1
	}
	return secs
}
