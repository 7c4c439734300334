package pgtest

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// Server is a PostgreSQL cluster of a test's own, on a free loopback port,
// which the test may stop and start again (same data): how an outage is
// tested without touching the server other tests share. It runs as the
// postgres user when the test runs as root, as PostgreSQL refuses root.
type Server struct {
	t    testing.TB
	bin  string // directory of initdb and postgres
	dir  string // data directory
	sock string // socket directory
	port string
	cred *syscall.Credential // nil when not root

	mu     sync.Mutex // guards cmd and frozen
	cmd    *exec.Cmd
	frozen []int // pids Freeze stopped, postmaster first
	out    output
}

// output keeps what the server prints, written from exec's goroutines.
type output struct {
	mu sync.Mutex
	b  []byte
}

func (o *output) Write(p []byte) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.b = append(o.b, p...)
	return len(p), nil
}

func (o *output) String() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return string(o.b)
}

// Binaries returns the directory holding Debian's initdb and postgres (the
// newest of /usr/lib/postgresql/*/bin), or the one of initdb on PATH; ""
// when there is none.
func Binaries() string {
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool { return version(dirs[i]) > version(dirs[j]) })
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(d, "initdb")); err == nil {
			return d
		}
	}
	if p, err := exec.LookPath("initdb"); err == nil {
		return filepath.Dir(p)
	}
	return ""
}

func version(binDir string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(binDir)))
	return n
}

// StartServer initialises a cluster in a temporary directory, starts it and
// waits until it answers; it is killed and removed when t ends. Without
// PostgreSQL's binaries it fails t under CI=true and skips it elsewhere,
// saying so.
func StartServer(t testing.TB) *Server {
	t.Helper()
	bin := Binaries()
	if bin == "" {
		msg := "this test needs PostgreSQL's server binaries (initdb, postgres; Debian: apt-get install postgresql)"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg + "; skipping")
	}
	s := &Server{t: t, bin: bin}
	// Not t.TempDir: its parent is private to root, and the server may run
	// as the postgres user.
	root, err := os.MkdirTemp("", "bizy-pg-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(root) })
	s.dir, s.sock = filepath.Join(root, "data"), filepath.Join(root, "sock")
	if err := os.Mkdir(s.sock, 0o700); err != nil {
		t.Fatal(err)
	}
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			t.Fatalf("running as root, PostgreSQL needs the postgres user: %v", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		s.cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
		for _, p := range []string{root, s.sock} {
			if err := os.Chown(p, uid, gid); err != nil {
				t.Fatal(err)
			}
		}
	}
	initdb := s.command(filepath.Join(bin, "initdb"), "-D", s.dir, "-U", "postgres", "-A", "trust",
		"--no-sync", "-E", "UTF8", "--locale", "C")
	if out, err := initdb.CombinedOutput(); err != nil {
		t.Fatalf("initdb: %v\n%s", err, out)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.port = strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
	ln.Close()
	s.Start()
	t.Cleanup(s.kill)
	return s
}

func (s *Server) command(name string, args ...string) *exec.Cmd {
	c := exec.Command(name, args...)
	if s.cred != nil {
		c.SysProcAttr = &syscall.SysProcAttr{Credential: s.cred}
	}
	return c
}

// URL is the postgres:// URL of the cluster's postgres database.
func (s *Server) URL() string {
	return "postgres://postgres@127.0.0.1:" + s.port + "/postgres?sslmode=disable"
}

// Start starts the server (again, on the same data and port) and waits
// until it answers, at most 60 s.
func (s *Server) Start() {
	s.t.Helper()
	s.mu.Lock()
	s.cmd = s.command(filepath.Join(s.bin, "postgres"), "-D", s.dir, "-p", s.port,
		"-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories="+s.sock,
		"-c", "max_connections=100", "-c", "shared_buffers=16MB")
	s.cmd.Stdout, s.cmd.Stderr = &s.out, &s.out
	err := s.cmd.Start()
	s.mu.Unlock()
	if err != nil {
		s.t.Fatalf("start postgres: %v", err)
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		c, err := pgx.Connect(ctx, s.URL())
		if err == nil {
			c.Close(ctx)
			cancel()
			return
		}
		cancel()
		if time.Now().After(deadline) {
			s.t.Fatalf("postgres on port %s did not answer within 60 s: %v\n%s", s.port, err, s.out.String())
		}
		time.Sleep(50 * time.Millisecond) // polling a process coming up
	}
}

// Stop shuts the server down as an operator would (fast shutdown: open
// sessions are ended, committed work is kept) and waits until it is gone.
func (s *Server) Stop() {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd == nil || s.cmd.ProcessState != nil {
		return
	}
	if err := s.cmd.Process.Signal(syscall.SIGINT); err != nil {
		s.t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- s.cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(60 * time.Second):
		_ = s.cmd.Process.Kill()
		<-done
		s.t.Fatalf("postgres did not shut down within 60 s:\n%s", s.out.String())
	}
}

// Log returns what the server printed, for a failure's message.
func (s *Server) Log() string { return s.out.String() }

func (s *Server) kill() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd == nil || s.cmd.ProcessState != nil {
		return
	}
	_ = s.cmd.Process.Kill()
	_ = s.cmd.Wait()
}

// String names the server in messages.
func (s *Server) String() string { return fmt.Sprintf("postgres on 127.0.0.1:%s", s.port) }
