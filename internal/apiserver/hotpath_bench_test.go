package apiserver

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/bizy-auth/bizy/internal/metrics"
	"github.com/bizy-auth/bizy/internal/postgres/pgtest"
	"github.com/bizy-auth/bizy/internal/sqlite"
	"github.com/bizy-auth/bizy/internal/tasks"
	"github.com/bizy-auth/bizy/token"
)

// benchProduction is the API as bizy api runs it, for the benchmarks of the
// hot paths: the Prometheus instrumentation on, CORS on, and a JSON logger
// at LOG_LEVEL=warn, so the access log is built but not written.
func benchProduction(b *testing.B, svc *tasks.Service, v *token.Verifier) http.Handler {
	b.Helper()
	log := slog.New(slog.NewJSONHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelWarn})).With("service", "api")
	cfg := Config{
		AuthServerURL:      "http://127.0.0.1:1",
		CORSAllowedOrigins: []string{allowedOrigin},
		Instrument:         metrics.HTTP(prometheus.NewRegistry()),
		Revoked:            benchRevoked(100),
	}
	return NewServer(log, cfg, svc, v)
}

// BenchmarkHotPaths measures the two routes the load tests hammer, through
// the production chain (benchProduction) with a warm verified-token cache:
// GET /api/auth/verify-token (the token check alone) and GET
// /api/tasks?limit=20 (the token check, one store query and 20 rows of
// JSON) on SQLite, and on PostgreSQL when BIZY_TEST_POSTGRES_URL is set.
func BenchmarkHotPaths(b *testing.B) {
	v, raw := benchVerifier(b, token.EdDSA, 1024)
	b.Run("verify-token", func(b *testing.B) {
		h := benchProduction(b, tasks.NewService(nil, nil), v)
		benchServe(b, h, "/api/auth/verify-token", raw, http.StatusOK)
	})
	stores := map[string]func(testing.TB) tasks.Store{"sqlite": benchSQLiteTasks}
	if os.Getenv(pgtest.EnvURL) != "" {
		stores["postgres"] = func(tb testing.TB) tasks.Store {
			db := pgtest.Open(tb)
			if err := db.MigrateTasks(context.Background()); err != nil {
				tb.Fatal(err)
			}
			return db.TasksStore()
		}
	}
	for _, name := range []string{"sqlite", "postgres"} {
		open, ok := stores[name]
		if !ok {
			continue
		}
		b.Run("tasks/"+name, func(b *testing.B) {
			svc := tasks.NewService(open(b), nil)
			for i := range 25 {
				// The benchmark token's user, "u1"; descriptions of a
				// typical length.
				_, err := svc.CreateTask(context.Background(), "u1", tasks.TaskInput{
					Title: fmt.Sprintf("Task %d", i), Description: "Write the quarterly report and send it round",
					DueDate: "2030-02-01",
				})
				if err != nil {
					b.Fatal(err)
				}
			}
			benchServeCancelable(b, benchProduction(b, svc, v), "/api/tasks?limit=20", raw, http.StatusOK)
		})
	}
}

// benchServeCancelable is benchServe with a request whose context can be
// cancelled, as net/http gives every request: a store may do work for such
// a context that it skips for context.Background (modernc.org/sqlite
// starts a goroutine per query to interrupt it).
func benchServeCancelable(b *testing.B, h http.Handler, path, raw string, want int) {
	b.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	benchServeRequest(b, h, benchRequest(ctx, path, raw), want)
}

func benchSQLiteTasks(tb testing.TB) tasks.Store {
	tb.Helper()
	db, err := sqlite.Open(context.Background(), filepath.Join(tb.TempDir(), "bizy.db"))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	if err := db.MigrateTasks(context.Background()); err != nil {
		tb.Fatal(err)
	}
	return db.TasksStore()
}
