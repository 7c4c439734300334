package auth

import (
	"context"
	"sync"
	"sync/atomic"
	"time"
)

// Background jobs: the work forgot-password and resend-verification do
// after answering (look the address up, queue a mail). Their answer must
// not depend on that work, nor on how much of it is waiting: a request
// only appends its job to a bounded queue, which never blocks, and a few
// workers drain it.
const (
	// backgroundQueue is how many jobs may wait. Past it a job is dropped
	// (logged, counted in bizy_background_jobs_dropped_total): the request
	// still gets its 202, as the rate limits would have refused it anyway
	// under such a flood.
	backgroundQueue = 1024
	// backgroundWorkers bounds the jobs running at once; each holds a
	// database connection for a moment.
	backgroundWorkers = 2
	// backgroundTimeout bounds each job once it starts.
	backgroundTimeout = 30 * time.Second
)

// jobQueue runs jobs on at most max workers, started on demand and gone
// when the queue is empty, keeping at most limit jobs waiting.
type jobQueue struct {
	max     int
	limit   int
	mu      sync.Mutex
	pending []func()
	running int
	wg      sync.WaitGroup // one per job queued and not yet done
	dropped atomic.Uint64
}

// add queues fn unless limit jobs are waiting already; it never blocks.
func (q *jobQueue) add(fn func()) bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	if len(q.pending) >= q.limit {
		q.dropped.Add(1)
		return false
	}
	q.pending = append(q.pending, fn)
	q.wg.Add(1)
	if q.running < q.max {
		q.running++
		go q.work()
	}
	return true
}

// work runs queued jobs until none is left.
func (q *jobQueue) work() {
	for {
		q.mu.Lock()
		if len(q.pending) == 0 {
			q.running--
			q.mu.Unlock()
			return
		}
		fn := q.pending[0]
		q.pending[0] = nil
		q.pending = q.pending[1:]
		q.mu.Unlock()
		fn()
		q.wg.Done()
	}
}

// background runs fn after the request that asked for it has been
// answered, so its answer and timing cannot depend on what fn finds or on
// how many jobs wait. fn keeps the request's values (its request ID) but
// not its cancellation. When the queue is full fn is dropped and logged.
func (s *Service) background(ctx context.Context, fn func(context.Context) error) {
	ctx = context.WithoutCancel(ctx)
	ok := s.jobs.add(func() {
		ctx, cancel := context.WithTimeout(ctx, backgroundTimeout)
		defer cancel()
		if err := fn(ctx); err != nil {
			s.log.ErrorContext(ctx, "background job failed", "err", err)
		}
	})
	if !ok {
		s.log.WarnContext(ctx, "background queue full; job dropped", "queue", backgroundQueue)
	}
}

// Wait blocks until every queued background job has finished; servers
// call it on shutdown and tests before looking at what a job did.
func (s *Service) Wait() { s.jobs.wg.Wait() }

// BackgroundDropped returns how many background jobs were dropped because
// the queue was full (bizy_background_jobs_dropped_total). It is safe for
// concurrent use.
func (s *Service) BackgroundDropped() uint64 { return s.jobs.dropped.Load() }
