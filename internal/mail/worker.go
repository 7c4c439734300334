package mail

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"log/slog"
	mrand "math/rand/v2"
	"os"
	"sync/atomic"
	"time"

	"github.com/bizy-auth/bizy/internal/auth"
)

// WorkerConfig tunes a Worker. Zero fields take the defaults shown.
type WorkerConfig struct {
	From  string // sender address, MAIL_FROM
	Owner string // lease owner name; default: hostname plus random hex, unique per Worker

	Lease        time.Duration // how long a claim holds messages; default 1m, at least 2×SendTimeout
	Batch        int           // messages per claim; default 10
	PollInterval time.Duration // wait between claims when idle; default 2s
	SendTimeout  time.Duration // bound on one Send; default 15s
	MaxAttempts  int           // attempts before parking; default 15 (about 6 h of back-off)
	BaseBackoff  time.Duration // wait after the first failure; default 10s
	MaxBackoff   time.Duration // cap on the wait before jitter; default 1h

	// Now is the clock; default time.Now. Tests pass a fake clock.
	Now func() time.Time
	// After waits between polls; default time.After. Tests pass a channel
	// they control so that Run never sleeps.
	After func(time.Duration) <-chan time.Time
	// Rand returns a number in [0, 1) for the back-off jitter; default
	// math/rand/v2.Float64.
	Rand func() float64
}

func (c *WorkerConfig) setDefaults() {
	if c.Owner == "" {
		host, _ := os.Hostname()
		var b [6]byte
		_, _ = rand.Read(b[:]) // crypto/rand.Read never fails on supported platforms
		c.Owner = host + "-" + hex.EncodeToString(b[:])
	}
	setDefault(&c.SendTimeout, 15*time.Second)
	setDefault(&c.Lease, time.Minute)
	// The worker sends only while SendTimeout fits in the rest of the lease;
	// a shorter lease would let it send nothing.
	c.Lease = max(c.Lease, 2*c.SendTimeout)
	setDefault(&c.Batch, 10)
	setDefault(&c.PollInterval, 2*time.Second)
	setDefault(&c.MaxAttempts, 15)
	setDefault(&c.BaseBackoff, 10*time.Second)
	setDefault(&c.MaxBackoff, time.Hour)
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.After == nil {
		c.After = time.After
	}
	if c.Rand == nil {
		c.Rand = mrand.Float64
	}
}

func setDefault[T int | time.Duration](v *T, def T) {
	if *v <= 0 {
		*v = def
	}
}

// Counts are the Worker's running totals since it was made.
type Counts struct {
	Sent         uint64 // messages the Sender accepted
	Retried      uint64 // failed attempts scheduled again
	Parked       uint64 // messages given up on
	LeaseLost    uint64 // outbox updates refused with auth.ErrLeaseLost
	OutboxErrors uint64 // other outbox failures (claim or update)
}

// Worker delivers the outbox: it claims due messages under a lease, sends
// each through its Sender, and marks it sent, schedules a retry with
// exponential back-off, or parks it. Several Workers, in one process or
// many, may drain one outbox; the lease keeps them from sending a message
// twice. Its methods are safe for concurrent use.
type Worker struct {
	log  *slog.Logger
	ob   auth.Outbox
	s    Sender
	cfg  WorkerConfig
	wake chan struct{}

	sent, retried, parked, leaseLost, outboxErrors atomic.Uint64
}

// NewWorker returns a Worker that drains ob through s. Zero fields of cfg
// take their defaults (see WorkerConfig).
func NewWorker(log *slog.Logger, ob auth.Outbox, s Sender, cfg WorkerConfig) *Worker {
	cfg.setDefaults()
	return &Worker{
		log:  log.With(slog.String("component", "mail"), slog.String("owner", cfg.Owner)),
		ob:   ob,
		s:    s,
		cfg:  cfg,
		wake: make(chan struct{}, 1),
	}
}

// Run delivers mail until ctx ends: a round of RunOnce, then, unless the
// round was full, a wait for PollInterval or Wake. When ctx ends it lets the
// message in flight finish (send and record) and returns nil; messages
// claimed but not started stay leased and go out, by this or another
// worker, once the lease expires. auth.Outbox errors are logged and retried at
// the next poll, so Run returns no other error.
func (w *Worker) Run(ctx context.Context) error {
	w.log.InfoContext(ctx, "mail worker started")
	defer w.log.Info("mail worker stopped")
	for {
		n, err := w.RunOnce(ctx)
		if ctx.Err() != nil {
			return nil
		}
		if err != nil {
			w.log.ErrorContext(ctx, "mail outbox claim failed", slog.Any("err", err))
		}
		if err == nil && n >= w.cfg.Batch {
			continue // a full batch: more may be due right now
		}
		select {
		case <-ctx.Done():
			return nil
		case <-w.wake:
		case <-w.cfg.After(w.cfg.PollInterval):
		}
	}
}

// Wake asks Run to poll now rather than at the end of its wait, so a
// message enqueued by a request goes out at once. It never blocks; wakes
// sent while Run is busy collapse into one.
func (w *Worker) Wake() {
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// RunOnce claims up to Batch due messages and delivers them one by one. It
// returns how many it claimed, and an error only when the claim failed;
// delivery failures are recorded in the outbox and logged. It stops early,
// leaving the rest to their lease, when ctx ends or when the lease has too
// little time left for another send (so no other worker can have taken the
// message meanwhile).
func (w *Worker) RunOnce(ctx context.Context) (int, error) {
	now := w.cfg.Now()
	msgs, err := w.ob.Claim(ctx, w.cfg.Owner, now, w.cfg.Lease, w.cfg.Batch)
	if err != nil {
		w.outboxErrors.Add(1)
		return 0, err
	}
	leaseEnd := now.Add(w.cfg.Lease)
	for i, m := range msgs {
		if ctx.Err() != nil {
			break
		}
		if w.cfg.Now().Add(w.cfg.SendTimeout).After(leaseEnd) {
			w.log.WarnContext(ctx, "mail lease running out; leaving messages for a later claim",
				slog.Int("left", len(msgs)-i))
			break
		}
		w.deliver(ctx, m)
	}
	return len(msgs), nil
}

// deliver makes one attempt and records its outcome. It ignores the
// cancellation of ctx, so that a shutdown lets the attempt finish and be
// recorded; the timeouts bound it instead.
func (w *Worker) deliver(ctx context.Context, m auth.OutboxEmail) {
	id, to := m.ID, m.Email.To
	ctx = context.WithoutCancel(ctx)
	log := w.log.With(slog.String("message_id", id), slog.String("recipient_domain", recipientDomain(to)))

	sendCtx, cancel := context.WithTimeout(ctx, w.cfg.SendTimeout)
	err := w.s.Send(sendCtx, w.cfg.From, m.Email, id)
	cancel()

	obCtx, cancel := context.WithTimeout(ctx, w.cfg.SendTimeout)
	defer cancel()
	attempts := m.Attempts + 1
	now := w.cfg.Now()
	if err == nil {
		w.sent.Add(1)
		log.InfoContext(ctx, "mail sent", slog.Int("attempt", attempts))
		// If this fails the lease runs out and the message goes again; its
		// Message-ID stays the same so receivers can drop the copy.
		w.record(obCtx, log, "mark sent", w.ob.MarkSent(obCtx, id, w.cfg.Owner, now))
		return
	}

	lastErr := redact(err.Error(), to)
	if permanent := Permanent(err); permanent || attempts >= w.cfg.MaxAttempts {
		w.parked.Add(1)
		log.ErrorContext(ctx, "mail parked: giving up",
			slog.Int("attempts", attempts), slog.Bool("permanent", permanent), slog.String("err", lastErr))
		w.record(obCtx, log, "park", w.ob.Park(obCtx, id, w.cfg.Owner, now, lastErr))
		return
	}
	next := now.Add(w.backoff(attempts))
	w.retried.Add(1)
	log.WarnContext(ctx, "mail delivery failed; will retry",
		slog.Int("attempt", attempts), slog.Time("next_attempt", next), slog.String("err", lastErr))
	w.record(obCtx, log, "retry", w.ob.Retry(obCtx, id, w.cfg.Owner, next, lastErr))
}

// record counts and logs a failed outbox update.
func (w *Worker) record(ctx context.Context, log *slog.Logger, op string, err error) {
	switch {
	case err == nil:
	case errors.Is(err, auth.ErrLeaseLost):
		w.leaseLost.Add(1)
		log.WarnContext(ctx, "mail outbox "+op+": lease lost; another worker may send this message again")
	default:
		w.outboxErrors.Add(1)
		log.ErrorContext(ctx, "mail outbox "+op+" failed", slog.Any("err", err))
	}
}

// backoff returns the wait after the given failed attempt (1 for the
// first): BaseBackoff·2^(attempts-1), capped at MaxBackoff, then spread by
// ±20% so that messages failed together do not retry together.
func (w *Worker) backoff(attempts int) time.Duration {
	d := w.cfg.BaseBackoff
	for i := 1; i < attempts && d < w.cfg.MaxBackoff; i++ {
		d *= 2
	}
	d = min(d, w.cfg.MaxBackoff)
	return time.Duration(float64(d) * (0.8 + 0.4*w.cfg.Rand()))
}

// Counts returns the running totals. The fields are read one by one, so a
// concurrent delivery may show in one field and not yet in another.
func (w *Worker) Counts() Counts {
	return Counts{
		Sent:         w.sent.Load(),
		Retried:      w.retried.Load(),
		Parked:       w.parked.Load(),
		LeaseLost:    w.leaseLost.Load(),
		OutboxErrors: w.outboxErrors.Load(),
	}
}
