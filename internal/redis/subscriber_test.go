package redis

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/bizy-auth/bizy/internal/redis/redistest"
	"github.com/bizy-auth/bizy/internal/revocation"
	"github.com/redis/go-redis/v9"
)

// TestSubscriberNoticesLoss kills a Redis of the test's own under a
// Subscriber: it reports itself unsubscribed and counts one fallback
// within a few pings, then subscribed again once Redis answers, with the
// count unchanged.
func TestSubscriberNoticesLoss(t *testing.T) {
	if os.Getenv("BIZY_TEST_REDIS_URL") == "" {
		t.Skip("BIZY_TEST_REDIS_URL not set; skipping the Redis tests")
	}
	srv := redistest.Start(t)
	opt, _ := redis.ParseURL(srv.URL())
	c := redis.NewClient(opt)
	t.Cleanup(func() { c.Close() })
	s := NewSubscriber(c, testChannel(t), revocation.NewList(revocation.ListConfig{}), nil)
	s.CheckEvery = 50 * time.Millisecond
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })

	waitFor := func(what string, cond func() bool) {
		t.Helper()
		for deadline := time.Now().Add(30 * time.Second); !cond(); time.Sleep(10 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("not %s within 30 s", what)
			}
		}
	}
	waitFor("subscribed", s.Subscribed)
	srv.Kill()
	waitFor("unsubscribed after Redis died", func() bool { return !s.Subscribed() })
	if n := s.Fallbacks(); n != 1 {
		t.Errorf("Fallbacks = %d after one loss, want 1", n)
	}
	srv.Restart()
	waitFor("subscribed again", s.Subscribed)
	if n := s.Fallbacks(); n != 1 {
		t.Errorf("Fallbacks = %d after the return, want 1", n)
	}
}
