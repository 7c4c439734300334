package postgres

import (
	"encoding/binary"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/bizy-auth/bizy/internal/tasks"
)

// A page of tasks is decoded from the rows' raw values rather than through
// rows.Scan: Scan dispatches each of a page's 189 values through pgx's
// scan plans, and copies every text into a new string, the statuses and
// priorities included, which are one of six words. decodeTask does what
// those plans do for these columns (pgtype's TextCodec and
// TimestamptzCodec), and leaves anything else to Scan.

// collectTasks scans rows of taskColumns as collect does, decoding each row
// with decodeTask when the columns are as it expects.
func collectTasks(rows pgx.Rows, n int) ([]tasks.Task, error) {
	defer rows.Close()
	raw := rawTaskColumns(rows.FieldDescriptions())
	out := make([]tasks.Task, 0, n)
	for rows.Next() {
		out = append(out, tasks.Task{})
		t := &out[len(out)-1]
		if raw && decodeTask(rows.RawValues(), t) {
			continue
		}
		if err := scanTaskTo(rows, t); err != nil {
			return nil, err
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

// rawTaskColumns reports whether fields are taskColumns as decodeTask reads
// them: seven texts, then two timestamptz in binary.
func rawTaskColumns(fields []pgconn.FieldDescription) bool {
	if len(fields) != 9 {
		return false
	}
	for i, f := range fields {
		switch {
		case i < 7 && f.DataTypeOID != pgtype.TextOID:
			return false
		case i >= 7 && (f.DataTypeOID != pgtype.TimestamptzOID || f.Format != pgx.BinaryFormatCode):
			return false
		}
	}
	return true
}

// decodeTask reads one row of taskColumns from its raw values into t, as
// scanTaskTo would, or reports false, leaving the row to scanTaskTo, for a
// NULL, an infinite time or one pgx would refuse.
func decodeTask(v [][]byte, t *tasks.Task) bool {
	for _, b := range v {
		if b == nil {
			return false
		}
	}
	created, ok := timestamptz(v[7])
	if !ok {
		return false
	}
	updated, ok := timestamptz(v[8])
	if !ok {
		return false
	}
	*t = tasks.Task{ID: string(v[0]), Title: string(v[1]), Description: string(v[2]),
		Status: word(v[3]), Priority: word(v[4]), DueDate: string(v[5]), GoalID: string(v[6]),
		CreatedAt: created, UpdatedAt: updated}
	return true
}

// Microseconds from the Unix epoch to PostgreSQL's, 2000-01-01 UTC.
const pgEpochMicros = 946_684_800 * 1_000_000

// timestamptz decodes a binary timestamptz, microseconds since 2000, into
// UTC. Infinities, and times beyond what PostgreSQL stores (which pgx
// refuses), are not decoded.
func timestamptz(b []byte) (time.Time, bool) {
	if len(b) != 8 {
		return time.Time{}, false
	}
	us := int64(binary.BigEndian.Uint64(b))
	// PostgreSQL keeps 4713 BC to 294276 AD, within ±10^16 µs of 2000.
	if us < -1e16 || us > 1e16 {
		return time.Time{}, false
	}
	return time.UnixMicro(us + pgEpochMicros).UTC(), true
}

// words are the statuses and priorities the table allows.
var words = [...]string{tasks.StatusTodo, tasks.StatusInProgress, tasks.StatusDone,
	tasks.PriorityLow, tasks.PriorityMedium, tasks.PriorityHigh}

// word returns b as a string, without a copy when it is one of words.
func word(b []byte) string {
	for _, w := range words {
		if string(b) == w {
			return w
		}
	}
	return string(b)
}
