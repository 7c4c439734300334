package main

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// streamWorkers is how many people the rolling restart's steady stream
// stands for, each with an account of their own (stream1, stream2…).
const streamWorkers = 2

// streamPace is the least time one worker's round (a login and three task
// requests) takes: a steady stream, not a flood that would slow the
// restarts on a small CI machine.
const streamPace = 100 * time.Millisecond

// stream is the steady traffic of the rolling restart and what became of
// it. It is safe for concurrent use.
type stream struct {
	start time.Time

	mu       sync.Mutex
	phase    string // what the cluster is going through, for failure reports
	rounds   int
	requests int
	failures []string
}

func (s *stream) setPhase(p string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.phase = p
}

// check records one request's outcome and reports whether it got want.
func (s *stream) check(what string, a answer, err error, want int) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests++
	if err == nil && a.status == want {
		return true
	}
	got := fmt.Sprint(err)
	if err == nil {
		got = a.String()
	}
	s.failures = append(s.failures, fmt.Sprintf("%v (%s): %s = %s, want %d",
		time.Since(s.start).Round(time.Millisecond), s.phase, what, got, want))
	return false
}

func (s *stream) round() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rounds++
}

// waitRounds waits until the workers have done n more rounds, bounded.
func (s *stream) waitRounds(t *testing.T, n int) {
	t.Helper()
	s.mu.Lock()
	want := s.rounds + n
	s.mu.Unlock()
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(20 * time.Millisecond) {
		s.mu.Lock()
		got := s.rounds
		s.mu.Unlock()
		if got >= want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the stream did %d rounds in a minute, want %d", got, want)
		}
	}
}

// work is one person of the stream, until ctx ends: sign in (a new
// connection from a new address each time, as many people signing in
// would be, so no rate-limit budget runs out), then create a task, read it
// and list tasks, over a connection kept open.
func (s *stream) work(ctx context.Context, t *testing.T, c *cluster, w int) {
	tasks := newVisitor(t, fmt.Sprintf("127.0.0.%d", 20+w), true)
	login := fmt.Sprintf(`{"username":"stream%d","password":%q}`, w+1, clusterPassword)
	for n := 0; ctx.Err() == nil; n++ {
		next := time.Now().Add(streamPace)
		s.oneRound(c, newVisitor(t, fmt.Sprintf("127.0.%d.%d", 10+w, n%250+1), false), tasks, login, n)
		s.round()
		time.Sleep(time.Until(next))
	}
}

func (s *stream) oneRound(c *cluster, person, tasks *visitor, login string, n int) {
	a, err := person.send("POST", c.front+"/api/auth/login", "", login)
	if !s.check("login", a, err, http.StatusOK) {
		return
	}
	tok, _ := a.body["token"].(string)
	a, err = tasks.send("POST", c.front+"/api/tasks", tok, fmt.Sprintf(`{"title":"round %d"}`, n))
	if !s.check("POST /api/tasks", a, err, http.StatusCreated) {
		return
	}
	id, _ := a.body["id"].(string)
	a, err = tasks.send("GET", c.front+"/api/tasks/"+id, tok, "")
	s.check("GET /api/tasks/{id}", a, err, http.StatusOK)
	a, err = tasks.send("GET", c.front+"/api/tasks?limit=5", tok, "")
	s.check("GET /api/tasks", a, err, http.StatusOK)
}

// testRollingRestart stops each copy in turn (auth-1, auth-2, api-1,
// api-2) with SIGTERM, as an orchestrator does, starts it again on its
// address, and waits until nginx sends it requests again before the
// next, while a steady stream of logins and task requests runs through
// nginx. No request of the stream may fail: nginx sends a request a
// stopped copy refuses to the other copy, and a stopping copy finishes the
// requests it has.
func testRollingRestart(t *testing.T, c *cluster) {
	s := &stream{start: time.Now(), phase: "all up"}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for w := range streamWorkers {
		wg.Go(func() { s.work(ctx, t, c, w) })
	}
	stopStream := func() { cancel(); wg.Wait() }
	defer stopStream()
	s.waitRounds(t, 2*streamWorkers)

	for _, m := range []*member{c.auths[0], c.auths[1], c.apis[0], c.apis[1]} {
		route := "POST /api/tasks"
		if strings.HasPrefix(m.name, "auth") {
			route = "POST /login"
		}
		s.setPhase("stopping " + m.name)
		begin := time.Now()
		m.stop(t)
		stopped := time.Since(begin)
		s.setPhase("starting " + m.name)
		m.start(t)
		started := time.Since(begin)
		s.setPhase(m.name + " restarted")
		for routeCount(t, m, route, "2") == 0 {
			if time.Since(begin) > time.Minute {
				t.Fatalf("nginx sent no %s to %s within a minute of its restart", route, m.name)
			}
			time.Sleep(50 * time.Millisecond) // polling a real server
		}
		t.Logf("%s: stopped in %v, healthy again %v and in the rotation %v after the stop began",
			m.name, stopped.Round(time.Millisecond), started.Round(time.Millisecond), time.Since(begin).Round(time.Millisecond))
	}
	s.setPhase("all restarted")
	s.waitRounds(t, 2*streamWorkers)
	stopStream()

	s.mu.Lock()
	defer s.mu.Unlock()
	t.Logf("rolling restart: %d requests in %d rounds over %v, %d failed",
		s.requests, s.rounds, time.Since(s.start).Round(time.Millisecond), len(s.failures))
	for _, f := range s.failures {
		t.Errorf("failed during the rolling restart: %s", f)
	}
}
