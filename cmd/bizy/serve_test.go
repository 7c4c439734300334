package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"testing"
	"time"
)

// The in-process tests stop their servers without waiting for balancers to
// drain; TestShutdownDrainsOpenConnections and the cluster test's built
// binary keep the real drainTime.
func init() {
	drainTime = 0
	// Under -race one bcrypt at cost 10 takes 1-2 s here, and the tests
	// run side by side: a password change (two hashes) through the API
	// could pass the default 5 s bound on its call to the auth service and
	// answer 503. apiserver's own tests hold that bound.
	proxyTimeout = 30 * time.Second
}

// TestShutdownDrainsOpenConnections: once the context ends, a request sent
// on a keep-alive connection that was idle (as nginx sends one on a
// connection from its upstream keepalive pool) is still answered, with
// Connection: close, instead of the connection being closed under it;
// new connections are refused meanwhile.
func TestShutdownDrainsOpenConnections(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") })
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	// A drain longer than the test: Shutdown must not have begun.
	go func() { _ = serveDraining(ctx, slog.New(slog.NewTextHandler(io.Discard, nil)), ln, h, time.Minute) }()

	conn, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	r := bufio.NewReader(conn)
	get := func() *http.Response {
		t.Helper()
		fmt.Fprintf(conn, "GET / HTTP/1.1\r\nHost: bizy\r\n\r\n")
		res, err := http.ReadResponse(r, nil)
		if err != nil {
			t.Fatalf("request on the open connection: %v", err)
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		return res
	}
	if res := get(); res.StatusCode != http.StatusOK || res.Close {
		t.Fatalf("before shutdown: %d, close %v", res.StatusCode, res.Close)
	}
	cancel() // the connection is idle now
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		c, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			break // the listener is closed: draining has begun
		}
		c.Close()
		if time.Now().After(deadline) {
			t.Fatal("still accepting connections after shutdown began")
		}
	}
	if res := get(); res.StatusCode != http.StatusOK || !res.Close {
		t.Fatalf("while draining: %d, close %v; want 200 with Connection: close", res.StatusCode, res.Close)
	}
}

// TestShutdownFinishesInFlightRequests: when the context ends (SIGTERM in
// main), the server stops accepting but the request it is serving still
// gets its answer.
func TestShutdownFinishesInFlightRequests(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	entered, release := make(chan struct{}), make(chan struct{})
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(entered)
		<-release
		io.WriteString(w, "finished")
	})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- serveHTTP(ctx, slog.New(slog.NewTextHandler(io.Discard, nil)), ln, h) }()

	type result struct {
		body string
		err  error
	}
	got := make(chan result, 1)
	go func() {
		res, err := http.Get("http://" + ln.Addr().String())
		if err != nil {
			got <- result{err: err}
			return
		}
		b, err := io.ReadAll(res.Body)
		res.Body.Close()
		got <- result{string(b), err}
	}()
	<-entered
	cancel() // the request is in flight

	// New connections are refused once shutdown has begun.
	deadline := time.Now().Add(5 * time.Second)
	for {
		c, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			break
		}
		c.Close()
		if time.Now().After(deadline) {
			t.Fatal("still accepting connections after shutdown began")
		}
		time.Sleep(10 * time.Millisecond) // waiting for the listener to close, not timing
	}
	close(release)
	if r := <-got; r.err != nil || r.body != "finished" {
		t.Fatalf("in-flight request: %q, %v", r.body, r.err)
	}
	if err := <-done; err != nil {
		t.Fatalf("serveHTTP: %v", err)
	}
}
