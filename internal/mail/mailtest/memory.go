package mailtest

import (
	"cmp"
	"context"
	"errors"
	"slices"
	"sync"
	"time"

	"github.com/bizy-auth/bizy/internal/auth"
)

// Memory is an in-memory auth.Outbox for tests; it passes OutboxSuite. Its
// zero value is an empty outbox ready to use, and it is safe for concurrent
// use. Unlike the database adapters it does not survive a restart.
type Memory struct {
	mu   sync.Mutex
	msgs map[string]*MemoryRecord
	seq  int // insertion order, to break CreatedAt ties
}

// MemoryRecord is the state Memory keeps of one message; Record returns a
// copy for tests to inspect.
type MemoryRecord struct {
	Msg        auth.OutboxEmail // Attempts is kept current
	NextAt     time.Time        // due at or after this time
	Owner      string           // lease owner; "" when not leased
	LeaseUntil time.Time
	LastErr    string
	SentAt     time.Time // zero while not sent
	ParkedAt   time.Time // zero while not parked
	seq        int
}

func (r *MemoryRecord) pending() bool { return r.SentAt.IsZero() && r.ParkedAt.IsZero() }

// Enqueue adds m, due at m.CreatedAt. It returns an error if m.ID is empty
// or already present.
func (o *Memory) Enqueue(_ context.Context, m auth.OutboxEmail) error {
	if m.ID == "" {
		return errors.New("mailtest: empty message id")
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.msgs == nil {
		o.msgs = make(map[string]*MemoryRecord)
	}
	if _, ok := o.msgs[m.ID]; ok {
		return errors.New("mailtest: duplicate message id " + m.ID)
	}
	o.seq++
	o.msgs[m.ID] = &MemoryRecord{Msg: m, NextAt: m.CreatedAt, seq: o.seq}
	return nil
}

// Record returns a copy of the state of message id, and whether it exists.
func (o *Memory) Record(id string) (MemoryRecord, bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	r, ok := o.msgs[id]
	if !ok {
		return MemoryRecord{}, false
	}
	return *r, true
}

// Claim implements auth.Outbox.
func (o *Memory) Claim(ctx context.Context, owner string, now time.Time, lease time.Duration, n int) ([]auth.OutboxEmail, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if n <= 0 {
		return []auth.OutboxEmail{}, nil
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	var due []*MemoryRecord
	for _, r := range o.msgs {
		if r.pending() && !r.NextAt.After(now) && (r.Owner == "" || !r.LeaseUntil.After(now)) {
			due = append(due, r)
		}
	}
	slices.SortFunc(due, func(a, b *MemoryRecord) int {
		return cmp.Or(a.Msg.CreatedAt.Compare(b.Msg.CreatedAt), cmp.Compare(a.seq, b.seq))
	})
	out := []auth.OutboxEmail{}
	for _, r := range due[:min(n, len(due))] {
		r.Owner, r.LeaseUntil = owner, now.Add(lease)
		out = append(out, r.Msg)
	}
	return out, nil
}

// held returns the record of id if owner holds it.
func (o *Memory) held(id, owner string) (*MemoryRecord, error) {
	r, ok := o.msgs[id]
	if !ok || !r.pending() || r.Owner == "" || r.Owner != owner {
		return nil, auth.ErrLeaseLost
	}
	return r, nil
}

// MarkSent implements auth.Outbox.
func (o *Memory) MarkSent(ctx context.Context, id, owner string, now time.Time) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	r, err := o.held(id, owner)
	if err != nil {
		return err
	}
	r.Msg.Attempts++
	r.SentAt, r.Owner = now, ""
	return nil
}

// Retry implements auth.Outbox.
func (o *Memory) Retry(ctx context.Context, id, owner string, next time.Time, lastErr string) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	r, err := o.held(id, owner)
	if err != nil {
		return err
	}
	r.Msg.Attempts++
	r.NextAt, r.LastErr, r.Owner, r.LeaseUntil = next, lastErr, "", time.Time{}
	return nil
}

// Park implements auth.Outbox.
func (o *Memory) Park(ctx context.Context, id, owner string, now time.Time, lastErr string) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	r, err := o.held(id, owner)
	if err != nil {
		return err
	}
	r.Msg.Attempts++
	r.ParkedAt, r.LastErr, r.Owner = now, lastErr, ""
	return nil
}

// Stats implements auth.Outbox.
func (o *Memory) Stats(ctx context.Context) (auth.OutboxStats, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	var s auth.OutboxStats
	for _, r := range o.msgs {
		switch {
		case r.pending():
			s.Pending++
		case !r.ParkedAt.IsZero():
			s.Parked++
		}
	}
	return s, nil
}
