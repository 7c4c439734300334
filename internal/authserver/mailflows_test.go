package authserver

import (
	"context"
	"database/sql"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/bizy-auth/bizy/internal/auth"
	"github.com/bizy-auth/bizy/internal/mail/mailtest"
	"github.com/bizy-auth/bizy/internal/webtest"
)

func TestVerificationFlow(t *testing.T) {
	f, mb := newMailFixture(t, options{})
	if res := register(f, "vera", "Vera@Example.com"); res.StatusCode != http.StatusCreated {
		t.Fatalf("register = %d", res.StatusCode)
	}
	// The mail committed with the account, before any worker ran.
	wantPending(t, f, 1)
	// A taken username is refused and queues nothing.
	webtest.WantProblem(t, f.do("POST", "/register", map[string]string{"username": "VERA", "email": "other@example.com", "password": goodPassword}, ""), 409)
	webtest.WantProblem(t, f.do("POST", "/register", map[string]string{"username": "other", "email": "vera@example.com", "password": goodPassword}, ""), 409)
	wantPending(t, f, 1)
	webtest.WantProblem(t, f.do("POST", "/login", map[string]string{"username": "vera", "password": goodPassword}, ""), 403)

	msg := mb.deliverOne("vera@example.com")
	wantPending(t, f, 0)
	if !strings.Contains(msg.Subject, "Verify") || !strings.Contains(msg.Text, "vera") || !strings.Contains(msg.Text, "24 hours") {
		t.Errorf("verification mail: subject %q, text:\n%s", msg.Subject, msg.Text)
	}
	tok := linkToken(t, msg, "/verify-email")

	rec := f.do("POST", "/verify-email", map[string]string{"token": tok}, "")
	if rec.Code != http.StatusOK {
		t.Fatalf("verify = %d %s", rec.Code, rec.Body)
	}
	var body struct {
		Message string
		User    auth.User
	}
	webtest.Decode(t, rec, &body)
	if body.Message == "" || !body.User.EmailVerified || body.User.Email != "vera@example.com" {
		t.Fatalf("verify answer = %s", rec.Body)
	}
	f.mustLogin("vera", goodPassword)
	// Single use.
	if p := webtest.WantProblem(t, f.do("POST", "/verify-email", map[string]string{"token": tok}, ""), 400); p.Code != "invalid_token" {
		t.Errorf("reused token: code %q", p.Code)
	}
	wantEvents(t, f, auth.EventEmailVerified, body.User.ID, 1)
}

// brokenMailer fails to render, as a template bug would.
type brokenMailer struct{ auth.Mailer }

func (brokenMailer) Verification(string, string, string) (auth.Email, error) {
	return auth.Email{}, errors.New("template broken")
}

// TestRegisterCommitsWithItsMail: when the verification mail cannot be
// queued, the account is not created either.
func TestRegisterCommitsWithItsMail(t *testing.T) {
	f := newFixture(t, options{mailer: brokenMailer{}})
	webtest.WantProblem(t, f.do("POST", "/register", map[string]string{"username": "nomail", "email": "nomail@example.com", "password": goodPassword}, ""), 500)
	if _, err := f.svc.UserByLogin(context.Background(), "nomail"); !errors.Is(err, auth.ErrNotFound) {
		t.Fatalf("user after a failed mail: %v", err)
	}
	wantPending(t, f, 0)
}

// TestVerifyEmailLinkSpendsNothing: opening the link (GET or HEAD, as mail
// scanners do), at the page or at the old /verify-email address, uses
// nothing up; only a POST does.
func TestVerifyEmailLinkSpendsNothing(t *testing.T) {
	f, mb := newMailFixture(t, options{})
	register(f, "paige", "paige@example.com")
	tok := linkToken(t, mb.deliverOne("paige@example.com"), "/verify-email")
	q := "?token=" + url.QueryEscape(tok)

	rec := f.do("GET", "/verify-email"+q, nil, "")
	if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/ui/verify-email"+q {
		t.Fatalf("old link = %d, Location %q; want 303 to the page", rec.Code, rec.Header().Get("Location"))
	}
	for _, m := range []string{"HEAD", "GET", "GET"} {
		rec := f.do(m, "/ui/verify-email"+q, nil, "")
		if rec.Code != http.StatusOK || (m == "GET" && !strings.Contains(rec.Body.String(), "Confirm my email")) {
			t.Fatalf("%s page = %d\n%s", m, rec.Code, rec.Body)
		}
	}
	webtest.WantProblem(t, f.do("POST", "/login", map[string]string{"username": "paige", "password": goodPassword}, ""), 403)
	if rec := f.do("POST", "/verify-email", map[string]string{"token": tok}, ""); rec.Code != http.StatusOK {
		t.Fatalf("token after the page was opened = %d %s", rec.Code, rec.Body)
	}
	f.mustLogin("paige", goodPassword)
}

func TestVerificationTokenExpires(t *testing.T) {
	f, mb := newMailFixture(t, options{})
	register(f, "early", "early@example.com")
	register(f, "late", "late@example.com")
	msgs := mb.deliver()
	if len(msgs) != 2 {
		t.Fatalf("%d messages, want 2", len(msgs))
	}
	toks := map[string]string{}
	for _, m := range msgs {
		toks[m.To[0]] = linkToken(t, m, "/verify-email")
	}
	f.clock.Advance(24*time.Hour - time.Minute)
	if rec := f.do("POST", "/verify-email", map[string]string{"token": toks["early@example.com"]}, ""); rec.Code != 200 {
		t.Fatalf("verify a minute before expiry = %d %s", rec.Code, rec.Body)
	}
	f.clock.Advance(2 * time.Minute)
	webtest.WantProblem(t, f.do("POST", "/verify-email", map[string]string{"token": toks["late@example.com"]}, ""), 400)
	webtest.WantProblem(t, f.do("POST", "/login", map[string]string{"username": "late", "password": goodPassword}, ""), 403)
}

func TestResendVerification(t *testing.T) {
	f, mb := newMailFixture(t, options{})
	una := f.mustRegister("una", "una@example.com", goodPassword, false)
	vic := f.mustRegister("vic", "vic@example.com", goodPassword, true)
	oldTok := linkToken(t, mb.deliverOne("una@example.com"), "/verify-email")

	var first string
	for _, email := range []string{"una@example.com", "vic@example.com", "nobody@example.com", "vic"} {
		rec := f.do("POST", "/resend-verification", map[string]string{"email": email}, "")
		if rec.Code != http.StatusAccepted {
			t.Fatalf("resend %s = %d %s", email, rec.Code, rec.Body)
		}
		if first == "" {
			first = rec.Body.String()
		} else if rec.Body.String() != first {
			t.Errorf("resend %s answered %s, others %s", email, rec.Body, first)
		}
	}
	newTok := linkToken(t, mb.deliverOne("una@example.com"), "/verify-email")
	wantEvents(t, f, auth.EventVerificationSent, una.ID, 2) // at register and at the resend
	wantEvents(t, f, auth.EventVerificationSent, vic.ID, 0)

	webtest.WantProblem(t, f.do("POST", "/verify-email", map[string]string{"token": oldTok}, ""), 400)
	if rec := f.do("POST", "/verify-email", map[string]string{"token": newTok}, ""); rec.Code != 200 {
		t.Fatalf("verify with the new link = %d %s", rec.Code, rec.Body)
	}
	// Verified now: a resend sends nothing.
	f.do("POST", "/resend-verification", map[string]string{"email": "una@example.com"}, "")
	if msgs := mb.deliver(); len(msgs) != 0 {
		t.Fatalf("resend to a verified address sent %d messages", len(msgs))
	}
	webtest.WantProblem(t, f.do("POST", "/resend-verification", `{}`, ""), 422)
}

// TestMailTokensStoredHashed: the store keeps only the SHA-256 of a mailed
// token; the raw token is in no table but the outbox, whose message must
// carry it to the user.
func TestMailTokensStoredHashed(t *testing.T) {
	f, mb := newMailFixture(t, options{})
	u := f.mustRegister("hash", "hash@example.com", goodPassword, false)
	tok := linkToken(t, mb.deliverOne("hash@example.com"), "/verify-email")
	ctx := context.Background()
	row, err := f.store.UserToken(ctx, auth.HashSecret(tok), auth.PurposeVerifyEmail)
	if err != nil || row.UserID != u.ID || !row.ExpiresAt.Equal(row.CreatedAt.Add(24*time.Hour)) {
		t.Fatalf("token row by hash = %+v, %v", row, err)
	}
	if _, err := f.store.UserToken(ctx, []byte(tok), auth.PurposeVerifyEmail); err == nil {
		t.Fatal("token row found by the raw token")
	}

	raw, err := sql.Open("sqlite", "file:"+f.dbPath+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	tables := queryStrings(t, raw, `SELECT name FROM sqlite_master WHERE type = 'table'`)
	sawHash := false
	for _, table := range tables {
		rows, err := raw.Query(`SELECT * FROM "` + table + `"`)
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			for i, v := range vals {
				var s string
				switch v := v.(type) {
				case string:
					s = v
				case []byte:
					s = string(v)
				}
				if strings.Contains(s, tok) && table != "outbox" {
					t.Errorf("raw token stored in %s.%s", table, cols[i])
				}
				sawHash = sawHash || table == "user_tokens" && s == string(auth.HashSecret(tok))
			}
		}
		rows.Close()
	}
	if !sawHash {
		t.Error("the scan did not see the token's hash in user_tokens")
	}
}

func queryStrings(t *testing.T, db *sql.DB, q string) []string {
	t.Helper()
	rows, err := db.Query(q)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	return out
}

// TestMailWaitsOutSMTPOutage: with SMTP down the verification mail stays in
// the outbox, and goes out once SMTP is back and the back-off has passed.
func TestMailWaitsOutSMTPOutage(t *testing.T) {
	f := newMailFixtureOnly(t, options{})
	srv := mailtest.NewSMTP(t, mailtest.SMTPServerConfig{}) // down
	mb := newMailbox(f, srv)
	register(f, "otto", "otto@example.com")
	if msgs := mb.deliver(); len(msgs) != 0 {
		t.Fatalf("%d messages with SMTP down", len(msgs))
	}
	if c := mb.w.Counts(); c.Retried != 1 || c.Sent != 0 {
		t.Fatalf("counts with SMTP down = %+v", c)
	}
	wantPending(t, f, 1)

	srv.Start()
	f.clock.Advance(9 * time.Second) // back-off is 10s: not due yet
	if msgs := mb.deliver(); len(msgs) != 0 {
		t.Fatalf("sent %d messages before the back-off ended", len(msgs))
	}
	f.clock.Advance(time.Second)
	tok := linkToken(t, mb.deliverOne("otto@example.com"), "/verify-email")
	wantPending(t, f, 0)
	if rec := f.do("POST", "/verify-email", map[string]string{"token": tok}, ""); rec.Code != 200 {
		t.Fatalf("verify = %d %s", rec.Code, rec.Body)
	}
	f.mustLogin("otto", goodPassword)
}
