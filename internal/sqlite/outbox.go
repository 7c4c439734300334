package sqlite

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/bizy-auth/bizy/internal/auth"
	"github.com/bizy-auth/bizy/internal/sealed"
)

// EnqueueEmail stores m in the outbox, due at m.CreatedAt. Called through
// the Store a Tx gives, the message commits or rolls back with the rest of
// the transaction. An id already stored gives an error matching
// auth.ErrConflict.
func (s *store) EnqueueEmail(ctx context.Context, m auth.OutboxEmail) error {
	_, err := s.write.ExecContext(ctx, `INSERT INTO outbox (id, recipient, subject,
		text_body, html_body, created_at, attempts, next_attempt_at)
		VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?6)`,
		m.ID, m.Email.To, m.Email.Subject, sealed.SealText(s.db.box, m.Email.Text, "outbox", "text_body", m.ID),
		sealed.SealText(s.db.box, m.Email.HTML, "outbox", "html_body", m.ID), toDB(m.CreatedAt), m.Attempts)
	switch {
	case isUnique(err):
		return fmt.Errorf("sqlite: enqueue email: %w", auth.ErrConflict)
	case err != nil:
		return fmt.Errorf("sqlite: enqueue email: %w", err)
	}
	return nil
}

// Outbox returns the delivery side of the outbox kept in this database, the
// table the auth store's EnqueueEmail writes to. MigrateAuth must have run.
// It is safe for concurrent use, also by several processes sharing the file.
func (db *DB) Outbox() auth.Outbox {
	return &outbox{db: db}
}

// outbox implements auth.Outbox. Each method is one statement on the single
// write connection, so SQLite runs them one at a time, and across processes
// the file's write lock does the same.
type outbox struct {
	db *DB
}

// pending is the condition a message must meet to be worked on.
const pending = `sent_at IS NULL AND parked_at IS NULL`

// Claim leases up to n due, unleased (or expired) pending messages to owner
// until now+lease and returns them oldest first. lease must be positive.
func (o *outbox) Claim(ctx context.Context, owner string, now time.Time, lease time.Duration, n int) ([]auth.OutboxEmail, error) {
	if lease <= 0 {
		return nil, fmt.Errorf("sqlite: claim: lease %v is not positive", lease)
	}
	if n <= 0 {
		return nil, nil
	}
	rows, err := o.db.write.QueryContext(ctx, `UPDATE outbox SET lease_owner = ?1, lease_until = ?2
		WHERE id IN (SELECT id FROM outbox
			WHERE `+pending+` AND next_attempt_at <= ?3
				AND (lease_until IS NULL OR lease_until <= ?3)
			ORDER BY created_at, id LIMIT ?4)
		RETURNING id, recipient, subject, text_body, html_body, created_at, attempts`,
		owner, toDB(now.Add(lease)), toDB(now), n)
	if err != nil {
		return nil, fmt.Errorf("sqlite: claim: %w", err)
	}
	defer rows.Close()
	var ms []auth.OutboxEmail
	for rows.Next() {
		var m auth.OutboxEmail
		var created int64
		if err := rows.Scan(&m.ID, &m.Email.To, &m.Email.Subject, &m.Email.Text,
			&m.Email.HTML, &created, &m.Attempts); err != nil {
			return nil, fmt.Errorf("sqlite: claim: %w", err)
		}
		m.CreatedAt = fromDB(created)
		if m.Email.Text, err = sealed.OpenText(o.db.box, m.Email.Text, "outbox", "text_body", m.ID); err != nil {
			return nil, err
		}
		if m.Email.HTML, err = sealed.OpenText(o.db.box, m.Email.HTML, "outbox", "html_body", m.ID); err != nil {
			return nil, err
		}
		ms = append(ms, m)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: claim: %w", err)
	}
	// RETURNING gives rows in no promised order.
	slices.SortFunc(ms, compareOutbox)
	return ms, nil
}

// compareOutbox orders messages oldest first, then by id, as Claim picks
// them.
func compareOutbox(a, b auth.OutboxEmail) int {
	return cmp.Or(a.CreatedAt.Compare(b.CreatedAt), cmp.Compare(a.ID, b.ID))
}

// MarkSent records that the message id, held by owner, was delivered at now.
// It erases the bodies, which hold live links (tokens are otherwise stored
// only hashed); recipient, subject and times stay for operators.
// It returns an error matching auth.ErrLeaseLost if owner does not hold it.
func (o *outbox) MarkSent(ctx context.Context, id, owner string, now time.Time) error {
	err := o.finish(ctx, "mark sent", id, `sent_at = ?3, text_body = '', html_body = ''`, owner, toDB(now))
	if err == nil {
		o.db.scrub.soon()
	}
	return err
}

// Retry releases owner's lease on the message id, counts the attempt, keeps
// lastErr and makes the message due at next. It returns an error matching
// auth.ErrLeaseLost if owner does not hold it.
func (o *outbox) Retry(ctx context.Context, id, owner string, next time.Time, lastErr string) error {
	return o.finish(ctx, "retry", id, `lease_owner = NULL, lease_until = NULL,
		attempts = attempts + 1, next_attempt_at = ?3, last_error = ?4`, owner, toDB(next), lastErr)
}

// Park gives up on the message id, held by owner, at now: it counts the
// attempt, keeps lastErr and is never claimed again. It returns an error
// matching auth.ErrLeaseLost if owner does not hold it.
func (o *outbox) Park(ctx context.Context, id, owner string, now time.Time, lastErr string) error {
	err := o.finish(ctx, "park", id, `parked_at = ?3, attempts = attempts + 1, text_body = '', html_body = '',
		last_error = ?4`, owner, toDB(now), lastErr)
	if err == nil {
		o.db.scrub.soon()
	}
	return err
}

// finish applies set (whose parameters start at ?3) to the message id if it
// is pending and leased to owner. The lease's end is not checked: an owner
// keeps a message whose lease expired until someone else claims it.
func (o *outbox) finish(ctx context.Context, op, id, set, owner string, args ...any) error {
	res, err := o.db.write.ExecContext(ctx, `UPDATE outbox SET `+set+`
		WHERE id = ?1 AND lease_owner = ?2 AND `+pending, append([]any{id, owner}, args...)...)
	if err != nil {
		return fmt.Errorf("sqlite: %s: %w", op, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("sqlite: %s: %w", op, err)
	}
	if n == 0 {
		return fmt.Errorf("sqlite: %s %q: %w", op, id, auth.ErrLeaseLost)
	}
	return nil
}

// Stats counts pending and parked messages.
func (o *outbox) Stats(ctx context.Context) (auth.OutboxStats, error) {
	var st auth.OutboxStats
	err := o.db.read.QueryRowContext(ctx, `SELECT
		(SELECT count(*) FROM outbox WHERE `+pending+`),
		(SELECT count(*) FROM outbox WHERE parked_at IS NOT NULL)`).Scan(&st.Pending, &st.Parked)
	if err != nil {
		return auth.OutboxStats{}, fmt.Errorf("sqlite: outbox stats: %w", err)
	}
	return st, nil
}
