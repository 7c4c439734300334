package main

import (
	"bytes"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/bizy-auth/bizy/internal/mail/mailtest"
	"github.com/bizy-auth/bizy/internal/postgres/pgtest"
)

// loginAs logs in through the API on behalf of the client IP ip: the test
// is the trusted proxy in front of the API, which passes the address on.
func loginAs(t *testing.T, api, ip, login, password string) int {
	t.Helper()
	b := fmt.Sprintf(`{"username":%q,"password":%q}`, login, password)
	req, err := http.NewRequest("POST", api+"/api/auth/login", bytes.NewReader([]byte(b)))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Forwarded-For", ip)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode == http.StatusLocked && res.Header.Get("Retry-After") == "" {
		t.Errorf("423 from %s without Retry-After", ip)
	}
	return res.StatusCode
}

// TestLockoutThroughTheAPI, on SQLite and on PostgreSQL: an attacker from
// one IP locks only itself out of the victim's account; the victim signs
// in from another IP; twenty failures from twenty IPs lock the account for
// everyone; the unlock mail arrives and its link works (through the API's
// page); a reset unlocks too.
func TestLockoutThroughTheAPI(t *testing.T) {
	t.Parallel()
	engines := map[string]func(t *testing.T) []string{"sqlite": func(*testing.T) []string { return nil }}
	if os.Getenv(pgtest.EnvURL) != "" {
		engines["postgres"] = func(t *testing.T) []string { return []string{"--database-url", pgtest.SchemaURL(t)} }
	}
	for name, engine := range engines {
		t.Run(name, func(t *testing.T) {
			share(t)
			srv := mailtest.StartSMTP(t)
			dir := dataDir(t)
			// Rate limits off: this is about the lockout, which stays.
			args := append([]string{"--trusted-proxies", "127.0.0.1/32", "--rate-limit-enabled=false",
				"--require-email-verification=false"}, engine(t)...)
			authBase, api := startMailServe(t, dir, append(smtpArgs(srv), args...)...)
			res, body := sendJSON(t, "POST", api+"/api/auth/register", "", `{"username":"vic","email":"vic@example.com","password":"Tr1cky!Horse"}`)
			wantStatus(t, "register", res, body, 201)
			srv.WaitMessages(1) // the verification mail

			// One attacker, one IP: five failures lock that IP out, and only it.
			for i := range 5 {
				if c := loginAs(t, api, "203.0.113.66", "vic", "Wr0ng!guess"); c != 401 {
					t.Fatalf("attacker failure %d = %d, want 401", i+1, c)
				}
			}
			if c := loginAs(t, api, "203.0.113.66", "vic", "Tr1cky!Horse"); c != 423 {
				t.Fatalf("the attacker's IP with the right password = %d, want 423", c)
			}
			if c := loginAs(t, api, "198.51.100.20", "vic@example.com", "Tr1cky!Horse"); c != 200 {
				t.Fatalf("the victim from her IP = %d, want 200", c)
			}

			// Twenty failures from all IPs lock the account for everyone:
			// the attacker's five count, the victim's success clears only
			// her IP's count, so fifteen more IPs do it.
			for i := range 15 {
				if c := loginAs(t, api, fmt.Sprintf("192.0.2.%d", i+1), "vic", "Wr0ng!guess"); c != 401 {
					t.Fatalf("failure from IP %d = %d, want 401", i+1, c)
				}
			}
			if c := loginAs(t, api, "198.51.100.20", "vic", "Tr1cky!Horse"); c != 423 {
				t.Fatalf("the victim after twenty failures = %d, want 423", c)
			}
			msgs := srv.WaitMessages(2)
			msg, err := mailtest.ParseMessage(msgs[1].Data)
			if err != nil {
				t.Fatal(err)
			}
			link := msg.Link()
			if !strings.HasPrefix(link, authBase+"/ui/unlock?token=") {
				t.Fatalf("unlock mail link %q", link)
			}
			// Follow it on the API's origin, as a browser on PUBLIC_URL would.
			apiLink := strings.Replace(link, authBase, api, 1)
			if code, page := getPage(t, apiLink); code != 200 || !strings.Contains(page, "Unlock my account") {
				t.Fatalf("GET unlock link = %d\n%s", code, page)
			}
			tok, _ := url.Parse(link)
			res, body = sendJSON(t, "POST", api+"/api/auth/unlock", "", fmt.Sprintf(`{"token":%q}`, tok.Query().Get("token")))
			wantStatus(t, "unlock", res, body, 200)
			if c := loginAs(t, api, "198.51.100.20", "vic", "Tr1cky!Horse"); c != 200 {
				t.Fatalf("the victim after the unlock = %d, want 200", c)
			}
			res, body = sendJSON(t, "POST", api+"/api/auth/unlock", "", fmt.Sprintf(`{"token":%q}`, tok.Query().Get("token")))
			wantStatus(t, "unlock a second time", res, body, 400)

			// The unlock cleared every count: twenty failures from twenty
			// IPs lock it again, and a password reset unlocks as well.
			for i := range 20 {
				loginAs(t, api, fmt.Sprintf("192.0.2.%d", i+101), "vic", "Wr0ng!guess")
			}
			if c := loginAs(t, api, "198.51.100.20", "vic", "Tr1cky!Horse"); c != 423 {
				t.Fatalf("locked again = %d, want 423", c)
			}
			srv.WaitMessages(3) // the second lock's unlock mail
			res, body = sendJSON(t, "POST", api+"/api/auth/forgot-password", "", `{"email":"vic@example.com"}`)
			wantStatus(t, "forgot-password", res, body, 202)
			reset, err := mailtest.ParseMessage(srv.WaitMessages(4)[3].Data)
			if err != nil {
				t.Fatal(err)
			}
			rtok, _ := url.Parse(reset.Link())
			res, body = sendJSON(t, "POST", api+"/api/auth/reset-password", "",
				fmt.Sprintf(`{"token":%q,"password":"N3w!Horse-Pass"}`, rtok.Query().Get("token")))
			wantStatus(t, "reset", res, body, 200)
			for _, ip := range []string{"198.51.100.20", "203.0.113.66"} {
				if c := loginAs(t, api, ip, "vic", "N3w!Horse-Pass"); c != 200 {
					t.Fatalf("login from %s after the reset = %d, want 200", ip, c)
				}
			}
		})
	}
}
