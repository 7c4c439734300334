package mail_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bizy-auth/bizy/internal/auth"
	"github.com/bizy-auth/bizy/internal/clocktest"
	"github.com/bizy-auth/bizy/internal/mail"
	"github.com/bizy-auth/bizy/internal/mail/mailtest"
)

// syncBuffer is a log sink that tests may read while workers write.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// fixture is a Memory outbox, a fake clock and a log, shared by workers.
type fixture struct {
	ob    *mailtest.Memory
	clock *clocktest.Clock
	logs  *syncBuffer
}

func newFixture() *fixture {
	return &fixture{ob: &mailtest.Memory{}, clock: clocktest.New(mailtest.Base), logs: &syncBuffer{}}
}

// worker makes a Worker over the fixture; it never sleeps (After blocks
// forever unless the test wakes it) and its jitter factor is exactly 1.
func (f *fixture) worker(s mail.Sender, cfg mail.WorkerConfig) *mail.Worker {
	cfg.From = testFrom
	cfg.Now = f.clock.Now
	cfg.After = func(time.Duration) <-chan time.Time { return nil }
	if cfg.Rand == nil {
		cfg.Rand = func() float64 { return 0.5 }
	}
	return mail.NewWorker(slog.New(slog.NewJSONHandler(f.logs, nil)), f.ob, s, cfg)
}

func (f *fixture) enqueue(t *testing.T, ids ...string) {
	t.Helper()
	for _, id := range ids {
		if err := f.ob.Enqueue(context.Background(), mailtest.Message(id, f.clock.Now())); err != nil {
			t.Fatal(err)
		}
		f.clock.Advance(time.Millisecond) // distinct creation times, so the order is clear
	}
}

func (f *fixture) record(t *testing.T, id string) mailtest.MemoryRecord {
	t.Helper()
	r, ok := f.ob.Record(id)
	if !ok {
		t.Fatalf("no message %s", id)
	}
	return r
}

func runOnce(t *testing.T, w *mail.Worker, want int) {
	t.Helper()
	n, err := w.RunOnce(context.Background())
	if err != nil || n != want {
		t.Fatalf("RunOnce = %d, %v; want %d claimed", n, err, want)
	}
}

func wantCounts(t *testing.T, w *mail.Worker, want mail.Counts) {
	t.Helper()
	if got := w.Counts(); got != want {
		t.Errorf("Counts = %+v, want %+v", got, want)
	}
}

func TestWorkerDelivers(t *testing.T) {
	f, srv := newFixture(), mailtest.StartSMTP(t)
	w := f.worker(mustSMTPSender(t, srv.SenderConfig()), mail.WorkerConfig{})
	f.enqueue(t, "m1")
	runOnce(t, w, 1)
	msgs := srv.Messages()
	if len(msgs) != 1 {
		t.Fatalf("server got %d messages, want 1", len(msgs))
	}
	wantHeaders(t, mustParse(t, msgs[0].Data), map[string]string{
		"Message-Id": "<m1@bizy.example.com>", "To": "<m1@example.com>", "Subject": "Subject m1",
	})
	if r := f.record(t, "m1"); r.SentAt.IsZero() {
		t.Errorf("not marked sent: %+v", r)
	}
	runOnce(t, w, 0)
	wantCounts(t, w, mail.Counts{Sent: 1})
}

func TestWorkerRetriesUntilSMTPReturns(t *testing.T) {
	f, srv := newFixture(), mailtest.NewSMTP(t, mailtest.SMTPServerConfig{}) // down
	w := f.worker(mustSMTPSender(t, srv.SenderConfig()), mail.WorkerConfig{BaseBackoff: 10 * time.Second})
	f.enqueue(t, "m1")

	runOnce(t, w, 1)
	r := f.record(t, "m1")
	if r.Msg.Attempts != 1 || !r.NextAt.Equal(f.clock.Now().Add(10*time.Second)) || r.LastErr == "" {
		t.Fatalf("after one failure: %+v", r)
	}
	if strings.Contains(r.LastErr+f.logs.String(), "m1@example.com") {
		t.Errorf("recipient address stored or logged:\n%s\n%s", r.LastErr, f.logs.String())
	}
	f.clock.Advance(9 * time.Second)
	runOnce(t, w, 0) // not due yet
	f.clock.Advance(time.Second)
	runOnce(t, w, 1) // due, fails again; the wait doubles
	if r := f.record(t, "m1"); r.Msg.Attempts != 2 || !r.NextAt.Equal(f.clock.Now().Add(20*time.Second)) {
		t.Fatalf("after two failures: %+v", r)
	}

	srv.Start()
	f.clock.Advance(20 * time.Second)
	runOnce(t, w, 1)
	if n := len(srv.Messages()); n != 1 {
		t.Fatalf("server got %d messages, want 1", n)
	}
	if r := f.record(t, "m1"); r.SentAt.IsZero() {
		t.Errorf("not marked sent: %+v", r)
	}
	wantCounts(t, w, mail.Counts{Sent: 1, Retried: 2})
}

func TestWorkerParksAfterMaxAttempts(t *testing.T) {
	f, srv := newFixture(), mailtest.NewSMTP(t, mailtest.SMTPServerConfig{}) // stays down
	w := f.worker(mustSMTPSender(t, srv.SenderConfig()), mail.WorkerConfig{MaxAttempts: 3})
	f.enqueue(t, "m1")
	for range 3 {
		runOnce(t, w, 1)
		f.clock.Advance(2 * time.Hour)
	}
	runOnce(t, w, 0)
	r := f.record(t, "m1")
	if r.ParkedAt.IsZero() || r.Msg.Attempts != 3 || r.LastErr == "" {
		t.Fatalf("not parked after 3 attempts: %+v", r)
	}
	wantCounts(t, w, mail.Counts{Retried: 2, Parked: 1})
	if st, _ := f.ob.Stats(context.Background()); st != (auth.OutboxStats{Parked: 1}) {
		t.Errorf("Stats = %+v", st)
	}
	logs := f.logs.String()
	if !strings.Contains(logs, `"level":"ERROR","msg":"mail parked: giving up"`) ||
		!strings.Contains(logs, `"message_id":"m1","recipient_domain":"example.com"`) {
		t.Errorf("no ERROR naming the message and the domain:\n%s", logs)
	}
	if strings.Contains(logs, "m1@example.com") {
		t.Errorf("recipient address logged:\n%s", logs)
	}
}

func TestWorkerParksPermanentFailureAtOnce(t *testing.T) {
	f, srv := newFixture(), mailtest.StartSMTP(t)
	srv.Reject(550)
	w := f.worker(mustSMTPSender(t, srv.SenderConfig()), mail.WorkerConfig{})
	f.enqueue(t, "m1")
	runOnce(t, w, 1)
	if r := f.record(t, "m1"); r.ParkedAt.IsZero() || r.Msg.Attempts != 1 || !strings.Contains(r.LastErr, "550") {
		t.Fatalf("not parked on a 550: %+v", r)
	}
	wantCounts(t, w, mail.Counts{Parked: 1})
}

func TestWorkerBackoff(t *testing.T) {
	for _, tc := range []struct {
		name   string
		rand   float64
		factor float64
	}{{"Low", 0, 0.8}, {"Middle", 0.5, 1}, {"High", 0.999, 1.1996}} {
		t.Run(tc.name, func(t *testing.T) {
			f, rec := newFixture(), &mailtest.Recorder{}
			rec.Fail(errors.New("451 busy"))
			w := f.worker(rec, mail.WorkerConfig{MaxAttempts: 100, Rand: func() float64 { return tc.rand }})
			f.enqueue(t, "m1")
			base := 10 * time.Second
			for attempt := 1; attempt <= 12; attempt++ {
				runOnce(t, w, 1)
				want := min(base<<(attempt-1), time.Hour) // 10s, 20s, … 2560s, then 1h
				got := f.record(t, "m1").NextAt.Sub(f.clock.Now())
				if d := got - time.Duration(float64(want)*tc.factor); d < -time.Millisecond || d > time.Millisecond {
					t.Fatalf("attempt %d: wait %v, want %v × %v", attempt, got, want, tc.factor)
				}
				f.clock.Advance(got)
			}
		})
	}
}

func TestWorkersNeverSendTwice(t *testing.T) {
	f, srv := newFixture(), mailtest.StartSMTP(t)
	const total = 40
	for i := range total {
		f.enqueue(t, fmt.Sprintf("m%02d", i))
	}
	workers := []*mail.Worker{
		f.worker(mustSMTPSender(t, srv.SenderConfig()), mail.WorkerConfig{Owner: "a", Batch: 3}),
		f.worker(mustSMTPSender(t, srv.SenderConfig()), mail.WorkerConfig{Owner: "b", Batch: 3}),
	}
	var wg sync.WaitGroup
	for _, w := range workers {
		wg.Go(func() {
			for {
				n, err := w.RunOnce(context.Background())
				if err != nil {
					t.Error(err)
				}
				if n == 0 || err != nil {
					return
				}
			}
		})
	}
	wg.Wait()

	seen := map[string]int{}
	for _, m := range srv.Messages() {
		seen[mustParse(t, m.Data).Header.Get("Message-Id")]++
	}
	for id, n := range seen {
		if n != 1 {
			t.Errorf("%s sent %d times", id, n)
		}
	}
	if len(seen) != total {
		t.Errorf("%d distinct messages sent, want %d", len(seen), total)
	}
	a, b := workers[0].Counts(), workers[1].Counts()
	if a.Sent+b.Sent != total {
		t.Errorf("Sent %d + %d, want %d", a.Sent, b.Sent, total)
	}
	t.Logf("worker a sent %d, b sent %d", a.Sent, b.Sent)
}

// slowSender moves the fake clock forward on every send, like a slow
// server, and records what it sends.
type slowSender struct {
	mailtest.Recorder
	clock *clocktest.Clock
	step  time.Duration
}

func (s *slowSender) Send(ctx context.Context, from string, e auth.Email, id string) error {
	s.clock.Advance(s.step)
	return s.Recorder.Send(ctx, from, e, id)
}

func TestWorkerStopsBeforeLeaseRunsOut(t *testing.T) {
	f := newFixture()
	s := &slowSender{clock: f.clock, step: 50 * time.Second}
	w := f.worker(s, mail.WorkerConfig{Lease: time.Minute, SendTimeout: 15 * time.Second, Batch: 3})
	f.enqueue(t, "m1", "m2", "m3")
	start := f.clock.Now()
	runOnce(t, w, 3) // sends m1; 50s+15s would pass the 60s lease, so it stops
	if n := len(s.Sent()); n != 1 {
		t.Fatalf("sent %d in the first lease, want 1", n)
	}
	runOnce(t, w, 0) // m2, m3 still leased
	f.clock.Advance(start.Add(time.Minute).Sub(f.clock.Now()))
	runOnce(t, w, 2)
	if n := len(s.Sent()); n != 2 {
		t.Fatalf("sent %d, want 2", n)
	}
}

func TestWorkerRunWakesAndStops(t *testing.T) {
	f, srv := newFixture(), mailtest.StartSMTP(t)
	w := f.worker(mustSMTPSender(t, srv.SenderConfig()), mail.WorkerConfig{})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()

	// After never fires, so only Wake can make Run deliver these.
	for i := range 2 {
		f.enqueue(t, fmt.Sprintf("m%d", i))
		w.Wake()
		srv.WaitMessages(i + 1)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Run = %v, want nil", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return after cancel")
	}
}

// blockingSender holds each Send until released, to catch Run mid-flight.
type blockingSender struct {
	mailtest.Recorder
	started chan struct{}
	release chan struct{}
	ctxErr  error
}

func (s *blockingSender) Send(ctx context.Context, from string, e auth.Email, id string) error {
	s.started <- struct{}{}
	<-s.release
	s.ctxErr = ctx.Err()
	return s.Recorder.Send(ctx, from, e, id)
}

func TestWorkerRunFinishesInFlightMessage(t *testing.T) {
	f := newFixture()
	s := &blockingSender{started: make(chan struct{}, 1), release: make(chan struct{})}
	w := f.worker(s, mail.WorkerConfig{})
	f.enqueue(t, "m1", "m2")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()

	<-s.started // m1 is in flight
	cancel()
	close(s.release)
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return after cancel")
	}
	if s.ctxErr != nil {
		t.Errorf("the in-flight send saw %v; shutdown must let it finish", s.ctxErr)
	}
	if r := f.record(t, "m1"); r.SentAt.IsZero() {
		t.Errorf("in-flight message not marked sent: %+v", r)
	}
	// m2 was not started: it stays pending, leased, for a later claim.
	if r := f.record(t, "m2"); !r.SentAt.IsZero() || len(s.Sent()) != 1 {
		t.Errorf("m2 sent during shutdown: %+v", r)
	}
}
