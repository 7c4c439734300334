package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/bizy-auth/bizy/internal/auth"
)

// Prune deletes the finished rows p names, as auth.RetentionStore
// documents. Each statement deletes, by primary key, at most one batch of
// rows that a sub-select locks with FOR UPDATE SKIP LOCKED: it waits on no
// row another transaction holds, concurrent pruners take disjoint batches,
// and a row changed meanwhile is re-checked before it goes. Outside a Tx
// each statement commits on its own. Rotated-out refresh hashes go with
// their session (ON DELETE CASCADE).
func (s *store) Prune(ctx context.Context, p auth.PruneBefore) (auth.PruneCounts, error) {
	var c auth.PruneCounts
	// Each step is one kind of row and one indexed condition (see 0005);
	// a row that matches two steps is deleted, and counted, by the first.
	steps := []struct {
		n     *int
		table string
		key   string
		where string
		at    time.Time
	}{
		// A revoked session is judged by revoked_at alone, so it stays in
		// the revocation feed for as long as the cutoff allows.
		{&c.Sessions, "sessions", "id", "revoked_at < $1", p.SessionsBefore},
		{&c.Sessions, "sessions", "id", "revoked_at IS NULL AND expires_at < $1", p.SessionsBefore},
		{&c.Tombstones, "session_tombstones", "id", "revoked_at < $1", p.SessionsBefore},
		{&c.Tokens, "user_tokens", "hash", "used_at < $1", p.TokensBefore},
		{&c.Tokens, "user_tokens", "hash", "expires_at < $1", p.TokensBefore},
		{&c.Outbox, "outbox", "id", "sent_at < $1", p.OutboxBefore},
		// login_attempts has a two-column key; its ctid names a row as well
		// within the one statement.
		{&c.Locks, "login_attempts", "ctid", "expires_at < $1", p.LocksBefore},
		{&c.Events, "events", "id", "created_at < $1", p.EventsBefore},
	}
	batch := p.Batch()
	for _, st := range steps {
		if st.at.IsZero() {
			continue
		}
		q := `DELETE FROM ` + st.table + ` WHERE ` + st.key + ` IN (SELECT ` + st.key + ` FROM ` + st.table +
			` WHERE ` + st.where + ` LIMIT $2 FOR UPDATE SKIP LOCKED)`
		for {
			tag, err := s.q.Exec(ctx, q, st.at, batch)
			if err != nil {
				return c, fmt.Errorf("postgres: prune %s: %w", st.table, err)
			}
			n := tag.RowsAffected()
			*st.n += int(n)
			if n < int64(batch) {
				break
			}
		}
	}
	return c, nil
}
