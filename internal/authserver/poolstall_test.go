package authserver

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/bizy-auth/bizy/internal/auth"
	"github.com/bizy-auth/bizy/internal/postgres"
	"github.com/bizy-auth/bizy/internal/postgres/pgtest"
	"github.com/bizy-auth/bizy/internal/webtest"
)

// TestLoginsDoNotStallASmallPool: on a PostgreSQL pool of two connections,
// rounds of concurrent logins, each round after the signing keys are due
// for a reload, all finish. A login once held its connection in the
// session transaction while the key ring reloaded through the pool under
// its mutex; with the other connection held by a login waiting for that
// mutex, neither could go on until their contexts ran out.
func TestLoginsDoNotStallASmallPool(t *testing.T) {
	u := pgtest.WithParam(pgtest.SchemaURL(t), "pool_max_conns", "2")
	db, err := postgres.Open(context.Background(), u)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.MigrateAuth(context.Background()); err != nil {
		t.Fatal(err)
	}
	f := newFixture(t, options{store: func(*testing.T) auth.Store { return db.AuthStore() }})
	const rounds, n = 5, 8
	for i := range n { // one user each: this is about the pool, not the lockout
		f.mustRegister(fmt.Sprintf("pooled%d", i), fmt.Sprintf("pooled%d@example.com", i), goodPassword, true)
	}
	for round := range rounds {
		f.clock.Advance(time.Minute) // the key ring's copy is stale: the next signer reloads
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		codes := make([]int, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				req := webtest.NewRequest(t, "POST", "/login",
					map[string]string{"username": fmt.Sprintf("pooled%d", i), "password": goodPassword}, "").WithContext(ctx)
				rec := httptest.NewRecorder()
				f.h.ServeHTTP(rec, req)
				codes[i] = rec.Code
			})
		}
		wg.Wait()
		stalled := ctx.Err() != nil
		cancel()
		for i, c := range codes {
			if c != http.StatusOK {
				t.Fatalf("round %d: login %d = %d (stalled: %v), want every login 200", round, i, c, stalled)
			}
		}
	}
}
