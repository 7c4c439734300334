package main

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/bizy-auth/bizy/internal/mail/mailtest"
	"github.com/bizy-auth/bizy/internal/postgres/pgtest"
	"github.com/bizy-auth/bizy/internal/redis"
)

// shippedClusterConf is the nginx configuration README's "Run several
// copies" section points people to; TestCluster runs this very file.
const shippedClusterConf = "../../deploy/nginx/bizy.conf"

// clusterLoginBudget is RATE_LIMIT_LOGIN on every auth copy: small, so the
// test reaches it quickly, and with a slow refill (one login every 3
// minutes), so the total it counts is exact.
const (
	clusterLoginBudget = 20
	clusterLoginRate   = "20/1h"
)

// member is one copy of a service in the cluster: a process of the built
// binary, started and restarted on the same address with the same settings.
type member struct {
	name string
	bin  string
	addr string
	args []string

	cmd  *exec.Cmd
	done chan error // the process's exit
	logs *syncBuffer
}

func (m *member) base() string { return "http://" + m.addr }

// start runs the copy until the test ends (or stop) and waits until its
// /health answers 200. The process gets no environment, so none of the
// caller's settings leak into it.
func (m *member) start(t *testing.T) {
	t.Helper()
	m.logs = &syncBuffer{}
	m.cmd = exec.Command(m.bin, m.args...)
	m.cmd.Env = []string{}
	m.cmd.Stdout, m.cmd.Stderr = m.logs, m.logs
	if err := m.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	m.done = make(chan error, 1)
	go func(cmd *exec.Cmd, done chan<- error) { done <- cmd.Wait() }(m.cmd, m.done)
	watch(t, m.args) // exchanges with the copy held to its OpenAPI document
	// Generous: a loaded 2-core machine running other suites.
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); time.Sleep(25 * time.Millisecond) {
		select {
		case err := <-m.done:
			m.done <- err
			t.Fatalf("%s stopped early: %v; logs:\n%s", m.name, err, m.logs)
		default:
		}
		if res, err := http.Get(m.base() + "/health"); err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return
			}
		}
	}
	t.Fatalf("%s not healthy after a minute; logs:\n%s", m.name, m.logs)
}

// stop sends the copy SIGTERM, as an orchestrator does, and fails t unless
// it exits 0 within 30 s (it gives requests in flight up to 20 s).
func (m *member) stop(t *testing.T) {
	t.Helper()
	if err := m.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatalf("%s: SIGTERM: %v", m.name, err)
	}
	select {
	case err := <-m.done:
		m.done <- err
		if err != nil {
			t.Errorf("%s exited with %v after SIGTERM; logs:\n%s", m.name, err, m.logs)
		}
	case <-time.After(30 * time.Second):
		_ = m.cmd.Process.Kill()
		t.Errorf("%s still running 30 s after SIGTERM; logs:\n%s", m.name, m.logs)
	}
}

// kill ends the copy at once if it is running; the test's cleanup.
func (m *member) kill() {
	if m.cmd == nil {
		return
	}
	select {
	case err := <-m.done:
		m.done <- err
	default:
		_ = m.cmd.Process.Kill()
		<-m.done
	}
}

// buildBizy builds this command into a directory of the test's own, with
// the rate limits under a Redis prefix of its own (rateLimitPrefix), so
// that neither other runs nor a rerun in this process (-count) share its
// budgets. It is
// built without the race detector whatever the test binary has: under it
// one bcrypt hash takes seconds on a small machine, and the cluster test
// measures the services, not the detector (the in-process tests run them
// under it).
func buildBizy(t *testing.T) string {
	t.Helper()
	goBin, err := exec.LookPath("go")
	if err != nil {
		goBin = "/usr/local/go/bin/go" // the machine's Go when PATH lacks it
	}
	bin := filepath.Join(t.TempDir(), "bizy")
	cmd := exec.Command(goBin, "build", "-o", bin, "-ldflags", "-X main.rateLimitPrefix=bizy:test:"+rand.Text()+":ratelimit:", ".")
	goBuild.Lock()
	out, err := cmd.CombinedOutput()
	goBuild.Unlock()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// tool runs the built binary's command args to completion on the
// cluster's database and returns what it printed.
func (c *cluster) tool(t *testing.T, args ...string) string {
	t.Helper()
	cmd := exec.Command(c.bin, append(args, c.toolArgs...)...)
	cmd.Env = []string{}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("bizy %v: %v\n%s%s", args, err, out, stderr.Bytes())
	}
	return string(out)
}

// cluster is two copies of `bizy auth` and two of `bizy api` on one
// PostgreSQL database and one Redis, behind nginx with deploy/nginx/bizy.conf.
type cluster struct {
	front    string     // the public origin: nginx in front of the API copies
	private  string     // nginx's private server in front of the auth copies
	auths    [2]*member // bizy auth
	apis     [2]*member // bizy api
	bin      string     // the built bizy
	toolArgs []string   // settings for the CLI (user create, keys rotate)
	smtp     *mailtest.SMTPServer
	redisURL string
}

// clusterServices returns the URLs of the PostgreSQL and Redis the cluster
// runs on. Without BIZY_TEST_POSTGRES_URL or BIZY_TEST_REDIS_URL the test
// is skipped, saying so, except under CI, where it fails; either set but
// unreachable fails it.
func clusterServices(t *testing.T) (pgURL, redisURL string) {
	t.Helper()
	if runtime.GOOS != "linux" {
		t.Skip("SKIPPED: the cluster test gives each client an address of 127.0.0.0/8, which only Linux routes to loopback")
	}
	for _, env := range []string{pgtest.EnvURL, "BIZY_TEST_REDIS_URL"} {
		if os.Getenv(env) != "" {
			continue
		}
		if os.Getenv("CI") != "" {
			t.Fatalf("%s is not set; CI must run the cluster test on PostgreSQL and Redis (.ci/run sets it)", env)
		}
		t.Skipf("SKIPPED: %s not set, so the cluster test (two copies of each service behind nginx) does not run", env)
	}
	redisURL = os.Getenv("BIZY_TEST_REDIS_URL")
	c, err := redis.Open(t.Context(), redisURL)
	if err != nil {
		t.Fatalf("BIZY_TEST_REDIS_URL is set but Redis is unreachable: %v", err)
	}
	c.Close()
	return pgtest.Database(t), redisURL
}

// startCluster starts nginx with the shipped configuration, then the two
// auth copies and the two API copies it balances.
func startCluster(t *testing.T) *cluster {
	t.Helper()
	proxyPath(t, "nginx") // skip or fail before starting anything
	db, redisURL := clusterServices(t)
	c := &cluster{bin: buildBizy(t), smtp: mailtest.StartSMTP(t), redisURL: redisURL}
	frontAddr, privateAddr := freeAddr(t), freeAddr(t)
	c.front, c.private = "http://"+frontAddr, "http://"+privateAddr
	c.toolArgs = []string{"--database-url", db, "--data-dir", dataDir(t), "--bcrypt-cost", "10"}
	// Every copy trusts X-Forwarded-For from 127.0.0.1 alone (nginx and,
	// for auth, the API copies); the test's clients come from other
	// loopback addresses, as people would from theirs.
	shared := []string{"--database-url", db, "--redis-url", redisURL, "--data-dir", dataDir(t),
		"--public-url", c.front, "--trusted-proxies", "127.0.0.1/32"}
	for i := range c.auths {
		addr := freeAddr(t)
		c.auths[i] = &member{name: fmt.Sprintf("auth-%d", i+1), bin: c.bin, addr: addr, args: append([]string{"auth",
			"--auth-addr", addr, "--bcrypt-cost", "10", "--rate-limit-login", clusterLoginRate,
			// Reuse of a rotated refresh token is theft at once, so the
			// test sees its revocation reach both API copies (the default
			// REFRESH_REUSE_INTERVAL would answer it for 10 s).
			"--refresh-reuse-interval=0",
			"--smtp-host", c.smtp.Host, "--smtp-port", strconv.Itoa(c.smtp.Port)}, shared...)}
	}
	for i := range c.apis {
		addr := freeAddr(t)
		c.apis[i] = &member{name: fmt.Sprintf("api-%d", i+1), bin: c.bin, addr: addr, args: append([]string{"api",
			"--api-addr", addr, "--auth-server-url", c.private}, shared...)}
	}
	runNginx(t, substitute(t, shippedClusterConf, [][2]string{
		{"server 10.0.1.11:8000 ", "server " + c.apis[0].addr + " "},
		{"server 10.0.1.12:8000 ", "server " + c.apis[1].addr + " "},
		{"server 10.0.1.21:4567 ", "server " + c.auths[0].addr + " "},
		{"server 10.0.1.22:4567 ", "server " + c.auths[1].addr + " "},
		{"listen 80;", "listen " + frontAddr + ";"},
		{"listen 10.0.1.10:4567;", "listen " + privateAddr + ";"},
		{"allow 10.0.1.0/24;", "allow 127.0.0.1;"},
	}), frontAddr, privateAddr)
	for _, m := range append(c.auths[:], c.apis[:]...) {
		t.Cleanup(m.kill)
		m.start(t)
	}
	return c
}

// createUser makes a verified user name (email name@example.com) with the
// password clusterPassword on the command line.
func (c *cluster) createUser(t *testing.T, name string) {
	t.Helper()
	c.tool(t, "user", "create", "--username", name, "--email", name+"@example.com", "--password", clusterPassword, "--verified")
}

const clusterPassword = "Tr1cky!Horse"

// visitor is a client of the cluster at a loopback address of its own
// (Linux routes all of 127.0.0.0/8 to loopback), so that nginx, the API and
// the auth service each see a client IP that is not their trusted
// 127.0.0.1, and each visitor has its own rate-limit budgets.
type visitor struct {
	ip string
	c  *http.Client
}

// newVisitor returns a visitor at ip; keepAlive keeps its connections to
// nginx open between requests, as a browser does.
func newVisitor(t *testing.T, ip string, keepAlive bool) *visitor {
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}, Timeout: 10 * time.Second}
	tr := &http.Transport{DialContext: d.DialContext, DisableKeepAlives: !keepAlive, MaxIdleConnsPerHost: 4}
	if keepAlive {
		t.Cleanup(tr.CloseIdleConnections)
	}
	return &visitor{ip: ip, c: &http.Client{Transport: tr, Timeout: time.Minute}}
}

// answer is a response, read in full.
type answer struct {
	status int
	header http.Header
	body   map[string]any // nil when the body is not a JSON object
	raw    string
}

func (a answer) String() string { return fmt.Sprintf("%d %s", a.status, strings.TrimSpace(a.raw)) }

// send sends method url, with body as JSON unless it is "", and bearer as
// the token unless it is "". An error is a request that got no answer.
func (v *visitor) send(method, url, bearer, body string) (answer, error) {
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, url, r)
	if err != nil {
		return answer{}, err
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	res, err := v.c.Do(req)
	if err != nil {
		return answer{}, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return answer{}, err
	}
	a := answer{status: res.StatusCode, header: res.Header, raw: string(b)}
	_ = json.Unmarshal(b, &a.body)
	return a, nil
}

// must is send that fails t when there is no answer.
func (v *visitor) must(t *testing.T, method, url, bearer, body string) answer {
	t.Helper()
	a, err := v.send(method, url, bearer, body)
	if err != nil {
		t.Fatalf("%s %s from %s: %v", method, url, v.ip, err)
	}
	return a
}

// login signs name in through the cluster's public origin and returns the
// answer, 200 with tokens or not.
func (v *visitor) login(t *testing.T, c *cluster, name, password string) answer {
	t.Helper()
	return v.must(t, "POST", c.front+"/api/auth/login", "", fmt.Sprintf(`{"username":%q,"password":%q}`, name, password))
}

// tokens returns the access and refresh tokens of a 200 login or refresh,
// failing t for any other answer.
func tokens(t *testing.T, what string, a answer) (access, refresh string) {
	t.Helper()
	if a.status != http.StatusOK {
		t.Fatalf("%s = %s, want 200", what, a)
	}
	access, _ = a.body["token"].(string)
	refresh, _ = a.body["refresh_token"].(string)
	if access == "" || refresh == "" {
		t.Fatalf("%s: no tokens in %s", what, a)
	}
	return access, refresh
}

// tokenKID returns the kid in the header of the JWT tok.
func tokenKID(t *testing.T, tok string) string {
	t.Helper()
	head, _, _ := strings.Cut(tok, ".")
	b, err := base64.RawURLEncoding.DecodeString(head)
	var h struct {
		KID string `json:"kid"`
	}
	if err != nil || json.Unmarshal(b, &h) != nil || h.KID == "" {
		t.Fatalf("token header %q has no kid", head)
	}
	return h.KID
}

// counter sums the samples of GET base/metrics whose series starts with
// prefix (a name and the first labels, which Prometheus sorts by name): 0
// when there are none yet.
func counter(t *testing.T, base, prefix string) float64 {
	t.Helper()
	res, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var sum float64
	sc := bufio.NewScanner(res.Body)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line := sc.Bytes()
		if !bytes.HasPrefix(line, []byte(prefix)) {
			continue
		}
		i := bytes.LastIndexByte(line, ' ')
		v, err := strconv.ParseFloat(string(line[i+1:]), 64)
		if err != nil {
			t.Fatalf("%s/metrics: %q", base, line)
		}
		sum += v
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return sum
}

// routeCount is how many requests to route a copy has answered, by status
// class prefix ("2" for 2xx, "" for any).
func routeCount(t *testing.T, m *member, route, status string) float64 {
	t.Helper()
	method, _, _ := strings.Cut(route, " ")
	return counter(t, m.base(), fmt.Sprintf(`bizy_http_requests_total{method=%q,route=%q,status="%s`, method, route, status))
}
