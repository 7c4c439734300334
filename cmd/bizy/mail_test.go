package main

import (
	"context"
	"database/sql"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/bizy-auth/bizy/internal/auth"
	"github.com/bizy-auth/bizy/internal/mail/mailtest"
	"github.com/bizy-auth/bizy/internal/sqlite"
)

const mailUserBody = `{"username":"mia","email":"mia@example.com","password":"Tr1cky!Horse"}`

// startMailServe runs `bizy serve` on dir with PUBLIC_URL set to the auth
// service, so the links in its mail can be followed, and returns the auth
// service's and the API's base URLs.
func startMailServe(t *testing.T, dir string, args ...string) (authBase, apiBase string) {
	t.Helper()
	return startMailServeAt(t, freeAddr(t), freeAddr(t), dir, args...)
}

func startMailServeAt(t *testing.T, authAddr, apiAddr, dir string, args ...string) (authBase, apiBase string) {
	t.Helper()
	authBase, apiBase = "http://"+authAddr, "http://"+apiAddr
	startCmd(t, apiBase+"/health", append([]string{"serve", "--auth-addr", authAddr, "--api-addr", apiAddr,
		"--data-dir", dir, "--bcrypt-cost", "10", "--public-url", authBase}, args...)...)
	return authBase, apiBase
}

func smtpArgs(srv *mailtest.SMTPServer) []string {
	return []string{"--smtp-host", srv.Host, "--smtp-port", strconv.Itoa(srv.Port)}
}

// followMail takes the verification link out of a raw message to
// mia@example.com, opens it, checks the page, and then logs in through the
// API.
func followMail(t *testing.T, data []byte, authBase, apiBase string) {
	t.Helper()
	msg, err := mailtest.ParseMessage(data)
	if err != nil {
		t.Fatal(err)
	}
	if to := msg.Header.Get("To"); !strings.Contains(to, "mia@example.com") {
		t.Fatalf("message to %q", to)
	}
	link := msg.Link()
	if !strings.HasPrefix(link, authBase+"/ui/verify-email?token=") || !strings.Contains(msg.HTML, link) {
		t.Fatalf("link %q, want %s/ui/verify-email?token=… in text and HTML", link, authBase)
	}
	res, body := sendJSON(t, "POST", apiBase+"/api/auth/login", "", `{"username":"mia","password":"Tr1cky!Horse"}`)
	wantStatus(t, "login before verification", res, body, 403)

	// Opening the link, twice as a mail scanner and a person would, spends
	// nothing; the page's button does.
	for range 2 {
		if code, page := getPage(t, link); code != 200 || !strings.Contains(page, "Confirm my email") {
			t.Fatalf("GET link = %d\n%s", code, page)
		}
	}
	if code, page := confirmByPage(t, link); code != 200 || !strings.Contains(page, "Email address confirmed") {
		t.Fatalf("confirm = %d\n%s", code, page)
	}
	if code, _ := confirmByPage(t, link); code != 400 {
		t.Fatalf("confirm a second time = %d, want 400", code)
	}
	res, body = sendJSON(t, "POST", apiBase+"/api/auth/login", "", `{"username":"mia","password":"Tr1cky!Horse"}`)
	wantStatus(t, "login after verification", res, body, 200)
}

func getPage(t *testing.T, link string) (int, string) {
	t.Helper()
	res, err := http.Get(link)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
		t.Fatalf("GET %s: Content-Type %q", link, ct)
	}
	return res.StatusCode, string(b)
}

// TestMailOverSMTP: register → mail at a real SMTP server → link → login.
func TestMailOverSMTP(t *testing.T) {
	share(t)
	srv := mailtest.StartSMTP(t)
	authBase, apiBase := startMailServe(t, dataDir(t), smtpArgs(srv)...)
	res, body := sendJSON(t, "POST", apiBase+"/api/auth/register", "", mailUserBody)
	wantStatus(t, "register", res, body, 201)
	msgs := srv.WaitMessages(1)
	if len(msgs) != 1 || !slices.Equal(msgs[0].To, []string{"mia@example.com"}) || !strings.Contains(msgs[0].From, "no-reply@localhost") {
		t.Fatalf("received %+v", msgs)
	}
	followMail(t, msgs[0].Data, authBase, apiBase)
}

// TestMailToEMLFiles: without SMTP_HOST the mail is an .eml file under
// DATA_DIR/mail whose link works the same.
func TestMailToEMLFiles(t *testing.T) {
	share(t)
	dir := dataDir(t)
	authBase, apiBase := startMailServe(t, dir)
	res, body := sendJSON(t, "POST", apiBase+"/api/auth/register", "", mailUserBody)
	wantStatus(t, "register", res, body, 201)
	var files []string
	for range 400 { // polls for the worker's file, bounded
		files, _ = filepath.Glob(filepath.Join(dir, "mail", "*.eml"))
		if len(files) > 0 {
			break
		}
		time.Sleep(25 * time.Millisecond)
	}
	if len(files) != 1 {
		t.Fatalf(".eml files = %v, want one", files)
	}
	data, err := os.ReadFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	followMail(t, data, authBase, apiBase)
}

// openOutbox opens the SQLite file of dir beside whatever process uses it.
func openOutbox(t *testing.T, dir string) auth.Outbox {
	t.Helper()
	db, err := sqlite.Open(context.Background(), filepath.Join(dir, "bizy.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db.Outbox()
}

func wantOutbox(t *testing.T, ob auth.Outbox, want auth.OutboxStats) {
	t.Helper()
	st, err := ob.Stats(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if st != want {
		t.Fatalf("outbox = %+v, want %+v", st, want)
	}
}

// TestMailWaitsWhileSMTPDown: the worker's failed attempt leaves the
// message pending in the outbox, not lost and not parked. (That it goes out
// when SMTP returns is TestMailWaitsOutSMTPOutage in internal/authserver,
// on a fake clock: here the first back-off alone would be 10 s.)
func TestMailWaitsWhileSMTPDown(t *testing.T) {
	share(t)
	dir := dataDir(t)
	srv := mailtest.NewSMTP(t, mailtest.SMTPServerConfig{}) // never started
	_, apiBase := startMailServe(t, dir, smtpArgs(srv)...)
	res, body := sendJSON(t, "POST", apiBase+"/api/auth/register", "", mailUserBody)
	wantStatus(t, "register", res, body, 201)

	raw, err := sql.Open("sqlite", "file:"+filepath.Join(dir, "bizy.db")+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	var attempts int
	var lastErr string
	for range 400 { // polls for the worker's first attempt, bounded
		if err := raw.QueryRow(`SELECT attempts, last_error FROM outbox`).Scan(&attempts, &lastErr); err != nil {
			t.Fatal(err)
		}
		if attempts > 0 {
			break
		}
		time.Sleep(25 * time.Millisecond)
	}
	if attempts != 1 || lastErr == "" || strings.Contains(lastErr, "mia@example.com") {
		t.Fatalf("after the failed attempt: attempts %d, last error %q", attempts, lastErr)
	}
	wantOutbox(t, openOutbox(t, dir), auth.OutboxStats{Pending: 1})
	if n := len(srv.Messages()); n != 0 {
		t.Fatalf("%d messages while SMTP was down", n)
	}
}

// TestMailSurvivesRestart: `bizy user create` commits a verification mail
// and exits with no worker; the next `bizy serve` on the same data sends it.
func TestMailSurvivesRestart(t *testing.T) {
	share(t)
	dir := dataDir(t)
	authAddr, apiAddr := freeAddr(t), freeAddr(t)
	// The link is rendered when the mail is queued, so the CLI needs the
	// same PUBLIC_URL as the server.
	if _, err := runCmd(t, "", "user", "create", "--data-dir", dir, "--bcrypt-cost", "10", "--public-url", "http://"+authAddr,
		"--username", "mia", "--email", "mia@example.com", "--password", "Tr1cky!Horse"); err != nil {
		t.Fatal(err)
	}
	wantOutbox(t, openOutbox(t, dir), auth.OutboxStats{Pending: 1})
	if files, _ := filepath.Glob(filepath.Join(dir, "mail", "*.eml")); len(files) != 0 {
		t.Fatalf("the CLI delivered mail: %v", files)
	}

	srv := mailtest.StartSMTP(t)
	authBase, apiBase := startMailServeAt(t, authAddr, apiAddr, dir, smtpArgs(srv)...)
	msgs := srv.WaitMessages(1)
	followMail(t, msgs[0].Data, authBase, apiBase)
	wantOutbox(t, openOutbox(t, dir), auth.OutboxStats{})
	if n := len(srv.Messages()); n != 1 {
		t.Fatalf("%d messages, want 1", n)
	}
}

// TestMailLinkThroughAPI: the link may also be opened at the API's proxy
// route, as a deployment whose PUBLIC_URL is the API would.
func TestMailLinkThroughAPI(t *testing.T) {
	share(t)
	srv := mailtest.StartSMTP(t)
	authBase, apiBase := startMailServe(t, dataDir(t), smtpArgs(srv)...)
	res, body := sendJSON(t, "POST", apiBase+"/api/auth/register", "", mailUserBody)
	wantStatus(t, "register", res, body, 201)
	msg, err := mailtest.ParseMessage(srv.WaitMessages(1)[0].Data)
	if err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(msg.Link())
	if err != nil {
		t.Fatal(err)
	}
	tok := u.Query().Get("token")
	// The link of an older mail, through the API, leads to the page there.
	oldLink := apiBase + "/api/auth/verify-email?token=" + url.QueryEscape(tok)
	if code, page := getPage(t, oldLink); code != 200 || !strings.Contains(page, "Confirm my email") {
		t.Fatalf("link through the API = %d\n%s", code, page)
	}
	if code, page := confirmByPage(t, oldLink); code != 200 {
		t.Fatalf("confirm through the API = %d\n%s", code, page)
	}
	res, body = sendJSON(t, "POST", authBase+"/login", "", `{"username":"mia","password":"Tr1cky!Horse"}`)
	wantStatus(t, "login", res, body, 200)
}
