package authserver

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/bizy-auth/bizy/internal/auth"
)

// TestAFloodOfLoginsLeavesTheRestAnswering: with fifty logins in flight,
// every one of them waiting for the hashing gate (its one slot held by the
// test), /health and a token-checked request still answer, at once: they
// hash nothing, so they never queue behind the logins. Then the gate
// frees and the logins finish.
func TestAFloodOfLoginsLeavesTheRestAnswering(t *testing.T) {
	gate := auth.NewHashGate(auth.HashGateConfig{Concurrency: 1, Wait: time.Minute})
	f := newFixture(t, options{hashGate: gate})
	f.mustRegister("calm", "calm@example.com", goodPassword, true)
	tok := f.mustLogin("calm", goodPassword)

	hold, held := make(chan struct{}), make(chan struct{})
	go gate.Do(context.Background(), func() { close(held); <-hold })
	<-held
	const n = 50
	codes := make([]int, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			codes[i] = f.doFrom(fmt.Sprintf("198.51.100.%d", i+1), "POST", "/login",
				map[string]string{"username": fmt.Sprintf("flood%d", i), "password": "Wr0ng!Password"}).Code
		})
	}
	for deadline := time.Now().Add(30 * time.Second); gate.Waiting() < n; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("only %d of %d logins reached the gate", gate.Waiting(), n)
		}
	}
	for _, req := range []struct{ path, bearer string }{{"/health", ""}, {"/profile", tok}} {
		start := time.Now()
		if rec := f.do("GET", req.path, nil, req.bearer); rec.Code != http.StatusOK {
			t.Fatalf("GET %s with %d logins in flight = %d %s", req.path, n, rec.Code, rec.Body)
		}
		t.Logf("GET %s answered in %v with %d logins waiting for the gate", req.path, time.Since(start), gate.Waiting())
	}
	if w := gate.Waiting(); w != n {
		t.Fatalf("%d logins waiting after the other requests, want all %d still in flight", w, n)
	}
	close(hold)
	wg.Wait()
	for i, c := range codes {
		if c != http.StatusUnauthorized {
			t.Fatalf("login %d = %d, want 401 once the gate freed", i, c)
		}
	}
}
