package auth

import (
	"context"
	"runtime"
	"sync/atomic"
	"time"

	"github.com/bizy-auth/bizy/internal/fault"
)

// ErrBusy is the answer when the hashing gate is full: every slot taken
// and the queue full, or no slot freed within the wait. Clients see a 503
// coded busy with Retry-After: 1.
var ErrBusy = &fault.Error{Kind: fault.Unavailable, Code: "busy",
	Message: "the server is busy checking passwords; retry in a second", RetryAfter: time.Second}

// HashGateConfig sizes a HashGate (HASH_CONCURRENCY, HASH_QUEUE, HASH_WAIT).
type HashGateConfig struct {
	// Concurrency is how many bcrypt operations run at once (at least 1).
	Concurrency int
	// Queue is how many more may wait for a slot (0: none wait).
	Queue int
	// Wait is the longest a queued operation waits before ErrBusy.
	Wait time.Duration
}

// DefaultHashGateConfig is SPEC's default: CPUs − 1 slots (at least one),
// so a login flood leaves a core for everything that does not hash; 64
// waiting; 2 s of wait.
func DefaultHashGateConfig() HashGateConfig {
	return HashGateConfig{Concurrency: max(1, runtime.NumCPU()-1), Queue: 64, Wait: 2 * time.Second}
}

// HashGate bounds the bcrypt work of a service: at most Concurrency
// operations run at once, at most Queue more wait, each for at most Wait.
// bcrypt at cost 12 holds a core for about a quarter of a second, so
// unbounded, a flood of logins takes every core and everything else (the
// health check, token checks, the database driver) queues behind it.
// Every operation goes through the one gate, dummy checks included, so a
// check against the dummy hash waits and answers exactly as a real one
// does. It is safe for concurrent use.
type HashGate struct {
	slots   chan struct{}
	queue   int64
	wait    time.Duration
	waiting atomic.Int64
	// What the operations cost so far (Stats): how many ran, how long
	// they held a slot and the CPU time their threads spent, in ns.
	ops, held, cpu atomic.Int64
}

// HashStats is what a gate's operations have cost since it was made.
// Held and CPU apart tell why a slot was slow: Held well above CPU is
// time the operation's thread waited for a core.
type HashStats struct {
	Ops  int64         // operations run
	Held time.Duration // slot time they took, from taking the slot to freeing it
	CPU  time.Duration // CPU time their threads spent running them (0 where unknown)
}

// NewHashGate returns a gate sized by cfg; Concurrency below 1 counts as
// 1 and a negative Queue as 0.
func NewHashGate(cfg HashGateConfig) *HashGate {
	return &HashGate{slots: make(chan struct{}, max(1, cfg.Concurrency)), queue: int64(max(0, cfg.Queue)), wait: cfg.Wait}
}

// Do runs fn once a slot is free. It returns ErrBusy without running fn
// when the queue is full or no slot frees within the wait, and ctx's error
// when ctx ends first.
func (g *HashGate) Do(ctx context.Context, fn func()) error {
	select {
	case g.slots <- struct{}{}:
	default:
		if err := g.queued(ctx); err != nil {
			return err
		}
	}
	start := time.Now()
	cpu := runLowPriority(fn)
	g.held.Add(int64(time.Since(start)))
	g.cpu.Add(int64(cpu))
	g.ops.Add(1)
	<-g.slots
	return nil
}

// Stats returns what the gate's operations have cost so far. The figures
// only grow, as Prometheus counters do.
func (g *HashGate) Stats() HashStats {
	return HashStats{Ops: g.ops.Load(), Held: time.Duration(g.held.Load()), CPU: time.Duration(g.cpu.Load())}
}

// runLowPriority runs fn on an OS thread of its own whose scheduling
// priority is lowered (lowerThreadPriority), and waits for it. The
// goroutine stays locked to its thread, so the thread, and its priority,
// end with it: no other goroutine ever runs at the lowered priority.
// Starting a thread costs microseconds; a bcrypt check, a quarter of a
// second. It returns the CPU time the thread spent in fn.
func runLowPriority(fn func()) (cpu time.Duration) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		runtime.LockOSThread() // never unlocked: see above
		lowerThreadPriority()
		before := threadCPU()
		fn()
		cpu = threadCPU() - before
	}()
	<-done
	return cpu
}

// queued waits in the queue for a slot, which it then holds.
func (g *HashGate) queued(ctx context.Context) error {
	if g.waiting.Add(1) > g.queue {
		g.waiting.Add(-1)
		return ErrBusy
	}
	defer g.waiting.Add(-1)
	if g.wait <= 0 {
		return ErrBusy
	}
	t := time.NewTimer(g.wait)
	defer t.Stop()
	select {
	case g.slots <- struct{}{}:
		return nil
	case <-t.C:
		return ErrBusy
	case <-ctx.Done():
		return ctx.Err()
	}
}

// InFlight is how many operations hold a slot now.
func (g *HashGate) InFlight() int { return len(g.slots) }

// Waiting is how many operations wait for a slot now.
func (g *HashGate) Waiting() int { return int(g.waiting.Load()) }
