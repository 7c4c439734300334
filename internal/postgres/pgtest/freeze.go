package pgtest

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
)

// Freeze stops every process of the server with SIGSTOP: the postmaster
// first, so that it forks no new backend, then each process it started
// (backends, checkpointer, WAL writer…). The kernel still accepts
// connections on its port, but nothing answers any of them, old or new: a
// hung server, as a host that froze or a network that drops packets
// shows itself to a client. (pg_ctl cannot do this; Stop shuts down
// cleanly.) Thaw resumes them; Freeze registers Thaw as a cleanup, so a
// test that fails while the server is frozen leaves no stopped process
// behind.
func (s *Server) Freeze() {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd == nil || s.cmd.ProcessState != nil {
		s.t.Fatal("pgtest: Freeze: the server is not running")
	}
	postmaster := s.cmd.Process.Pid
	if err := syscall.Kill(postmaster, syscall.SIGSTOP); err != nil {
		s.t.Fatalf("pgtest: SIGSTOP postmaster %d: %v", postmaster, err)
	}
	s.frozen = append([]int{postmaster}, children(postmaster)...)
	for _, pid := range s.frozen[1:] {
		// A backend may have exited since /proc was read.
		_ = syscall.Kill(pid, syscall.SIGSTOP)
	}
	s.t.Cleanup(s.Thaw)
}

// Thaw resumes with SIGCONT what Freeze stopped. It does nothing when the
// server is not frozen.
func (s *Server) Thaw() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, pid := range s.frozen {
		_ = syscall.Kill(pid, syscall.SIGCONT)
	}
	s.frozen = nil
}

// children returns the pids of the processes whose parent is ppid, read
// from /proc (Linux). PostgreSQL's processes are all children of the
// postmaster.
func children(ppid int) []int {
	stats, _ := filepath.Glob("/proc/[0-9]*/stat")
	var pids []int
	for _, st := range stats {
		b, err := os.ReadFile(st)
		if err != nil {
			continue
		}
		// pid (comm) state ppid …; comm may hold spaces and parentheses.
		i := bytes.LastIndexByte(b, ')')
		if i < 0 {
			continue
		}
		f := bytes.Fields(b[i+1:])
		if len(f) < 2 || string(f[1]) != strconv.Itoa(ppid) {
			continue
		}
		if pid, err := strconv.Atoi(filepath.Base(filepath.Dir(st))); err == nil {
			pids = append(pids, pid)
		}
	}
	return pids
}
