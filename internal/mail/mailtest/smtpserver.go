package mailtest

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"log"
	"net"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"github.com/bizy-auth/bizy/internal/mail"
)

// SMTPServerConfig describes an SMTPServer.
type SMTPServerConfig struct {
	// Username and Password, when Username is set, make the server offer
	// AUTH PLAIN (also over plain TCP) and refuse MAIL FROM before it.
	Username, Password string
	// TLS is mail.TLSNone (or ""), mail.TLSStartTLS (offer STARTTLS) or
	// mail.TLSImplicit (TLS from the first byte), with a self-signed
	// certificate for 127.0.0.1 that ClientTLSConfig trusts.
	TLS string
}

// ReceivedMessage is one message an SMTPServer accepted.
type ReceivedMessage struct {
	From     string   // MAIL FROM
	To       []string // RCPT TO
	Data     []byte   // the RFC 5322 message as received
	AuthUser string   // the authenticated username, if any
}

// SMTPServer is a real SMTP server (github.com/emersion/go-smtp) on
// 127.0.0.1 inside the test process, for tests of mail delivery, down to
// outages (Stop, Start) and refusals (Reject). Its address stays the same
// across Stop and Start. Its methods are safe for concurrent use, except
// that Start and NewSMTP must be called from the test's goroutine.
type SMTPServer struct {
	Addr string // "127.0.0.1:port"
	Host string // "127.0.0.1"
	Port int

	t      testing.TB
	cfg    SMTPServerConfig
	tls    *tls.Config
	notify chan struct{}

	mu         sync.Mutex
	srv        *smtp.Server // nil while stopped
	msgs       []ReceivedMessage
	rejectCode int
}

// StartSMTP starts a server that accepts every message without
// authentication; it stops when the test ends.
func StartSMTP(t testing.TB) *SMTPServer {
	s := NewSMTP(t, SMTPServerConfig{})
	s.Start()
	return s
}

// NewSMTP reserves a port for a server described by cfg but does not start
// it, so that a test can begin with SMTP down. The server stops when the
// test ends.
func NewSMTP(t testing.TB, cfg SMTPServerConfig) *SMTPServer {
	t.Helper()
	if cfg.TLS == "" {
		cfg.TLS = mail.TLSNone
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("mailtest: reserve SMTP port: %v", err)
	}
	addr := l.Addr().(*net.TCPAddr)
	l.Close()
	s := &SMTPServer{
		Addr: addr.String(), Host: addr.IP.String(), Port: addr.Port,
		t: t, cfg: cfg, notify: make(chan struct{}, 1),
	}
	if cfg.TLS != mail.TLSNone {
		cert, err := testCert()
		if err != nil {
			t.Fatalf("mailtest: certificate: %v", err)
		}
		s.tls = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	}
	t.Cleanup(s.Stop)
	return s
}

// Start starts the server on Addr; it does nothing if it is running.
func (s *SMTPServer) Start() {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.srv != nil {
		return
	}
	l, err := net.Listen("tcp", s.Addr)
	if err != nil {
		s.t.Fatalf("mailtest: listen on %s: %v", s.Addr, err)
	}
	srv := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) {
		return &session{s: s}, nil
	}))
	srv.Domain = "localhost"
	srv.AllowInsecureAuth = true // AUTH PLAIN over plain TCP, as SMTP_TLS=none allows
	srv.ReadTimeout, srv.WriteTimeout = 30*time.Second, 30*time.Second
	srv.ErrorLog = log.New(io.Discard, "", 0)
	switch s.cfg.TLS {
	case mail.TLSStartTLS:
		srv.TLSConfig = s.tls
	case mail.TLSImplicit:
		l = tls.NewListener(l, s.tls)
	}
	s.srv = srv
	go func() {
		if err := srv.Serve(l); err != nil && !errors.Is(err, smtp.ErrServerClosed) {
			s.t.Errorf("mailtest: SMTP server: %v", err)
		}
	}()
}

// Stop closes the listener and every open connection, like a crashed mail
// server; clients then get "connection refused". Start brings it back.
func (s *SMTPServer) Stop() {
	s.mu.Lock()
	srv := s.srv
	s.srv = nil
	s.mu.Unlock()
	if srv != nil {
		srv.Close()
	}
}

// Reject makes the server answer every RCPT TO with code (for example 550,
// permanent, or 451, temporary); 0 accepts again.
func (s *SMTPServer) Reject(code int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rejectCode = code
}

// Messages returns a copy of the messages accepted so far.
func (s *SMTPServer) Messages() []ReceivedMessage {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]ReceivedMessage(nil), s.msgs...)
}

// WaitMessages waits until the server has accepted at least n messages and
// returns them. It fails the test after 10 seconds, a bound for broken
// code, not a timing assumption.
func (s *SMTPServer) WaitMessages(n int) []ReceivedMessage {
	s.t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		if msgs := s.Messages(); len(msgs) >= n {
			return msgs
		}
		select {
		case <-s.notify:
		case <-deadline:
			s.t.Fatalf("mailtest: got %d messages, waited for %d", len(s.Messages()), n)
		}
	}
}

// ClientTLSConfig returns a client TLS configuration that trusts the
// server's certificate, or nil for a server without TLS.
func (s *SMTPServer) ClientTLSConfig() *tls.Config {
	if s.tls == nil {
		return nil
	}
	pool := x509.NewCertPool()
	pool.AddCert(s.tls.Certificates[0].Leaf)
	return &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
}

// SenderConfig returns the mail.SMTPConfig that reaches this server with
// its credentials and TLS mode.
func (s *SMTPServer) SenderConfig() mail.SMTPConfig {
	return mail.SMTPConfig{
		Host: s.Host, Port: s.Port,
		Username: s.cfg.Username, Password: s.cfg.Password,
		TLS: s.cfg.TLS, TLSConfig: s.ClientTLSConfig(),
		Timeout: 10 * time.Second,
	}
}

// String returns the server's address, for test logs.
func (s *SMTPServer) String() string { return "smtp://" + s.Host + ":" + strconv.Itoa(s.Port) }

// session is one SMTP connection's transaction state.
type session struct {
	s    *SMTPServer
	user string
	from string
	to   []string
}

func (ss *session) AuthMechanisms() []string {
	if ss.s.cfg.Username == "" {
		return nil
	}
	return []string{sasl.Plain}
}

func (ss *session) Auth(mech string) (sasl.Server, error) {
	if ss.s.cfg.Username == "" || mech != sasl.Plain {
		return nil, smtp.ErrAuthUnknownMechanism
	}
	return sasl.NewPlainServer(func(_, username, password string) error {
		if username != ss.s.cfg.Username || password != ss.s.cfg.Password {
			return smtp.ErrAuthFailed
		}
		ss.user = username
		return nil
	}), nil
}

func (ss *session) Mail(from string, _ *smtp.MailOptions) error {
	if ss.s.cfg.Username != "" && ss.user == "" {
		return smtp.ErrAuthRequired
	}
	ss.from = from
	return nil
}

func (ss *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	ss.s.mu.Lock()
	code := ss.s.rejectCode
	ss.s.mu.Unlock()
	if code != 0 {
		enh := smtp.EnhancedCode{4, 3, 0}
		if code >= 500 {
			enh = smtp.EnhancedCode{5, 1, 1}
		}
		return &smtp.SMTPError{Code: code, EnhancedCode: enh, Message: "rejected by mailtest: " + to}
	}
	ss.to = append(ss.to, to)
	return nil
}

func (ss *session) Data(r io.Reader) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	ss.s.mu.Lock()
	ss.s.msgs = append(ss.s.msgs, ReceivedMessage{
		From: ss.from, To: append([]string(nil), ss.to...), Data: data, AuthUser: ss.user,
	})
	ss.s.mu.Unlock()
	select {
	case ss.s.notify <- struct{}{}:
	default:
	}
	return nil
}

func (ss *session) Reset() { ss.from, ss.to = "", nil }

func (ss *session) Logout() error { return nil }
