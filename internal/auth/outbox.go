package auth

import (
	"context"
	"errors"
	"time"
)

// ErrLeaseLost is returned by MarkSent, Retry and Park when owner does not
// hold the message (another owner claimed it after the lease expired, it was
// already finished, or the id is unknown). The worker logs it and moves on.
var ErrLeaseLost = errors.New("outbox lease lost")

// OutboxStats counts the messages of an outbox, for metrics and health.
type OutboxStats struct {
	Pending int // not sent and not parked, leased or not, due or not
	Parked  int // given up on; kept for operators
}

// Outbox is the persistent queue the mail worker (internal/mail) drains. Adapters implement it
// over the auth database (declared here, beside OutboxStore, so adapters
// need not import the mail package and its SMTP dependencies), in the table where requests enqueue mail in the
// same transaction as their own change; mailtest.OutboxSuite checks the
// contract. Implementations must be safe for concurrent use by several
// workers and several processes.
//
// A message is in one of three states: pending, sent or parked. A pending
// message is due when its next attempt time (its creation time at first) is
// at or before now. It may be leased to one owner until a time; the lease
// has expired when that time is at or before now. An owner holds a message
// from its claim until another owner claims it or the message leaves the
// pending state: an expired lease that nobody took over still counts, so a
// slow worker's MarkSent succeeds when no harm is done.
type Outbox interface {
	// Claim leases up to n pending messages that are due and not leased (or
	// whose lease has expired) to owner until now+lease, oldest CreatedAt
	// first, and returns them with Attempts as stored. Two owners never hold
	// the same message at once: concurrent claims (PostgreSQL: FOR UPDATE
	// SKIP LOCKED; SQLite: one writer) return disjoint sets.
	Claim(ctx context.Context, owner string, now time.Time, lease time.Duration, n int) ([]OutboxEmail, error)

	// MarkSent records the delivery (time, and one more attempt) of a
	// message owner holds, and erases its bodies, which hold live links;
	// the message is never claimed again. It returns ErrLeaseLost if owner does not hold it.
	MarkSent(ctx context.Context, id, owner string, now time.Time) error

	// Retry releases owner's lease, adds one to Attempts, stores lastErr and
	// makes the message due again at next. It returns ErrLeaseLost if owner
	// does not hold it.
	Retry(ctx context.Context, id, owner string, next time.Time, lastErr string) error

	// Park gives up on a message owner holds, after too many attempts or a
	// permanent failure: it adds one to Attempts, stores lastErr and the
	// time, erases the bodies, and is never claimed again, but stays in the
	// table (recipient, subject, error) for operators. It returns ErrLeaseLost if owner does not hold it.
	Park(ctx context.Context, id, owner string, now time.Time, lastErr string) error

	// Stats counts pending and parked messages.
	Stats(ctx context.Context) (OutboxStats, error)
}
