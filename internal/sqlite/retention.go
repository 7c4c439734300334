package sqlite

import (
	"context"
	"fmt"
	"time"

	"github.com/bizy-auth/bizy/internal/auth"
)

// Prune deletes the finished rows p names, as auth.RetentionStore
// documents. SQLite is built without DELETE … LIMIT, so each statement
// deletes the rowids a LIMITed sub-select finds; it commits on its own
// (outside a Tx) and frees the single writer for others between batches.
// Rotated-out refresh hashes go with their session (ON DELETE CASCADE).
func (s *store) Prune(ctx context.Context, p auth.PruneBefore) (auth.PruneCounts, error) {
	var c auth.PruneCounts
	// Each step is one kind of row and one indexed condition (see 0005);
	// a row that matches two steps is deleted, and counted, by the first.
	steps := []struct {
		n     *int
		table string
		where string
		at    time.Time
	}{
		// A revoked session is judged by revoked_at alone, so it stays in
		// the revocation feed for as long as the cutoff allows.
		{&c.Sessions, "sessions", "revoked_at < ?", p.SessionsBefore},
		{&c.Sessions, "sessions", "revoked_at IS NULL AND expires_at < ?", p.SessionsBefore},
		{&c.Tombstones, "session_tombstones", "revoked_at < ?", p.SessionsBefore},
		{&c.Tokens, "user_tokens", "used_at < ?", p.TokensBefore},
		{&c.Tokens, "user_tokens", "expires_at < ?", p.TokensBefore},
		{&c.Outbox, "outbox", "sent_at < ?", p.OutboxBefore},
		{&c.Locks, "login_attempts", "expires_at < ?", p.LocksBefore},
		{&c.Events, "events", "created_at < ?", p.EventsBefore},
	}
	batch := p.Batch()
	for _, st := range steps {
		if st.at.IsZero() {
			continue
		}
		q := `DELETE FROM ` + st.table + ` WHERE rowid IN (SELECT rowid FROM ` + st.table +
			` WHERE ` + st.where + ` LIMIT ?)`
		for {
			res, err := s.write.ExecContext(ctx, q, toDB(st.at), batch)
			if err != nil {
				return c, fmt.Errorf("sqlite: prune %s: %w", st.table, err)
			}
			n, err := res.RowsAffected()
			if err != nil {
				return c, fmt.Errorf("sqlite: prune %s: %w", st.table, err)
			}
			*st.n += int(n)
			if n < int64(batch) {
				break
			}
		}
	}
	return c, nil
}
