package main

import (
	"context"
	"database/sql"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx", to read what was left
	_ "modernc.org/sqlite"             // database/sql driver "sqlite"

	"github.com/bizy-auth/bizy/internal/postgres/pgtest"
)

var (
	buildOnce sync.Once
	builtBin  string
	buildErr  error

	// goBuild runs one `go build` of this command at a time (bizyBinary,
	// buildBizy): the tests that build run in parallel, and two builds at
	// once would each compile every package the cache lacks (all of them
	// without -race on a fresh CI machine), where the second one in turn
	// finds them compiled and only links.
	goBuild sync.Mutex
)

// bizyBinary builds bizy once per test run into a temporary directory, for
// the tests that must kill a real process.
func bizyBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "bizy-bin-")
		if err != nil {
			buildErr = err
			return
		}
		builtBin = filepath.Join(dir, "bizy")
		// Bounded: on a loaded machine the build waits on the shared build
		// cache; a failure says so rather than hanging the test binary.
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		goBuild.Lock()
		defer goBuild.Unlock()
		out, err := exec.CommandContext(ctx, "go", "build", "-o", builtBin, ".").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return builtBin
}

// removeBizyBinary removes what bizyBinary built, once every test is done.
func removeBizyBinary() {
	if builtBin != "" {
		os.RemoveAll(filepath.Dir(builtBin))
	}
}

// process is `bizy serve` run as a process of its own.
type process struct {
	cmd    *exec.Cmd
	logs   *syncBuffer
	auth   string // base URLs
	api    string
	exited chan struct{} // closed once the process has ended (its one Wait)
}

// startProcess runs the built binary with `serve` and args on free ports,
// rate limits off, and waits until both services are healthy. It is
// killed when the test ends.
func startProcess(t *testing.T, args ...string) *process {
	t.Helper()
	authAddr, apiAddr := freeAddr(t), freeAddr(t)
	p := &process{logs: &syncBuffer{}, auth: "http://" + authAddr, api: "http://" + apiAddr}
	p.cmd = exec.Command(bizyBinary(t), append([]string{"serve", "--auth-addr", authAddr, "--api-addr", apiAddr}, args...)...)
	p.cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "RATE_LIMIT_ENABLED=false"}
	p.cmd.Stdout, p.cmd.Stderr = p.logs, p.logs
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	p.exited = exited
	go func() { _ = p.cmd.Wait(); close(exited) }()
	t.Cleanup(func() { _ = p.cmd.Process.Kill(); <-exited })
	for deadline := time.Now().Add(60 * time.Second); ; {
		select {
		case <-exited:
			t.Fatalf("bizy serve exited early:\n%s", p.logs)
		default:
		}
		ok := 0
		for _, base := range []string{p.auth, p.api} {
			if res, err := http.Get(base + "/health"); err == nil {
				res.Body.Close()
				if res.StatusCode == http.StatusOK {
					ok++
				}
			}
		}
		if ok == 2 {
			return p
		}
		if time.Now().After(deadline) {
			t.Fatalf("bizy serve not healthy after 60 s:\n%s", p.logs)
		}
		time.Sleep(50 * time.Millisecond) // polling a process coming up
	}
}

// TestKillDuringRegistrations kills `bizy serve` (SIGKILL) in the middle of
// a burst of concurrent registrations, on SQLite and on PostgreSQL, and
// starts it again on the same data: every user that got a 201 exists, and
// every user in the database has its verification mail in the outbox
// (queued or sent): a registration is all or nothing.
func TestKillDuringRegistrations(t *testing.T) {
	t.Parallel()
	t.Run("sqlite", func(t *testing.T) {
		alone(t)
		dir := dataDir(t)
		killDuringRegistrations(t, "sqlite", filepath.Join(dir, "bizy.db"), "--data-dir", dir)
	})
	t.Run("postgres", func(t *testing.T) {
		alone(t)
		pg := pgtest.StartServer(t)
		killDuringRegistrations(t, "pgx", pg.URL(), "--data-dir", dataDir(t), "--database-url", pg.URL())
	})
}

func killDuringRegistrations(t *testing.T, driver, dsn string, args ...string) {
	args = append(args, "--bcrypt-cost", "10")
	p := startProcess(t, args...)
	var (
		mu    sync.Mutex
		acked []string
		wg    sync.WaitGroup
	)
	client := &http.Client{Timeout: 30 * time.Second}
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				name := fmt.Sprintf("burst%d_%d", w, i)
				res, err := client.Post(p.auth+"/register", "application/json", strings.NewReader(
					fmt.Sprintf(`{"username":%q,"email":"%s@example.com","password":"Tr1cky!Horse"}`, name, name)))
				if err != nil {
					return // the process is gone
				}
				res.Body.Close()
				if res.StatusCode == http.StatusCreated {
					mu.Lock()
					acked = append(acked, name)
					mu.Unlock()
				}
			}
		}()
	}
	// Kill once registrations are flowing, so some are surely in flight.
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		mu.Lock()
		n := len(acked)
		mu.Unlock()
		if n >= 20 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("only %d registrations in 60 s:\n%s", n, p.logs)
		}
	}
	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	t.Logf("%d registrations acknowledged before the kill", len(acked))

	// The restart recovers the database (SQLite's WAL, PostgreSQL's log).
	p = startProcess(t, args...)
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	<-p.exited // startProcess's goroutine waits for it: a second Wait would race

	db, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	rows, err := db.QueryContext(ctx, `SELECT u.username,
		EXISTS (SELECT 1 FROM outbox o WHERE o.recipient = u.email) FROM users u`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	found := map[string]bool{}
	for rows.Next() {
		var name string
		var mailed bool
		if err := rows.Scan(&name, &mailed); err != nil {
			t.Fatal(err)
		}
		found[name] = true
		if !mailed {
			t.Errorf("user %s has no verification mail in the outbox: a half-made registration", name)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	for _, name := range acked {
		if !found[name] {
			t.Errorf("user %s got a 201 but is not in the database after the restart", name)
		}
	}
	t.Logf("%d users in the database, %d acknowledged", len(found), len(acked))
}
