package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/bizy-auth/bizy/internal/auth"
	"github.com/bizy-auth/bizy/internal/mail"
	"github.com/bizy-auth/bizy/internal/mail/mailtest"
	"github.com/bizy-auth/bizy/internal/postgres"
	"github.com/bizy-auth/bizy/internal/postgres/pgtest"
	"github.com/bizy-auth/bizy/internal/sqlite"
)

// TestTwoWorkersNeverSendTwice: two workers, each on its own connection to
// one database as two copies of the service would be, drain 30 messages
// into one SMTP server at once; every message arrives exactly once.
func TestTwoWorkersNeverSendTwice(t *testing.T) {
	t.Parallel()
	t.Run("sqlite", func(t *testing.T) {
		share(t)
		path := filepath.Join(t.TempDir(), "bizy.db")
		var dbs [2]database
		for i := range dbs {
			db, err := sqlite.Open(context.Background(), path)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			dbs[i] = db
		}
		drainWithTwoWorkers(t, dbs)
	})
	t.Run("postgres", func(t *testing.T) {
		share(t)
		u := pgtest.SchemaURL(t) // skips when BIZY_TEST_POSTGRES_URL is unset
		var dbs [2]database
		for i := range dbs {
			db, err := postgres.Open(context.Background(), u)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			dbs[i] = db
		}
		drainWithTwoWorkers(t, dbs)
	})
}

func drainWithTwoWorkers(t *testing.T, dbs [2]database) {
	const total = 30
	ctx := context.Background()
	if err := dbs[0].MigrateAuth(ctx); err != nil {
		t.Fatal(err)
	}
	store := dbs[0].AuthStore()
	start := time.Now().UTC().Truncate(time.Microsecond)
	for i := range total {
		err := store.EnqueueEmail(ctx, auth.OutboxEmail{
			ID:        fmt.Sprintf("msg-%02d", i),
			Email:     auth.Email{To: fmt.Sprintf("user%02d@example.com", i), Subject: "Hello", Text: "Message " + fmt.Sprint(i)},
			CreatedAt: start.Add(-time.Duration(total-i) * time.Millisecond),
		})
		if err != nil {
			t.Fatal(err)
		}
	}

	srv := mailtest.StartSMTP(t)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	var workers [2]*mail.Worker
	for i, db := range dbs {
		sender, err := mail.NewSMTPSender(srv.SenderConfig())
		if err != nil {
			t.Fatal(err)
		}
		workers[i] = mail.NewWorker(log, db.Outbox(), sender, mail.WorkerConfig{
			From: "Bizy <no-reply@bizy.example>", Owner: fmt.Sprintf("worker-%d", i), Batch: 2,
		})
	}
	var wg sync.WaitGroup
	for _, w := range workers {
		wg.Go(func() {
			for {
				n, err := w.RunOnce(ctx)
				if err != nil {
					t.Error(err)
					return
				}
				if n == 0 {
					return
				}
			}
		})
	}
	wg.Wait()

	msgs := srv.Messages()
	ids := map[string]int{}
	for _, m := range msgs {
		p, err := mailtest.ParseMessage(m.Data)
		if err != nil {
			t.Fatal(err)
		}
		ids[p.Header.Get("Message-Id")]++
	}
	for id, n := range ids {
		if n != 1 {
			t.Errorf("%s received %d times", id, n)
		}
	}
	if len(msgs) != total || len(ids) != total {
		t.Errorf("received %d messages with %d distinct Message-IDs, want %d", len(msgs), len(ids), total)
	}
	var sent uint64
	for i, w := range workers {
		c := w.Counts()
		if c.Retried+c.Parked+c.LeaseLost+c.OutboxErrors != 0 {
			t.Errorf("worker %d counts %+v", i, c)
		}
		sent += c.Sent
		t.Logf("worker %d sent %d", i, c.Sent)
	}
	if sent != total {
		t.Errorf("workers sent %d in all, want %d", sent, total)
	}
	for _, db := range dbs {
		if st, err := db.Outbox().Stats(ctx); err != nil || st != (auth.OutboxStats{}) {
			t.Errorf("outbox after draining = %+v, %v", st, err)
		}
	}
}
