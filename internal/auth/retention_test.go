package auth

import (
	"testing"
	"time"
)

func TestPruneCutoffs(t *testing.T) {
	now := time.Date(2031, 3, 4, 5, 6, 7, 0, time.UTC)
	p := PruneCutoffs(now, 15*time.Minute, 0)
	want := PruneBefore{
		SessionsBefore: now.Add(-7 * 24 * time.Hour),
		TokensBefore:   now.Add(-24 * time.Hour),
		OutboxBefore:   now.Add(-7 * 24 * time.Hour),
		LocksBefore:    now,
	}
	if p != want {
		t.Fatalf("PruneCutoffs(15m, 0) = %+v, want %+v (events kept)", p, want)
	}
	want.EventsBefore = now.Add(-2160 * time.Hour)
	if p := PruneCutoffs(now, 15*time.Minute, 2160*time.Hour); p != want {
		t.Fatalf("PruneCutoffs(15m, 2160h) = %+v, want %+v", p, want)
	}
	// An access token TTL past the retention period keeps revoked sessions
	// in the revocation feed's window, with a margin.
	if p := PruneCutoffs(now, 10*24*time.Hour, 0); !p.SessionsBefore.Equal(now.Add(-10*24*time.Hour - time.Hour)) {
		t.Fatalf("PruneCutoffs(240h).SessionsBefore = %v, want 241h before now", p.SessionsBefore)
	}
}

func TestPruneBeforeBatch(t *testing.T) {
	if got := (PruneBefore{}).Batch(); got != DefaultPruneBatch {
		t.Errorf("Batch() with BatchSize 0 = %d, want %d", got, DefaultPruneBatch)
	}
	if got := (PruneBefore{BatchSize: 3}).Batch(); got != 3 {
		t.Errorf("Batch() with BatchSize 3 = %d", got)
	}
}
