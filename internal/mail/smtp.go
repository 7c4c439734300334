package mail

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"slices"
	"time"

	gomail "github.com/wneessen/go-mail"

	"github.com/bizy-auth/bizy/internal/auth"
)

// TLS modes of SMTPConfig.TLS, as in SMTP_TLS.
const (
	TLSNone     = "none"     // plain TCP; credentials, if any, travel in clear
	TLSStartTLS = "starttls" // STARTTLS, mandatory: a server without it is an error
	TLSImplicit = "tls"      // TLS from the first byte (SMTPS, usually port 465)
)

// DefaultSMTPTimeout bounds the dial and every SMTP exchange when
// SMTPConfig.Timeout is zero.
const DefaultSMTPTimeout = 15 * time.Second

// SMTPConfig is what SMTPSender needs of the settings.
type SMTPConfig struct {
	Host     string
	Port     int
	Username string // empty: no AUTH
	Password string
	TLS      string        // TLSNone, TLSStartTLS or TLSImplicit; empty means TLSNone
	Timeout  time.Duration // dial and I/O; 0 means DefaultSMTPTimeout

	// TLSConfig, when set, replaces the default (system roots, ServerName =
	// Host); tests use it to trust their own certificate.
	TLSConfig *tls.Config
}

// LogValue shows the settings without the password.
func (c SMTPConfig) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("host", c.Host),
		slog.Int("port", c.Port),
		slog.String("username", c.Username),
		slog.Bool("password_set", c.Password != ""),
		slog.String("tls", c.TLS),
	)
}

// SMTPSender delivers messages to an SMTP server (a relay such as Postfix,
// Mailpit, or a provider), one connection per message. Auth mail is rare and
// a fresh connection keeps a broken one from poisoning later sends. It is
// safe for concurrent use.
type SMTPSender struct {
	cfg  SMTPConfig
	tls  *tls.Config
	opts []gomail.Option
	now  func() time.Time
}

// NewSMTPSender checks cfg and returns a sender. It returns an error for an
// empty host, a port outside 1..65535 or an unknown TLS mode.
func NewSMTPSender(cfg SMTPConfig) (*SMTPSender, error) {
	if cfg.Host == "" {
		return nil, errors.New("mail: SMTP host is empty")
	}
	if cfg.Port < 1 || cfg.Port > 65535 {
		return nil, fmt.Errorf("mail: SMTP port %d out of range", cfg.Port)
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultSMTPTimeout
	}
	if cfg.TLS == "" {
		cfg.TLS = TLSNone
	}
	tlsConfig := &tls.Config{ServerName: cfg.Host, MinVersion: tls.VersionTLS12}
	if cfg.TLSConfig != nil {
		tlsConfig = cfg.TLSConfig.Clone()
		if tlsConfig.ServerName == "" {
			tlsConfig.ServerName = cfg.Host
		}
	}
	opts := []gomail.Option{
		gomail.WithPort(cfg.Port),
		gomail.WithTimeout(cfg.Timeout),
		gomail.WithTLSConfig(tlsConfig),
	}
	encrypted := true
	switch cfg.TLS {
	case TLSNone:
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
		encrypted = false
	case TLSStartTLS:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	case TLSImplicit:
		opts = append(opts, gomail.WithSSL())
	default:
		return nil, fmt.Errorf("mail: SMTP TLS mode %q: want none, starttls or tls", cfg.TLS)
	}
	if cfg.Username != "" {
		// PLAIN, else LOGIN, whichever the server offers; go-mail falls back
		// to its own discovery (SCRAM, CRAM-MD5) when it offers neither.
		// Under "none" the operator chose a clear-text link (Mailpit in
		// development, a relay on a private network), so go-mail's
		// refusal to send a password unencrypted is lifted only then.
		plain, login := gomail.SMTPAuthPlain, gomail.SMTPAuthLogin
		if !encrypted {
			plain, login = gomail.SMTPAuthPlainNoEnc, gomail.SMTPAuthLoginNoEnc
		}
		opts = append(opts,
			gomail.WithOpportunisticSMTPAuth(plain, login),
			gomail.WithUsername(cfg.Username),
			gomail.WithPassword(cfg.Password),
		)
	}
	// Fail now, not at the first message, if go-mail rejects the options.
	if _, err := gomail.NewClient(cfg.Host, opts...); err != nil {
		return nil, fmt.Errorf("mail: SMTP client: %w", err)
	}
	return &SMTPSender{cfg: cfg, tls: tlsConfig, opts: opts, now: time.Now}, nil
}

// Send delivers e over one SMTP connection. The context and the
// configured timeout, whichever ends first, bound the whole exchange: the
// connection is closed when they end, so a server that trickles its answers
// cannot hold a message past the worker's lease. When the server has
// accepted the message, Send returns nil even if closing the connection
// then fails, because a retry would deliver the message twice. Use
// Permanent on the error to tell a refusal of this message from a passing
// failure.
func (s *SMTPSender) Send(ctx context.Context, from string, e auth.Email, messageID string) error {
	m, err := buildMsg(from, e, messageID, s.now())
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
	defer cancel()
	// A fresh client per message: go-mail clients carry connection state.
	// go-mail's own timeout is per command; the dialer below adds the
	// overall bound.
	c, err := gomail.NewClient(s.cfg.Host, slices.Concat(s.opts, []gomail.Option{gomail.WithDialContextFunc(s.dialer(ctx))})...)
	if err != nil {
		return fmt.Errorf("mail: SMTP client: %w", err)
	}
	err = c.DialAndSendWithContext(ctx, m)
	if err != nil && m.IsDelivered() {
		// Accepted after DATA; only RSET or QUIT failed.
		return nil
	}
	if err != nil {
		return fmt.Errorf("mail: SMTP %s:%d: %w", s.cfg.Host, s.cfg.Port, err)
	}
	return nil
}

// dialer returns a dial function whose connections close when ctx ends.
// It does the implicit-TLS handshake itself because go-mail does it only
// with its built-in dialer.
func (s *SMTPSender) dialer(ctx context.Context) gomail.DialContextFunc {
	return func(dialCtx context.Context, network, addr string) (net.Conn, error) {
		var d net.Dialer
		var conn net.Conn
		var err error
		if s.cfg.TLS == TLSImplicit {
			conn, err = (&tls.Dialer{NetDialer: &d, Config: s.tls}).DialContext(dialCtx, network, addr)
		} else {
			conn, err = d.DialContext(dialCtx, network, addr)
		}
		if err != nil {
			return nil, err
		}
		context.AfterFunc(ctx, func() { conn.Close() })
		return conn, nil
	}
}
