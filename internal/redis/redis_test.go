package redis

import (
	"context"
	"crypto/rand"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/bizy-auth/bizy/internal/revocation"
	"github.com/redis/go-redis/v9"
)

var t0 = time.Now().Add(time.Hour).UTC().Truncate(time.Second)

// testRedis opens BIZY_TEST_REDIS_URL, skipping when it is unset and
// failing when it is set but unreachable. name, when set, becomes the
// client's connection name, so a test can find its connections.
func testRedis(t *testing.T, name string) *redis.Client {
	t.Helper()
	url := os.Getenv("BIZY_TEST_REDIS_URL")
	if url == "" {
		t.Skip("BIZY_TEST_REDIS_URL not set; skipping the Redis tests")
	}
	c, err := Open(t.Context(), url)
	if err != nil {
		t.Fatalf("BIZY_TEST_REDIS_URL is set but: %v", err)
	}
	c.Close()
	opt, _ := redis.ParseURL(url)
	opt.ClientName = name
	c = redis.NewClient(opt)
	t.Cleanup(func() { c.Close() })
	return c
}

// testChannel returns a channel name of this test run's own, so parallel
// runs on one Redis do not see each other's messages. Channels hold no
// data, so there is nothing to clean up.
func testChannel(t *testing.T) string {
	return "bizy:test:" + t.Name() + ":" + rand.Text()
}

// startSubscriber runs a Subscriber on channel until the test ends and
// waits for its subscription.
func startSubscriber(t *testing.T, c *redis.Client, channel string, l *revocation.List) *Subscriber {
	t.Helper()
	s := NewSubscriber(c, channel, l, nil)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Run = %v, want nil", err)
			}
		case <-time.After(5 * time.Second):
			t.Error("Subscriber.Run did not return after ctx ended")
		}
	})
	select {
	case <-s.Ready():
	case <-time.After(5 * time.Second):
		t.Fatal("subscription not confirmed within 5 s")
	}
	return s
}

// waitRevoked waits up to 5 s for sid to reach l: delivery is asynchronous.
func waitRevoked(t *testing.T, l *revocation.List, sid string) time.Duration {
	t.Helper()
	start := time.Now()
	for !l.Revoked(sid) {
		if time.Since(start) > 5*time.Second {
			t.Fatalf("%s not revoked within 5 s", sid)
		}
		time.Sleep(time.Millisecond)
	}
	return time.Since(start)
}

func TestOpen(t *testing.T) {
	if _, err := Open(t.Context(), "http://:pw-secret@x"); err == nil || strings.Contains(err.Error(), "pw-secret") {
		t.Errorf("Open(bad scheme) = %v, want an error without the password", err)
	}
	// Nothing listens on port 1; the ping fails fast.
	if _, err := Open(t.Context(), "redis://:pw-secret@127.0.0.1:1/0"); err == nil || strings.Contains(err.Error(), "pw-secret") {
		t.Errorf("Open(unreachable) = %v, want an error without the password", err)
	}
}

func TestPublishReachesList(t *testing.T) {
	c := testRedis(t, "")
	ch := testChannel(t)
	l := revocation.NewList(revocation.ListConfig{})
	startSubscriber(t, c, ch, l)

	p := NewPublisher(c, ch)
	start := time.Now()
	if err := p.Publish(t.Context(), "s1", t0); err != nil {
		t.Fatal(err)
	}
	waitRevoked(t, l, "s1")
	t.Logf("publish to List: %v", time.Since(start))

	// Messages that do not parse are skipped; the next good one still lands.
	for _, bad := range []string{"nonsense", `{"sid":""}`, `{"sid":"s2"}`, `{"sid":"s3","expires_at":"soon"}`} {
		if err := c.Publish(t.Context(), ch, bad).Err(); err != nil {
			t.Fatal(err)
		}
	}
	if err := p.Publish(t.Context(), "s4", t0); err != nil {
		t.Fatal(err)
	}
	waitRevoked(t, l, "s4")
	for _, sid := range []string{"s2", "s3"} {
		if l.Revoked(sid) {
			t.Errorf("%s revoked by a message that does not parse", sid)
		}
	}
	// The list counts an entry just after storing it, so the count may
	// trail s4's arrival by a moment.
	for deadline := time.Now().Add(5 * time.Second); l.Len() != 2; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("Len = %d, want 2 (s1, s4)", l.Len())
		}
	}
}

func TestPublishKeyReachesList(t *testing.T) {
	c := testRedis(t, "")
	ch := testChannel(t)
	l := revocation.NewList(revocation.ListConfig{})
	startSubscriber(t, c, ch, l)
	if err := NewPublisher(c, ch).PublishKey(t.Context(), "k1"); err != nil {
		t.Fatal(err)
	}
	for start := time.Now(); !l.KeyRevoked("k1"); time.Sleep(time.Millisecond) {
		if time.Since(start) > 5*time.Second {
			t.Fatal("k1 not revoked within 5 s")
		}
	}
	if l.Len() != 0 {
		t.Fatalf("a key revocation added %d sessions", l.Len())
	}
}

func TestPublishUserDeletedReachesEraser(t *testing.T) {
	c := testRedis(t, "")
	ch := testChannel(t)
	erased := make(chan string, 1)
	s := NewSubscriber(c, ch, revocation.NewList(revocation.ListConfig{}), nil).
		WithEraser(func(_ context.Context, id string) error { erased <- id; return nil })
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	go s.Run(ctx)
	select {
	case <-s.Ready():
	case <-time.After(5 * time.Second):
		t.Fatal("subscription not confirmed within 5 s")
	}
	if err := NewPublisher(c, ch).PublishUserDeleted(t.Context(), "u1"); err != nil {
		t.Fatal(err)
	}
	select {
	case id := <-erased:
		if id != "u1" {
			t.Fatalf("erased %q, want u1", id)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the deletion did not reach the eraser within 5 s")
	}
}

// TestSubscriberReconnects kills the subscriber's connection from the
// server side; go-redis reconnects and subscribes again.
func TestSubscriberReconnects(t *testing.T) {
	name := "bizy-test-" + rand.Text()[:12]
	c := testRedis(t, name)
	admin := testRedis(t, "")
	ch := testChannel(t)
	l := revocation.NewList(revocation.ListConfig{})
	startSubscriber(t, c, ch, l)

	killed := 0
	list, err := admin.ClientList(t.Context()).Result()
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(list, "\n") {
		if !strings.Contains(line, " name="+name+" ") || !strings.Contains(line, "sub=1") {
			continue
		}
		for _, f := range strings.Fields(line) {
			if id, ok := strings.CutPrefix(f, "id="); ok {
				if err := admin.Do(t.Context(), "CLIENT", "KILL", "ID", id).Err(); err != nil {
					t.Fatal(err)
				}
				killed++
			}
		}
	}
	if killed != 1 {
		t.Fatalf("killed %d subscriber connections, want 1:\n%s", killed, list)
	}

	// Publish until a subscriber receives it: the new subscription may
	// take a moment.
	p := NewPublisher(admin, ch)
	deadline := time.Now().Add(10 * time.Second)
	for i := 0; !l.Revoked(fmt.Sprint("after", i-1)) || i == 0; i++ {
		if time.Now().After(deadline) {
			t.Fatal("no message reached the List within 10 s of the connection being killed")
		}
		if err := p.Publish(t.Context(), fmt.Sprint("after", i), t0); err != nil {
			t.Fatal(err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
