package main

import (
	"context"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"golang.org/x/crypto/bcrypt"
)

// dataSize is how much the generator adds for the scale rows: users, tasks
// spread over them, and tasks of the bench user (the deep pages).
type dataSize struct {
	users, tasks, benchTasks int
}

// generate fills the PostgreSQL database at dbURL, already migrated by a
// `bizy serve`, with size's rows through COPY. Every generated user shares
// one bcrypt hash of benchPassword at cost 10, computed once: hashing a
// million passwords would take days on this machine and tests nothing the
// rows don't. Both tables' secondary indexes are dropped for the COPY and
// rebuilt after from their own definitions (pg_indexes), which is many
// times faster than updating them row by row and leaves the same schema. It returns the id of the bench user's oldest generated task but
// pageSize, the start of the deepest page.
func generate(ctx context.Context, dbURL, benchUserID string, size dataSize, pageSize int) (string, error) {
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		return "", err
	}
	defer conn.Close(ctx)
	hash, err := bcrypt.GenerateFromPassword([]byte(benchPassword), 10)
	if err != nil {
		return "", err
	}
	ids := newIDs(time.Now().Add(-365 * 24 * time.Hour))
	now := time.Now().UTC()

	// Both tables' secondary indexes (on users: the unique lookups and the
	// search's trigram GIN indexes, which alone cost minutes a million rows
	// when kept current row by row) go for the COPY and come back after.
	var defs []string
	for _, table := range []string{"users", "tasks"} {
		d, err := dropSecondaryIndexes(ctx, conn, table)
		if err != nil {
			return "", err
		}
		defs = append(defs, d...)
	}
	userIDs := make([]string, size.users)
	n := 0
	_, err = conn.CopyFrom(ctx, pgx.Identifier{"users"},
		[]string{"id", "username", "username_lower", "email", "email_verified", "is_admin", "disabled", "password_hash", "created_at", "updated_at"},
		pgx.CopyFromFunc(func() ([]any, error) {
			if n == size.users {
				return nil, nil
			}
			id, name := ids.next(), fmt.Sprintf("user%08d", n)
			userIDs[n] = id
			n++
			return []any{id, name, name, name + "@example.com", true, false, false, hash, now, now}, nil
		}))
	if err != nil {
		return "", fmt.Errorf("copy users: %w", err)
	}

	// The bench user's tasks come first, so they are older than the 20 the
	// seed made through the API and the deep pages lie behind those.
	var deep string
	statuses, priorities := []string{"todo", "in_progress", "done"}, []string{"low", "medium", "high"}
	n = 0
	total := size.benchTasks + size.tasks
	_, err = conn.CopyFrom(ctx, pgx.Identifier{"tasks"},
		[]string{"id", "user_id", "title", "status", "priority", "created_at", "updated_at"},
		pgx.CopyFromFunc(func() ([]any, error) {
			if n == total {
				return nil, nil
			}
			owner := benchUserID
			if n >= size.benchTasks && size.users > 0 {
				owner = userIDs[rand.IntN(size.users)]
			}
			id := ids.next()
			if n == pageSize {
				deep = id // the bench user's tasks are listed newest first: this starts the last page
			}
			n++
			return []any{id, owner, "generated task", statuses[n%3], priorities[n%3], now, now}, nil
		}))
	if err != nil {
		return "", fmt.Errorf("copy tasks: %w", err)
	}
	for _, def := range defs {
		if _, err := conn.Exec(ctx, def); err != nil {
			return "", fmt.Errorf("rebuild index: %w", err)
		}
	}
	// VACUUM as well as ANALYZE: rows just copied have no hint bits and
	// their tables no visibility map, so without it the first reads of the
	// large-data loads write every page they touch, and autovacuum's pass
	// over ten million new rows (inserts trigger it since PostgreSQL 13)
	// runs beside the loads. A database that has held its rows for a while
	// has had both done; the scale rows measure that steady state.
	if _, err := conn.Exec(ctx, "VACUUM (ANALYZE) users"); err != nil {
		return "", err
	}
	if _, err := conn.Exec(ctx, "VACUUM (ANALYZE) tasks"); err != nil {
		return "", err
	}
	return deep, nil
}

// dropSecondaryIndexes drops table's indexes that back no constraint and
// returns their CREATE INDEX statements.
func dropSecondaryIndexes(ctx context.Context, conn *pgx.Conn, table string) ([]string, error) {
	rows, err := conn.Query(ctx, `SELECT i.indexname, i.indexdef FROM pg_indexes i
		WHERE i.schemaname = current_schema() AND i.tablename = $1
		AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)`, table)
	if err != nil {
		return nil, err
	}
	type index struct{ name, def string }
	idx, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (index, error) {
		var i index
		return i, r.Scan(&i.name, &i.def)
	})
	if err != nil {
		return nil, err
	}
	var defs []string
	for _, i := range idx {
		if _, err := conn.Exec(ctx, "DROP INDEX "+pgx.Identifier{i.name}.Sanitize()); err != nil {
			return nil, err
		}
		defs = append(defs, i.def)
	}
	return defs, nil
}

// ids makes UUIDv7 strings in increasing order from a start time, one
// millisecond apart, as the services' own ids would be had the rows been
// created one by one; ids sort byte-wise in creation order.
type ids struct{ ms uint64 }

func newIDs(start time.Time) *ids { return &ids{ms: uint64(start.UnixMilli())} }

func (g *ids) next() string {
	var u uuid.UUID
	g.ms++
	binary.BigEndian.PutUint64(u[0:8], g.ms<<16|uint64(rand.Uint32()&0x0fff)|0x7000)
	binary.BigEndian.PutUint64(u[8:16], rand.Uint64()&0x3fffffffffffffff|0x8000000000000000)
	return u.String()
}
