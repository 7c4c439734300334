package authserver

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/bizy-auth/bizy/internal/auth"
	"github.com/bizy-auth/bizy/internal/webtest"
)

// TestAFloodOfLoginsLeavesTheRestAnswering: with fifty logins in flight,
// every one of them waiting for the hashing gate (its one slot held by the
// test), /health and a token-checked request still answer, at once: they
// hash nothing, so they never queue behind the logins. Then the gate
// frees and the logins finish.
func TestAFloodOfLoginsLeavesTheRestAnswering(t *testing.T) {
	gate := auth.NewHashGate(auth.HashGateConfig{Concurrency: 1, Queue: 64, Wait: time.Minute})
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

// TestPastTheHashGateIsBusy: with the gate's slot held and no queue, a
// login, a registration and a login under an impossible name (whose dummy
// check goes through the gate too) each get 503 busy with Retry-After: 1,
// and the refusal is a security event.
func TestPastTheHashGateIsBusy(t *testing.T) {
	gate := auth.NewHashGate(auth.HashGateConfig{Concurrency: 1, Queue: 0})
	f := newFixture(t, options{hashGate: gate})
	f.mustRegister("full", "full@example.com", goodPassword, true)
	hold, held, done := make(chan struct{}), make(chan struct{}), make(chan struct{})
	go func() { gate.Do(context.Background(), func() { close(held); <-hold }); close(done) }()
	<-held
	for _, req := range []struct {
		path string
		body map[string]string
	}{
		{"/login", map[string]string{"username": "full", "password": goodPassword}},
		{"/login", map[string]string{"username": "no such name!", "password": goodPassword}},
		{"/register", map[string]string{"username": "another", "email": "another@example.com", "password": goodPassword}},
	} {
		rec := f.do("POST", req.path, req.body, "")
		p := webtest.WantProblem(t, rec, http.StatusServiceUnavailable)
		if p.Code != "busy" || rec.Header().Get("Retry-After") != "1" {
			t.Errorf("POST %s past the gate: code %q, Retry-After %q; want busy and 1", req.path, p.Code, rec.Header().Get("Retry-After"))
		}
	}
	close(hold)
	<-done
	if evs := f.events(auth.EventBusy, ""); len(evs) != 3 {
		t.Errorf("%d busy events, want 3", len(evs))
	}
	if code := f.loginStatus("full", goodPassword); code != http.StatusOK {
		t.Errorf("login once the gate freed = %d", code)
	}
}
