package auth_test

import (
	"context"
	"errors"
	"runtime"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/bizy-auth/bizy/internal/auth"
)

// holdSlots fills n slots of g until the returned release is called.
func holdSlots(t *testing.T, g *auth.HashGate, n int) (release func()) {
	t.Helper()
	hold := make(chan struct{})
	var wg sync.WaitGroup
	for range n {
		held := make(chan struct{})
		wg.Go(func() {
			if err := g.Do(context.Background(), func() { close(held); <-hold }); err != nil {
				t.Error(err)
			}
		})
		<-held
	}
	return func() { close(hold); wg.Wait() }
}

func TestHashGateBoundsTheWorkAndTheQueue(t *testing.T) {
	g := auth.NewHashGate(auth.HashGateConfig{Concurrency: 2, Queue: 3, Wait: time.Minute})
	release := holdSlots(t, g, 2)
	if g.InFlight() != 2 {
		t.Fatalf("InFlight = %d, want 2", g.InFlight())
	}
	// Three may queue; the fourth is refused at once.
	ran := make(chan struct{}, 3)
	var wg sync.WaitGroup
	for range 3 {
		wg.Go(func() {
			if err := g.Do(context.Background(), func() { ran <- struct{}{} }); err != nil {
				t.Errorf("a queued operation: %v", err)
			}
		})
	}
	for deadline := time.Now().Add(30 * time.Second); g.Waiting() < 3; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("Waiting = %d, want 3", g.Waiting())
		}
	}
	if err := g.Do(context.Background(), func() { t.Error("ran past a full queue") }); !errors.Is(err, auth.ErrBusy) {
		t.Fatalf("Do with the queue full = %v, want ErrBusy", err)
	}
	if len(ran) != 0 {
		t.Fatal("a queued operation ran while every slot was held")
	}
	release()
	wg.Wait()
	if len(ran) != 3 || g.Waiting() != 0 || g.InFlight() != 0 {
		t.Fatalf("after the release: ran %d, waiting %d, in flight %d", len(ran), g.Waiting(), g.InFlight())
	}
}

func TestHashGateWaitsAtMostItsWait(t *testing.T) {
	g := auth.NewHashGate(auth.HashGateConfig{Concurrency: 1, Queue: 10, Wait: time.Millisecond})
	release := holdSlots(t, g, 1)
	defer release()
	if err := g.Do(context.Background(), func() { t.Error("ran with the slot held") }); !errors.Is(err, auth.ErrBusy) {
		t.Fatalf("Do past the wait = %v, want ErrBusy", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	slow := auth.NewHashGate(auth.HashGateConfig{Concurrency: 1, Queue: 10, Wait: time.Hour})
	defer holdSlots(t, slow, 1)()
	if err := slow.Do(ctx, func() {}); !errors.Is(err, context.Canceled) {
		t.Fatalf("Do with a cancelled context = %v", err)
	}
}

func TestHashGateStatsCountWhatTheOperationsCost(t *testing.T) {
	g := auth.NewHashGate(auth.HashGateConfig{Concurrency: 1})
	if s := g.Stats(); s != (auth.HashStats{}) {
		t.Fatalf("Stats of a new gate = %+v, want zeros", s)
	}
	hash, err := bcrypt.GenerateFromPassword([]byte("pw"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if err := g.Do(context.Background(), func() { bcrypt.CompareHashAndPassword(hash, []byte("pw")) }); err != nil {
			t.Fatal(err)
		}
	}
	s := g.Stats()
	if s.Ops != 3 || s.Held <= 0 {
		t.Fatalf("Stats after 3 checks = %+v, want 3 ops and the slot time they held", s)
	}
	// A thread's CPU time within an operation can't exceed the slot time
	// around it; on Linux it is read, and a bcrypt check takes some.
	if s.CPU > s.Held || (runtime.GOOS == "linux" && s.CPU <= 0) {
		t.Fatalf("Stats after 3 checks = %+v: CPU time outside (0, Held]", s)
	}
}

// BenchmarkHashGateOverhead is what the gate adds to each hash: taking a
// slot, a locked thread at lowered priority, freeing the slot. Set it
// against one bcrypt check (tens of milliseconds at cost 10).
func BenchmarkHashGateOverhead(b *testing.B) {
	g := auth.NewHashGate(auth.HashGateConfig{Concurrency: 1})
	for b.Loop() {
		if err := g.Do(context.Background(), func() {}); err != nil {
			b.Fatal(err)
		}
	}
}
