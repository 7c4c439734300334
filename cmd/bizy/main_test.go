package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bizy-auth/bizy/token"
)

// syncBuffer is a bytes.Buffer safe to write from the server's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// handedOut is every address freeAddr has returned in this process.
var handedOut = struct {
	sync.Mutex
	addrs map[string]bool
}{addrs: map[string]bool{}}

// freeAddr returns a loopback address with a port nothing listens on, and
// none it returned before: the kernel may give a port just closed again
// at once, and a test (or one beside it) that asked for two would get the
// same one twice.
func freeAddr(t *testing.T) string {
	t.Helper()
	for {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := ln.Addr().String()
		ln.Close()
		handedOut.Lock()
		seen := handedOut.addrs[addr]
		handedOut.addrs[addr] = true
		handedOut.Unlock()
		if !seen {
			return addr
		}
	}
}

func noEnv(string) string { return "" }

// dataDir returns a DATA_DIR for one test that does not exist yet, so bizy
// creates it private (0700) as on a first start. t.TempDir() itself will
// not do: it is 0755 under the usual umask, which bizy refuses.
func dataDir(t *testing.T) string {
	t.Helper()
	return filepath.Join(t.TempDir(), "data")
}

// runCmd runs one bizy command to completion.
func runCmd(t *testing.T, stdin string, args ...string) (string, error) {
	t.Helper()
	var out, errOut syncBuffer
	err := run(context.Background(), args, noEnv, strings.NewReader(stdin), &out, &errOut)
	if err != nil {
		return out.String(), fmt.Errorf("%w; stderr: %s", err, errOut.String())
	}
	return out.String(), nil
}

// startCmd runs a long-running bizy command until the test ends (or stop is
// called) and waits until GET healthURL answers 200. The tests' exchanges
// with the services it starts are checked against their OpenAPI documents
// (watch).
func startCmd(t *testing.T, healthURL string, args ...string) (stop func()) {
	t.Helper()
	return startCmdLogging(t, &syncBuffer{}, healthURL, args...)
}

// startCmdLogs is startCmd that also returns the command's log.
func startCmdLogs(t *testing.T, healthURL string, args ...string) (stop func(), logs *syncBuffer) {
	t.Helper()
	logs = &syncBuffer{}
	return startCmdLogging(t, logs, healthURL, args...), logs
}

// startCmdLogging is startCmd with the command's log written to logs.
func startCmdLogging(t *testing.T, logs *syncBuffer, healthURL string, args ...string) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, args, noEnv, strings.NewReader(""), io.Discard, logs)
	}()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			select {
			case err := <-done:
				if err != nil {
					t.Errorf("%v returned %v; logs:\n%s", args, err, logs.String())
				}
			case <-time.After(30 * time.Second):
				t.Errorf("%v did not stop after its context ended", args)
			}
		})
	}
	t.Cleanup(stop)
	watch(t, args) // every exchange held to the services' OpenAPI documents
	// Generous: a loaded 2-core machine running other suites with -race.
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); {
		select {
		case err := <-done:
			once.Do(func() {}) // nothing left for stop to wait for
			t.Fatalf("%v stopped early: %v; logs:\n%s", args, err, logs.String())
		default:
		}
		if res, err := http.Get(healthURL); err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return stop
			}
		}
		time.Sleep(25 * time.Millisecond) // polling a real server coming up, not timing a test
	}
	t.Fatalf("%v not healthy after 30 s; logs:\n%s", args, logs.String())
	return nil
}

// startServe runs `bizy serve` on free ports and returns the auth service's
// and the API's base URLs.
func startServe(t *testing.T, args ...string) (authBase, apiBase string) {
	t.Helper()
	authAddr, apiAddr := freeAddr(t), freeAddr(t)
	startCmd(t, "http://"+apiAddr+"/health",
		append([]string{"serve", "--auth-addr", authAddr, "--api-addr", apiAddr}, args...)...)
	return "http://" + authAddr, "http://" + apiAddr
}

func postJSON(t *testing.T, url string, body any) (*http.Response, map[string]any) {
	t.Helper()
	b, _ := json.Marshal(body)
	res, err := http.Post(url, "application/json", bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	return res, readJSON(t, res)
}

func readJSON(t *testing.T, res *http.Response) map[string]any {
	t.Helper()
	defer res.Body.Close()
	var m map[string]any
	if err := json.NewDecoder(res.Body).Decode(&m); err != nil {
		t.Fatalf("decode: %v", err)
	}
	return m
}

// TestQuickStart walks the README: serve, create a verified user on the
// command line, log in, read the profile and check the token with the JWKS.
func TestQuickStart(t *testing.T) {
	share(t)
	dir := dataDir(t)
	base, _ := startServe(t, "--data-dir", dir, "--bcrypt-cost", "10")

	out, err := runCmd(t, "", "user", "create", "--data-dir", dir, "--bcrypt-cost", "10",
		"--username", "alice", "--email", "alice@example.com", "--password", "Tr1cky!Horse", "--verified")
	if err != nil || !strings.Contains(out, `"username": "alice"`) {
		t.Fatalf("user create: %v\n%s", err, out)
	}

	res, body := postJSON(t, base+"/login", map[string]string{"username": "alice@example.com", "password": "Tr1cky!Horse"})
	if res.StatusCode != http.StatusOK {
		t.Fatalf("login = %d %v", res.StatusCode, body)
	}
	tok, _ := body["token"].(string)

	req, _ := http.NewRequest("GET", base+"/profile", nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	res, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if prof := readJSON(t, res); res.StatusCode != http.StatusOK || prof["user"].(map[string]any)["username"] != "alice" {
		t.Fatalf("profile = %d %v", res.StatusCode, prof)
	}

	jwks := token.NewJWKS(base+"/.well-known/jwks.json", token.JWKSOptions{})
	v, err := token.NewVerifier(token.Config{Algorithm: "EdDSA", Keys: jwks, Issuer: "bizy-auth", Audience: "bizy"})
	if err != nil {
		t.Fatal(err)
	}
	c, err := v.Verify(context.Background(), tok)
	if err != nil || c.Username != "alice" {
		t.Fatalf("verify with the published JWKS: %v %+v", err, c)
	}

	// A rotated key is published, and tokens signed before stay good.
	if out, err := runCmd(t, "", "keys", "rotate", "--data-dir", dir, "--bcrypt-cost", "10"); err != nil {
		t.Fatalf("keys rotate: %v %s", err, out)
	}
	// The running server refreshes its keys every second; the bound is for
	// a loaded machine, and only the new key's arrival is asserted.
	var set token.JWKSet
	for start := time.Now(); ; time.Sleep(100 * time.Millisecond) {
		res, err = http.Get(base + "/.well-known/jwks.json")
		if err != nil {
			t.Fatal(err)
		}
		set = token.JWKSet{}
		json.NewDecoder(res.Body).Decode(&set)
		res.Body.Close()
		// Two of each: Ed25519 for access tokens, RSA for OpenID tokens.
		if len(set.Keys) == 4 {
			break
		}
		if time.Since(start) > 15*time.Second {
			t.Fatalf("jwks 15 s after rotate has %d keys, want 4", len(set.Keys))
		}
	}
	if _, err := v.Verify(context.Background(), tok); err != nil {
		t.Fatalf("old token after rotate: %v", err)
	}
}

func TestUnverifiedUserIsRefused(t *testing.T) {
	share(t)
	dir := dataDir(t)
	base, _ := startServe(t, "--data-dir", dir, "--bcrypt-cost", "10")
	res, body := postJSON(t, base+"/register", map[string]string{"username": "bob", "email": "bob@example.com", "password": "Tr1cky!Horse"})
	if res.StatusCode != http.StatusCreated {
		t.Fatalf("register = %d %v", res.StatusCode, body)
	}
	res, body = postJSON(t, base+"/login", map[string]string{"username": "bob", "password": "Tr1cky!Horse"})
	if res.StatusCode != http.StatusForbidden {
		t.Fatalf("unverified login = %d %v", res.StatusCode, body)
	}
}

func TestUserCommands(t *testing.T) {
	share(t)
	dir := dataDir(t)
	common := []string{"--data-dir", dir, "--bcrypt-cost", "10"}
	// The password may come on standard input instead of the command line.
	if _, err := runCmd(t, "Tr1cky!Horse\n", append([]string{"user", "create", "--username", "carol", "--email", "carol@example.com"}, common...)...); err != nil {
		t.Fatal(err)
	}
	out, err := runCmd(t, "", append([]string{"user", "set-admin", "carol"}, common...)...)
	if err != nil || !strings.Contains(out, `"is_admin": true`) {
		t.Fatalf("set-admin: %v %s", err, out)
	}
	if out, err := runCmd(t, "", append([]string{"user", "unlock", "CAROL"}, common...)...); err != nil || !strings.Contains(out, "unlocked carol") {
		t.Fatalf("unlock: %v %s", err, out)
	}
	if _, err := runCmd(t, "", append([]string{"user", "unlock", "nobody"}, common...)...); err == nil {
		t.Fatal("unlock of an unknown user succeeded")
	}
	_, err = runCmd(t, "", append([]string{"user", "create", "--username", "x", "--email", "bad", "--password", "weak"}, common...)...)
	if err == nil || !strings.Contains(err.Error(), "username") || !strings.Contains(err.Error(), "password") {
		t.Fatalf("invalid create: %v", err)
	}
}

func TestBadSettingStopsStartup(t *testing.T) {
	for _, tc := range []struct {
		args []string
		name string
	}{
		{[]string{"serve", "--auth-addr", "nonsense"}, "AUTH_ADDR"},
		{[]string{"serve", "--bcrypt-cost", "3"}, "BCRYPT_COST"},
		{[]string{"serve", "--jwt-algorithm", "HS256", "--jwt-secret", "short"}, "JWT_SECRET"},
		{[]string{"auth", "--database-url", "mysql://x"}, "DATABASE_URL"},
		{[]string{"serve", "--pprof-addr", "0.0.0.0:6060"}, "PPROF_ADDR"},
		{[]string{"api", "--pprof-addr", ":6060"}, "PPROF_ADDR"},
	} {
		args, name := tc.args, tc.name
		var stderr syncBuffer
		err := run(context.Background(), args, noEnv, strings.NewReader(""), io.Discard, &stderr)
		if err == nil {
			t.Errorf("%v: started", args)
			continue
		}
		if !strings.Contains(err.Error(), name) {
			t.Errorf("%v: error %q does not name %s", args, err, name)
		}
	}
}

func TestHelp(t *testing.T) {
	var out syncBuffer
	if err := run(context.Background(), []string{"help"}, noEnv, nil, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"serve", "migrate", "user create", "keys rotate", "AUTH_ADDR", "JWT_ALGORITHM", "BCRYPT_COST"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("help lacks %q", want)
		}
	}
	var errOut syncBuffer
	err := run(context.Background(), []string{"serve", "-h"}, noEnv, nil, io.Discard, &errOut)
	if !errors.Is(err, flag.ErrHelp) || !strings.Contains(errOut.String(), "-auth-addr") {
		t.Fatalf("serve -h: %v\n%s", err, errOut.String())
	}
}

// TestSetAdminRevokeEndsSessions: a token that says is_admin dies with the
// role.
func TestSetAdminRevokeEndsSessions(t *testing.T) {
	share(t)
	dir := dataDir(t)
	common := []string{"--data-dir", dir, "--bcrypt-cost", "10"}
	if _, err := runCmd(t, "", append([]string{"user", "create", "--username", "dana", "--email", "dana@example.com",
		"--password", "Tr1cky!Horse", "--verified", "--admin"}, common...)...); err != nil {
		t.Fatal(err)
	}
	authBase, _ := startServe(t, common...)
	res, body := postJSON(t, authBase+"/login", map[string]string{"username": "dana", "password": "Tr1cky!Horse"})
	if res.StatusCode != http.StatusOK {
		t.Fatalf("login = %d %v", res.StatusCode, body)
	}
	tok := body["token"].(string)
	if _, err := runCmd(t, "", append([]string{"user", "set-admin", "dana", "--revoke"}, common...)...); err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest("GET", authBase+"/profile", nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusUnauthorized {
		t.Fatalf("profile with the demoted admin's old token = %d, want 401", res.StatusCode)
	}
}

// TestStrayArgumentRefused: a word left over after the flags is an error,
// not silently dropped (`--rate-limit-enabled false` once kept limits on).
func TestStrayArgumentRefused(t *testing.T) {
	for _, args := range [][]string{
		{"migrate", "--data-dir", dataDir(t), "--rate-limit-enabled", "false"},
		{"auth", "--data-dir", dataDir(t), "--auth-addr", freeAddr(t), "stray"},
	} {
		if _, err := runCmd(t, "", args...); err == nil {
			t.Errorf("%v: accepted, want the stray argument refused", args)
		}
	}
}
