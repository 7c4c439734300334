// Package redistest runs a redis-server of a test's own, which the test
// may stop, restart on the same port, or freeze: how the fallback of the
// rate limits is tested without touching the Redis other tests share.
package redistest

import (
	"bytes"
	"context"
	"net"
	"os/exec"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// Server is a redis-server on a free loopback port, without persistence,
// killed when the test ends.
type Server struct {
	t    testing.TB
	bin  string
	port string
	dir  string

	mu  sync.Mutex // guards cmd
	cmd *exec.Cmd
	out output
}

// output keeps what the server prints; the process writes it from
// exec's own goroutines.
type output struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (o *output) Write(p []byte) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.b.Write(p)
}

func (o *output) String() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.b.String()
}

// Start runs a redis-server and waits until it answers. It fails t when
// the redis-server binary is not on PATH: the caller decides whether the
// test runs at all (the Redis suites run with BIZY_TEST_REDIS_URL).
func Start(t testing.TB) *Server {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		t.Fatalf("this test needs redis-server on PATH: %v", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
	ln.Close()
	s := &Server{t: t, bin: bin, port: port, dir: t.TempDir()}
	s.Restart()
	t.Cleanup(s.Kill)
	return s
}

// URL is the server's redis:// URL.
func (s *Server) URL() string { return "redis://127.0.0.1:" + s.port + "/0" }

// Restart starts the server again on the same port, empty, and waits
// until it answers (at most 15 s).
func (s *Server) Restart() {
	s.t.Helper()
	s.mu.Lock()
	s.cmd = exec.Command(s.bin, "--port", s.port, "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no", "--dir", s.dir)
	s.cmd.Stdout, s.cmd.Stderr = &s.out, &s.out // both runs' output, for a failure
	err := s.cmd.Start()
	s.mu.Unlock()
	if err != nil {
		s.t.Fatalf("start redis-server: %v", err)
	}
	c := redis.NewClient(&redis.Options{Addr: "127.0.0.1:" + s.port, MaxRetries: -1})
	defer c.Close()
	deadline := time.Now().Add(15 * time.Second)
	for c.Ping(context.Background()).Err() != nil {
		if time.Now().After(deadline) {
			s.t.Fatalf("redis-server on port %s did not answer within 15 s:\n%s", s.port, s.out.String())
		}
		time.Sleep(20 * time.Millisecond) // polling a process coming up
	}
}

// Kill stops the server; the port is free again after.
func (s *Server) Kill() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd == nil || s.cmd.ProcessState != nil {
		return
	}
	_ = s.cmd.Process.Kill()
	_ = s.cmd.Wait()
}

// Freeze stops the server without closing its connections (SIGSTOP), so
// calls hang rather than fail; it thaws when the test ends.
func (s *Server) Freeze() {
	s.t.Helper()
	s.mu.Lock()
	p := s.cmd.Process
	s.mu.Unlock()
	if err := p.Signal(syscall.SIGSTOP); err != nil {
		s.t.Fatal(err)
	}
	s.t.Cleanup(func() { _ = p.Signal(syscall.SIGCONT) }) // before Kill: cleanups run last first
}
