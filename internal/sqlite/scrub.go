package sqlite

import (
	"context"
	"sync"
	"time"
)

// scrubDelay is how long after an erasure the WAL is checkpointed and
// truncated. Erasures close together (a worker sending a batch) share one
// checkpoint.
const scrubDelay = time.Second

// scrubTimeout bounds one checkpoint, which holds the write connection.
const scrubTimeout = 5 * time.Second

// walScrubber empties the WAL soon after erased content (a sent message's
// bodies, with their live links) was written over. secure_delete overwrites
// the database file's free space, but the WAL keeps the frames that held
// the old page until a checkpoint restarts it, which on a quiet server may
// be never; a copy of the -wal file would then still give the link away.
// A TRUNCATE checkpoint copies the frames into the file (where
// secure_delete has already overwritten the old content) and cuts the WAL
// to zero bytes. It is safe for concurrent use.
type walScrubber struct {
	mu      sync.Mutex
	timer   *time.Timer // the scheduled checkpoint, or nil
	stopped bool
	run     func(ctx context.Context) error
}

// soon schedules a checkpoint scrubDelay from now unless one is already due.
func (s *walScrubber) soon() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stopped || s.timer != nil {
		return
	}
	s.timer = time.AfterFunc(scrubDelay, func() {
		s.mu.Lock()
		s.timer = nil
		s.mu.Unlock()
		ctx, cancel := context.WithTimeout(context.Background(), scrubTimeout)
		defer cancel()
		// Best effort: a checkpoint that a long reader keeps from finishing
		// is tried again after the next erasure.
		_ = s.run(ctx)
	})
}

// stop cancels a scheduled checkpoint; later calls of soon do nothing.
func (s *walScrubber) stop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stopped = true
	if s.timer != nil {
		s.timer.Stop()
		s.timer = nil
	}
}

// checkpointTruncate copies the whole WAL into the database file and
// empties it.
func (db *DB) checkpointTruncate(ctx context.Context) error {
	_, err := db.write.ExecContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)")
	return err
}
