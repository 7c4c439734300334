package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// The -reqcost mode measures what one request costs each server, the
// figure behind the throughput ratios without their noise: `bizy serve` on
// SQLite and the bare baseline, each in a process of its own, get exactly
// -reqcost requests over -connections keep-alive connections, and it
// prints each server's CPU time per request (utime and stime from /proc,
// which other processes on the machine do not add to) and, with
// -callgrind, the instructions per request callgrind counts over exactly
// those requests (deterministic; user space only; under callgrind's
// slowdown the revocation poll, once a second, weighs about 50 times what
// it does at full speed). The kernel counts CPU time in 10 ms ticks, so
// the CPU figures want 50,000 requests or more, and repeating: they move
// with the machine's other load (caches, frequency) where the
// instruction counts do not.
//
//	go run ./scripts/benchrun -bizy BIN -reqcost 50000
//	go run ./scripts/benchrun -bizy BIN -reqcost 3000 -callgrind [-keep] [-bare-bearer]
//
// -bare-bearer sends the bare server the same Authorization header, to see
// what net/http itself spends on reading the token.

// costTarget is one server process and the request measured on it.
type costTarget struct {
	name, url, bearer string
	cmd               *exec.Cmd
	dump              string // callgrind's output file
}

func measureCost(ctx context.Context, o options) error {
	env, cleanup, err := engineEnv(ctx, "sqlite", "")
	if err != nil {
		return err
	}
	defer cleanup()
	dumps, err := os.MkdirTemp("", "reqcost-")
	if err != nil {
		return err
	}
	if o.keep {
		fmt.Println("callgrind dumps in", dumps)
	} else {
		defer os.RemoveAll(dumps)
	}
	wrap := func(name string) []string {
		if !o.callgrind {
			return nil
		}
		return []string{"valgrind", "--tool=callgrind", "--instr-atstart=no",
			"--callgrind-out-file=" + filepath.Join(dumps, name+".callgrind")}
	}
	if o.callgrind {
		// Go's preemption signals are more than callgrind takes.
		env = append(env, "GODEBUG=asyncpreemptoff=1")
	}
	wait := time.Minute
	if o.callgrind {
		wait = 5 * time.Minute
	}

	self, err := os.Executable()
	if err != nil {
		return err
	}
	addr := freeAddr()
	bare := &costTarget{name: "bare net/http", url: "http://" + addr + "/", dump: filepath.Join(dumps, "hello.callgrind")}
	argv := append(wrap("hello"), self, "-hello", addr)
	bare.cmd = exec.CommandContext(ctx, argv[0], argv[1:]...)
	bare.cmd.Env, bare.cmd.Stderr = append(os.Environ(), env...), os.Stderr
	if err := bare.cmd.Start(); err != nil {
		return err
	}
	defer func() { bare.cmd.Process.Signal(syscall.SIGTERM); bare.cmd.Wait() }()
	if err := waitHealthy(ctx, bare.url, wait); err != nil {
		return err
	}
	srv, err := startWrapped(ctx, wrap("bizy"), o.bizy, env, wait)
	if err != nil {
		return err
	}
	defer srv.stop()
	tok, err := srv.seed(ctx)
	if err != nil {
		return err
	}
	if o.bareBearer {
		bare.name, bare.bearer = "bare, with token", tok
	}
	verify := &costTarget{name: "bizy verify-token", url: srv.api + "/api/auth/verify-token", bearer: tok,
		cmd: srv.cmd, dump: filepath.Join(dumps, "bizy.callgrind")}

	fmt.Printf("reqcost: %d requests over %d connections to each, callgrind %v, a token of %d bytes\n",
		o.reqcost, o.conns, o.callgrind, len(tok))
	var cpu, ir [2]float64
	for i, t := range []*costTarget{bare, verify} {
		if err := costLoad(t, 1000, o.conns); err != nil { // warm: connections, caches, series
			return err
		}
		c0, err := cpuTicks(t.cmd.Process.Pid)
		if err != nil {
			return err
		}
		if o.callgrind {
			if err := callgrindControl(t, "--instr=on", "--zero"); err != nil {
				return err
			}
		}
		if err := costLoad(t, o.reqcost, o.conns); err != nil {
			return err
		}
		c1, err := cpuTicks(t.cmd.Process.Pid)
		if err != nil {
			return err
		}
		per := func(ticks int64) float64 { return float64(ticks) * 1e4 / float64(o.reqcost) } // µs
		cpu[i] = per(c1[0] + c1[1] - c0[0] - c0[1])
		line := fmt.Sprintf("%-18s CPU %5.1f µs/request (user %.1f, sys %.1f)", t.name, cpu[i], per(c1[0]-c0[0]), per(c1[1]-c0[1]))
		if o.callgrind {
			n, err := callgrindTotal(t)
			if err != nil {
				return err
			}
			ir[i] = float64(n) / float64(o.reqcost)
			line += fmt.Sprintf(", %.0f instructions/request", ir[i])
		}
		fmt.Println(line)
	}
	fmt.Printf("bare ÷ bizy: CPU time %.2f", cpu[0]/cpu[1])
	if o.callgrind {
		fmt.Printf(", instructions %.2f", ir[0]/ir[1])
	}
	fmt.Println()
	return nil
}

// serveHello is startHello's server in a process of its own, for -reqcost.
func serveHello(addr string) error { return http.ListenAndServe(addr, helloHandler) }

// costLoad sends n GET requests to t over conns keep-alive connections and
// fails on any answer but 200.
func costLoad(t *costTarget, n, conns int) error {
	tr := &http.Transport{MaxIdleConnsPerHost: conns, DisableCompression: true}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr}
	errs := make([]error, conns)
	var wg sync.WaitGroup
	for i := range conns {
		wg.Go(func() {
			for j := i; j < n && errs[i] == nil; j += conns {
				req, _ := http.NewRequest(http.MethodGet, t.url, nil)
				if t.bearer != "" {
					req.Header.Set("Authorization", "Bearer "+t.bearer)
				}
				resp, err := client.Do(req)
				if err == nil {
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if resp.StatusCode != http.StatusOK {
						err = fmt.Errorf("%s: %s", t.url, resp.Status)
					}
				}
				errs[i] = err
			}
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}

// cpuTicks returns utime and stime of pid, in clock ticks (1/100 s).
func cpuTicks(pid int) ([2]int64, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return [2]int64{}, err
	}
	// utime and stime are the 12th and 13th fields after the command
	// name, which is in parentheses.
	f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+1:]))
	u, _ := strconv.ParseInt(f[11], 10, 64)
	s, _ := strconv.ParseInt(f[12], 10, 64)
	return [2]int64{u, s}, nil
}

// callgrindControl passes args to callgrind_control for t's process.
func callgrindControl(t *costTarget, args ...string) error {
	for _, a := range args {
		out, err := exec.Command("callgrind_control", a, strconv.Itoa(t.cmd.Process.Pid)).CombinedOutput()
		if err != nil {
			return fmt.Errorf("callgrind_control %s: %v: %s", a, err, out)
		}
	}
	return nil
}

// callgrindTotal dumps the count since the last zero and returns it.
func callgrindTotal(t *costTarget) (int64, error) {
	before, _ := filepath.Glob(t.dump + "*")
	if err := callgrindControl(t, "--dump"); err != nil {
		return 0, err
	}
	after, _ := filepath.Glob(t.dump + "*")
	var dump string
	for _, f := range after {
		if !slices.Contains(before, f) {
			dump = f
		}
	}
	b, err := os.ReadFile(dump)
	if err != nil {
		return 0, fmt.Errorf("callgrind's dump: %w", err)
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "totals: "); ok {
			return strconv.ParseInt(strings.Fields(v)[0], 10, 64)
		}
	}
	return 0, fmt.Errorf("no totals in %s", dump)
}
