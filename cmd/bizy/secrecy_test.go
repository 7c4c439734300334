package main

import (
	"bytes"
	"context"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/bizy-auth/bizy/client"
)

// secrets collects what must never be written outside the mail folder.
type secrets struct {
	whole  map[string]string // name → value, searched whole
	random map[string]string // name → random value, also searched by any 16-byte piece
}

func (s *secrets) add(name, v string) {
	if v != "" {
		s.whole[name] = v
	}
}

// addRandom adds a random value, whose every 16-byte piece is as telling
// as the whole (a log line that cuts a token short still leaks it).
func (s *secrets) addRandom(name, v string) {
	if v != "" {
		s.random[name] = v
	}
}

// addTokens adds a session's access token (whole, and its signature by
// pieces: the rest is base64 of public claims) and its refresh token.
func (s *secrets) addTokens(name string, t client.Tokens) {
	s.add(name+" access token", t.AccessToken)
	if i := strings.LastIndexByte(t.AccessToken, '.'); i > 0 {
		s.addRandom(name+" access token signature", t.AccessToken[i+1:])
	}
	s.addRandom(name+" refresh token", t.RefreshToken)
}

// find reports every secret in b, naming where.
func (s *secrets) find(t *testing.T, where string, b []byte) {
	t.Helper()
	for name, v := range s.whole {
		if bytes.Contains(b, []byte(v)) {
			t.Errorf("%s holds the %s", where, name)
		}
	}
	for name, v := range s.random {
		for i := 0; i+16 <= len(v); i++ {
			if bytes.Contains(b, []byte(v[i:i+16])) {
				t.Errorf("%s holds a piece of the %s (%q)", where, name, v[i:i+16])
				break
			}
		}
	}
}

// mailToken returns the token of the newest mail to `to` about subject.
func mailToken(t *testing.T, dir, to, subject string) string {
	t.Helper()
	u, err := url.Parse(waitMail(t, dir, to, subject))
	if err != nil {
		t.Fatal(err)
	}
	tok := u.Query().Get("token")
	if tok == "" {
		t.Fatalf("mail link %s has no token", u)
	}
	return tok
}

// TestNoSecretInLogsOrFiles runs every flow that handles a secret
// (register, verify, login, a wrong password, refresh, forgot, reset,
// change password, a page sign-in and forward auth with its cookie,
// logout) through the API with the Go client, logging at DEBUG, then stops
// the server and searches the log and every file under DATA_DIR but the
// mail folder for the passwords, tokens, refresh tokens, mailed tokens,
// the cookie secret and JWT_SECRET.
func TestNoSecretInLogsOrFiles(t *testing.T) {
	share(t)
	const jwtSecret = "s3cret-signing-key-0123456789-abcdefghij"
	s := &secrets{whole: map[string]string{}, random: map[string]string{}}
	s.addRandom("JWT_SECRET", jwtSecret)
	const first, second, third, wrong = "Tr1cky!Horse-one", "Tr1cky!Horse-two", "Tr1cky!Horse-three", "Wr0ng!Guess-four"
	for name, p := range map[string]string{"first password": first, "reset password": second,
		"changed password": third, "wrong password": wrong} {
		s.add(name, p)
	}

	dir := dataDir(t)
	authAddr, apiAddr := freeAddr(t), freeAddr(t)
	api := "http://" + apiAddr
	var logs syncBuffer
	stop := startCmdLogging(t, &logs, api+"/health", "serve", "--auth-addr", authAddr, "--api-addr", apiAddr,
		"--data-dir", dir, "--bcrypt-cost", "10", "--log-level", "debug", "--log-format", "json",
		"--jwt-algorithm", "HS256", "--jwt-secret", jwtSecret)

	ctx := context.Background()
	c, err := client.New(client.Config{APIURL: api, OnTokens: func(tk client.Tokens) { s.addTokens("refreshed", tk) }})
	if err != nil {
		t.Fatal(err)
	}
	must := func(what string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	const email = "sam@example.com"
	_, err = c.Register(ctx, client.Registration{Username: "sam", Email: email, Password: first})
	must("register", err)
	verify := mailToken(t, dir, email, "Verify your email")
	s.addRandom("verification token", verify)
	_, err = c.VerifyEmail(ctx, verify)
	must("verify", err)

	if _, err := c.Login(ctx, "sam", wrong); client.CodeOf(err) == "" {
		t.Fatalf("login with a wrong password: %v", err)
	}
	t1, err := c.Login(ctx, "sam", first)
	must("login", err)
	s.addTokens("login", t1)
	t2, err := c.Refresh(ctx, t1.RefreshToken)
	must("refresh", err)
	s.addTokens("refresh", t2)

	must("forgot", c.ForgotPassword(ctx, email))
	reset := mailToken(t, dir, email, "Reset your")
	s.addRandom("reset token", reset)
	must("reset", c.ResetPassword(ctx, reset, second))

	t3, err := c.Login(ctx, email, second)
	must("login after reset", err)
	s.addTokens("second login", t3)
	sam := c.WithTokens(t3)
	must("change password", sam.ChangePassword(ctx, second, third))

	cookie := pageSignIn(t, api, "sam", third)
	s.addRandom("page session cookie", cookie)
	req, _ := http.NewRequest("GET", api+"/api/auth/forward", nil)
	req.AddCookie(&http.Cookie{Name: "bizy_session", Value: cookie})
	res, err := http.DefaultClient.Do(req)
	must("forward", err)
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("forward auth with the cookie = %d", res.StatusCode)
	}
	must("logout", sam.Logout(ctx))
	stop()

	if !strings.Contains(logs.String(), `"msg":"request"`) || !strings.Contains(logs.String(), `"level":"DEBUG"`) {
		t.Fatalf("the log lacks access lines or DEBUG lines; was it captured?\n%s", logs.String())
	}
	for i, line := range strings.Split(logs.String(), "\n") {
		s.find(t, "log line "+strconv.Itoa(i+1)+" ("+line+")", []byte(line))
	}
	mail := filepath.Join(dir, "mail")
	n := 0
	err = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if path == mail {
				return filepath.SkipDir
			}
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		n++
		s.find(t, "file "+path, b)
		return nil
	})
	must("walk DATA_DIR", err)
	if n == 0 {
		t.Fatal("no file under DATA_DIR outside the mail folder: nothing was searched")
	}
	t.Logf("searched %d log lines and %d files for %d secrets", strings.Count(logs.String(), "\n"), n, len(s.whole)+len(s.random))
}
