package mail_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/bizy-auth/bizy/internal/auth"
	"github.com/bizy-auth/bizy/internal/mail"
	"github.com/bizy-auth/bizy/internal/mail/mailtest"
)

func mustSMTPSender(t *testing.T, cfg mail.SMTPConfig) *mail.SMTPSender {
	t.Helper()
	s, err := mail.NewSMTPSender(cfg)
	if err != nil {
		t.Fatalf("NewSMTPSender: %v", err)
	}
	return s
}

func testEmail(t *testing.T) auth.Email {
	t.Helper()
	e, err := mustTemplates(t, "http://localhost:4567").PasswordReset("ann@example.com", "ann_1", "tok123")
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func TestSMTPSenderDelivers(t *testing.T) {
	srv := mailtest.StartSMTP(t)
	s := mustSMTPSender(t, srv.SenderConfig())
	e := testEmail(t)
	// The same outbox id twice, as after a retry: the Message-ID must match.
	for range 2 {
		if err := s.Send(context.Background(), testFrom, e, "01J-xyz"); err != nil {
			t.Fatal(err)
		}
	}
	msgs := srv.Messages()
	if len(msgs) != 2 {
		t.Fatalf("server got %d messages, want 2", len(msgs))
	}
	for _, m := range msgs {
		if m.From != "no-reply@bizy.example.com" || !slices.Equal(m.To, []string{"ann@example.com"}) {
			t.Errorf("envelope %q -> %q", m.From, m.To)
		}
		p := mustParse(t, m.Data)
		wantHeaders(t, p, map[string]string{
			"From":       `"Bizy" <no-reply@bizy.example.com>`,
			"To":         "<ann@example.com>",
			"Message-Id": "<01J-xyz@bizy.example.com>",
		})
		if p.Subject != e.Subject || p.Text != e.Text || p.HTML != e.HTML {
			t.Errorf("message differs from the email: subject %q\n%s", p.Subject, m.Data)
		}
		if p.Link() != "http://localhost:4567/ui/reset-password?token=tok123" {
			t.Errorf("link %q", p.Link())
		}
	}
}

func TestSMTPSenderAuth(t *testing.T) {
	srv := mailtest.NewSMTP(t, mailtest.SMTPServerConfig{Username: "bizy", Password: "s3cret"})
	srv.Start()
	ctx := context.Background()

	if err := mustSMTPSender(t, srv.SenderConfig()).Send(ctx, testFrom, testEmail(t), "m1"); err != nil {
		t.Fatal(err)
	}
	if msgs := srv.Messages(); len(msgs) != 1 || msgs[0].AuthUser != "bizy" {
		t.Fatalf("messages %+v, want one sent as bizy", msgs)
	}

	// Bad or missing credentials are a setting to fix, not a reason to
	// give up on the message.
	wrong := srv.SenderConfig()
	wrong.Password = "nope"
	none := srv.SenderConfig()
	none.Username, none.Password = "", ""
	for name, cfg := range map[string]mail.SMTPConfig{"WrongPassword": wrong, "NoCredentials": none} {
		err := mustSMTPSender(t, cfg).Send(ctx, testFrom, testEmail(t), "m2")
		t.Log(name, err)
		if err == nil || mail.Permanent(err) {
			t.Errorf("%s: err = %v, want a temporary error", name, err)
		}
	}
}

func TestSMTPSenderTLS(t *testing.T) {
	for _, mode := range []string{mail.TLSStartTLS, mail.TLSImplicit} {
		t.Run(mode, func(t *testing.T) {
			srv := mailtest.NewSMTP(t, mailtest.SMTPServerConfig{TLS: mode, Username: "bizy", Password: "s3cret"})
			srv.Start()
			err := mustSMTPSender(t, srv.SenderConfig()).Send(context.Background(), testFrom, testEmail(t), "m1")
			if err != nil {
				t.Fatal(err)
			}
			if msgs := srv.Messages(); len(msgs) != 1 || msgs[0].AuthUser != "bizy" {
				t.Fatalf("messages %+v, want one sent as bizy", msgs)
			}
			// Without the test CA the certificate must be refused.
			cfg := srv.SenderConfig()
			cfg.TLSConfig = nil
			if err := mustSMTPSender(t, cfg).Send(context.Background(), testFrom, testEmail(t), "m2"); err == nil {
				t.Error("untrusted certificate accepted")
			}
		})
	}
	t.Run("StartTLSMandatory", func(t *testing.T) {
		srv := mailtest.StartSMTP(t) // offers no STARTTLS
		cfg := srv.SenderConfig()
		cfg.TLS = mail.TLSStartTLS
		if err := mustSMTPSender(t, cfg).Send(context.Background(), testFrom, testEmail(t), "m1"); err == nil {
			t.Error("sent in clear text although STARTTLS is mandatory")
		}
		if n := len(srv.Messages()); n != 0 {
			t.Errorf("server got %d messages", n)
		}
	})
}

func TestSMTPSenderPermanent(t *testing.T) {
	ctx := context.Background()
	t.Run("Reject550", func(t *testing.T) {
		srv := mailtest.StartSMTP(t)
		srv.Reject(550)
		err := mustSMTPSender(t, srv.SenderConfig()).Send(ctx, testFrom, testEmail(t), "m")
		t.Log(err)
		if !mail.Permanent(err) {
			t.Errorf("550: err = %v, want permanent", err)
		}
	})
	t.Run("Reject451", func(t *testing.T) {
		srv := mailtest.StartSMTP(t)
		srv.Reject(451)
		err := mustSMTPSender(t, srv.SenderConfig()).Send(ctx, testFrom, testEmail(t), "m")
		t.Log(err)
		if err == nil || mail.Permanent(err) {
			t.Errorf("451: err = %v, want temporary", err)
		}
	})
	t.Run("ServerDown", func(t *testing.T) {
		srv := mailtest.NewSMTP(t, mailtest.SMTPServerConfig{}) // never started
		err := mustSMTPSender(t, srv.SenderConfig()).Send(ctx, testFrom, testEmail(t), "m")
		if err == nil || mail.Permanent(err) {
			t.Errorf("refused connection: err = %v, want temporary", err)
		}
	})
	t.Run("DroppedConnection", func(t *testing.T) {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { l.Close() })
		go func() {
			for {
				c, err := l.Accept()
				if err != nil {
					return
				}
				c.Close() // hang up before the greeting
			}
		}()
		addr := l.Addr().(*net.TCPAddr)
		s := mustSMTPSender(t, mail.SMTPConfig{Host: "127.0.0.1", Port: addr.Port, Timeout: 5 * time.Second})
		if err := s.Send(ctx, testFrom, testEmail(t), "m"); err == nil || mail.Permanent(err) {
			t.Errorf("dropped connection: err = %v, want temporary", err)
		}
	})
}

// hangingServer greets, answers 250 to every command, and goes silent at
// MAIL FROM, like a server that hangs mid-transaction. It returns the port
// and a channel that gets a value each time it goes silent.
func hangingServer(t *testing.T) (int, <-chan struct{}) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	hung := make(chan struct{}, 10)
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close() // the client hangs up first, ending the read loop
				fmt.Fprint(c, "220 hang.test ESMTP\r\n")
				r := bufio.NewReader(c)
				for {
					line, err := r.ReadString('\n')
					if err != nil {
						return
					}
					if strings.HasPrefix(strings.ToUpper(line), "MAIL") {
						hung <- struct{}{}
						io.Copy(io.Discard, r) // silent until the client hangs up
						return
					}
					fmt.Fprint(c, "250 ok\r\n")
				}
			}()
		}
	}()
	return l.Addr().(*net.TCPAddr).Port, hung
}

func TestSMTPSenderContextBoundsWholeExchange(t *testing.T) {
	// go-mail's per-command timeout is a minute here; the context must cut
	// the silent exchange short anyway.
	port, hung := hangingServer(t)
	s := mustSMTPSender(t, mail.SMTPConfig{Host: "127.0.0.1", Port: port, Timeout: time.Minute})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	e := testEmail(t)
	go func() { done <- s.Send(ctx, testFrom, e, "m") }()
	<-hung // mid-transaction, waiting for an answer that never comes
	cancel()
	select {
	case err := <-done:
		if err == nil || mail.Permanent(err) {
			t.Errorf("err = %v, want a temporary error", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Send ignored the cancelled context")
	}
}

func TestNewSMTPSenderRejectsBadConfig(t *testing.T) {
	for name, cfg := range map[string]mail.SMTPConfig{
		"NoHost":  {Port: 25},
		"NoPort":  {Host: "x"},
		"BigPort": {Host: "x", Port: 70000},
		"BadTLS":  {Host: "x", Port: 25, TLS: "ssl"},
	} {
		if _, err := mail.NewSMTPSender(cfg); err == nil {
			t.Errorf("%s: nil error", name)
		}
	}
}
