package auth_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/bizy-auth/bizy/internal/auth"
	"github.com/bizy-auth/bizy/internal/clocktest"
)

// stuckLookups is a store whose UserByLogin waits until release is closed,
// counting the lookups that started.
type stuckLookups struct {
	auth.Store
	release chan struct{}
	mu      sync.Mutex
	started int
}

func (s *stuckLookups) UserByLogin(ctx context.Context, login string) (auth.User, error) {
	s.mu.Lock()
	s.started++
	s.mu.Unlock()
	<-s.release
	return s.Store.UserByLogin(ctx, login)
}

// TestMailRequestsNeverWaitForTheQueue: forgot-password and resend answer
// without waiting for the background work, however much of it is stuck:
// past the queue a job is dropped and counted, never waited for. (Before,
// the 65th request blocked until a job finished.)
func TestMailRequestsNeverWaitForTheQueue(t *testing.T) {
	ctx := context.Background()
	st := &stuckLookups{Store: storesUnderTest()["sqlite"](t), release: make(chan struct{})}
	svc := newService(t, st, clocktest.New(time.Now()), auth.Config{})
	const requests = 1200 // past the queue (1024) and the old 64 slots
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := range requests {
			if i%2 == 0 {
				svc.ForgotPassword(ctx, "someone@example.com", auth.Client{})
			} else {
				svc.ResendVerification(ctx, "someone@example.com", auth.Client{})
			}
		}
	}()
	select {
	case <-done:
	case <-time.After(30 * time.Second): // a generous liveness bound, not a timing
		close(st.release)
		t.Fatal("mail requests waited for stuck background jobs")
	}
	if n := svc.BackgroundDropped(); n == 0 || n > requests-1024 {
		t.Errorf("BackgroundDropped = %d, want between 1 and %d", n, requests-1024)
	}
	close(st.release)
	svc.Wait()
	st.mu.Lock()
	defer st.mu.Unlock()
	if want := requests - int(svc.BackgroundDropped()); st.started != want {
		t.Errorf("lookups run = %d, want %d (every queued job)", st.started, want)
	}
}
