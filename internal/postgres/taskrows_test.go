package postgres

import (
	"encoding/binary"
	"math"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgtype"
)

// TestTimestamptz checks the binary timestamptz decoder against pgx's own
// codec, and that it declines what pgx refuses or reads as infinity.
func TestTimestamptz(t *testing.T) {
	m := pgtype.NewMap()
	for _, us := range []int64{0, 1, -1, 123456789, -946_684_800_000_000, 849_000_000_000_000,
		1e16, -1e16, 7e15 + 999_999} {
		b := binary.BigEndian.AppendUint64(nil, uint64(us))
		got, ok := timestamptz(b)
		var want time.Time
		err := m.Scan(pgtype.TimestamptzOID, pgtype.BinaryFormatCode, b, &want)
		if !ok || err != nil || !got.Equal(want) || got.Location() != time.UTC {
			t.Errorf("timestamptz(%d) = %v, %v; pgx %v, %v", us, got, ok, want, err)
		}
	}
	for _, us := range []int64{math.MaxInt64, math.MinInt64, 1e16 + 1, -1e16 - 1} {
		if got, ok := timestamptz(binary.BigEndian.AppendUint64(nil, uint64(us))); ok {
			t.Errorf("timestamptz(%d) = %v, want declined", us, got)
		}
	}
	if _, ok := timestamptz([]byte{1, 2, 3}); ok {
		t.Error("timestamptz of 3 bytes decoded")
	}
}

// TestWord checks that the statuses and priorities come back equal, and
// other words too.
func TestWord(t *testing.T) {
	for _, s := range []string{"todo", "in_progress", "done", "low", "medium", "high", "other", ""} {
		if got := word([]byte(s)); got != s {
			t.Errorf("word(%q) = %q", s, got)
		}
	}
}
