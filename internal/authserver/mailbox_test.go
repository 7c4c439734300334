package authserver

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/bizy-auth/bizy/internal/auth"
	"github.com/bizy-auth/bizy/internal/mail"
	"github.com/bizy-auth/bizy/internal/mail/mailtest"
)

// testPublicURL is the PUBLIC_URL of the mail fixture; a path prefix
// checks that links keep it.
const testPublicURL = "https://bizy.example/auth"

// mailbox delivers a fixture's SQLite outbox to a real SMTP server in the
// test process with a mail.Worker on the fixture's clock.
type mailbox struct {
	f    *fixture
	srv  *mailtest.SMTPServer
	w    *mail.Worker
	seen int
}

// newMailFixture is a fixture with the real templates, verification
// required, and a mailbox over a running SMTP server.
func newMailFixture(t *testing.T, o options) (*fixture, *mailbox) {
	t.Helper()
	f := newMailFixtureOnly(t, o)
	return f, newMailbox(f, mailtest.StartSMTP(t))
}

func newMailFixtureOnly(t *testing.T, o options) *fixture {
	t.Helper()
	tpl, err := mail.NewTemplates(testPublicURL)
	if err != nil {
		t.Fatal(err)
	}
	o.mailer, o.requireVerified = tpl, true
	return newFixture(t, o)
}

// newMailbox makes a worker over f's outbox that sends to srv (running or
// not). It never sleeps: the test drives it with RunOnce and the clock.
func newMailbox(f *fixture, srv *mailtest.SMTPServer) *mailbox {
	f.t.Helper()
	sender, err := mail.NewSMTPSender(srv.SenderConfig())
	if err != nil {
		f.t.Fatal(err)
	}
	w := mail.NewWorker(slog.New(slog.NewTextHandler(io.Discard, nil)), f.db.Outbox(), sender, mail.WorkerConfig{
		From: "Bizy <no-reply@bizy.example>", Owner: "test-worker", BaseBackoff: 10 * time.Second,
		Now: f.clock.Now, After: func(time.Duration) <-chan time.Time { return nil }, Rand: func() float64 { return 0.5 },
	})
	return &mailbox{f: f, srv: srv, w: w}
}

// received is one message the SMTP server accepted, parsed.
type received struct {
	To []string
	*mailtest.ParsedMessage
}

// deliver waits for the service's background jobs, drains what is due in
// the outbox and returns the messages that arrived since the last call.
func (m *mailbox) deliver() []received {
	m.f.t.Helper()
	m.f.svc.Wait()
	for {
		n, err := m.w.RunOnce(context.Background())
		if err != nil {
			m.f.t.Fatalf("RunOnce: %v", err)
		}
		if n == 0 {
			break
		}
	}
	msgs := m.srv.Messages()[m.seen:]
	m.seen += len(msgs)
	var out []received
	for _, r := range msgs {
		p, err := mailtest.ParseMessage(r.Data)
		if err != nil {
			m.f.t.Fatalf("parse delivered message: %v\n%s", err, r.Data)
		}
		out = append(out, received{To: r.To, ParsedMessage: p})
	}
	return out
}

// deliverOne delivers and expects exactly one message, to addr.
func (m *mailbox) deliverOne(addr string) received {
	m.f.t.Helper()
	msgs := m.deliver()
	if len(msgs) != 1 || !slices.Equal(msgs[0].To, []string{addr}) {
		m.f.t.Fatalf("delivered %d messages (%+v), want one to %s", len(msgs), msgs, addr)
	}
	return msgs[0]
}

// linkToken checks that msg's text and HTML carry one link to the page
// PUBLIC_URL/ui+path with a token and returns the token.
func linkToken(t *testing.T, msg received, path string) string {
	t.Helper()
	link := msg.Link()
	path = "/ui" + path // the links open the pages
	if !strings.HasPrefix(link, testPublicURL+path+"?token=") {
		t.Fatalf("link %q, want %s%s?token=…; text:\n%s", link, testPublicURL, path, msg.Text)
	}
	if !strings.Contains(msg.HTML, `href="`+link+`"`) {
		t.Fatalf("HTML part lacks the link %q:\n%s", link, msg.HTML)
	}
	u, err := url.Parse(link)
	if err != nil {
		t.Fatal(err)
	}
	tok := u.Query().Get("token")
	if len(tok) < 22 { // 128 bits in base64url
		t.Fatalf("token %q is shorter than 128 bits", tok)
	}
	return tok
}

// wantPending checks how many messages wait in the fixture's outbox.
func wantPending(t *testing.T, f *fixture, pending int) {
	t.Helper()
	st, err := f.db.Outbox().Stats(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if st.Pending != pending || st.Parked != 0 {
		t.Fatalf("outbox = %+v, want %d pending, none parked", st, pending)
	}
}

// wantEvents checks that userID ("" for none) has n events of type typ.
func wantEvents(t *testing.T, f *fixture, typ, userID string, n int) []auth.Event {
	t.Helper()
	evs, _, err := f.svc.Events(context.Background(), auth.EventFilter{Type: typ, UserID: userID, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	var got []auth.Event
	for _, e := range evs {
		if e.UserID == userID {
			got = append(got, e)
		}
	}
	if len(got) != n {
		t.Fatalf("%d %s events for user %q, want %d: %+v", len(got), typ, userID, n, evs)
	}
	return got
}

func register(f *fixture, username, email string) *http.Response {
	f.t.Helper()
	return f.do("POST", "/register", map[string]string{"username": username, "email": email, "password": goodPassword}, "").Result()
}
