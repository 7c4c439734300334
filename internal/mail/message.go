package mail

import (
	"context"
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"

	"github.com/bizy-auth/bizy/internal/auth"
)

// Sender delivers one message. from is the sender address (MAIL_FROM,
// "Name <addr>" or "addr"); messageID is the outbox id, which becomes the
// Message-ID header so that a retried message keeps its id and receivers can
// drop duplicates. Implementations must be safe for concurrent use and should
// return errors for which Permanent reports whether a retry can help.
type Sender interface {
	Send(ctx context.Context, from string, e auth.Email, messageID string) error
}

// permanentError marks a failure that no retry will fix.
type permanentError struct{ err error }

func (e *permanentError) Error() string { return e.err.Error() }
func (e *permanentError) Unwrap() error { return e.err }

// Permanent reports whether err is a delivery failure that retrying will not
// fix, so the message should be parked at once: a 5xx answer to RCPT TO or to
// the message data (unknown recipient, content refused), or a message that
// cannot be built (bad recipient address, empty message id).
//
// Everything else counts as temporary: 4xx answers, connection failures and
// timeouts, and also 5xx answers to AUTH and MAIL FROM, because those reflect
// the server or Bizy's own settings (wrong password, MAIL_FROM not allowed),
// shared by every message; parking would throw away mail that goes out fine
// once the operator fixes the setting. Such messages still park after
// MaxAttempts.
func Permanent(err error) bool {
	if err == nil {
		return false
	}
	var pe *permanentError
	if errors.As(err, &pe) {
		return true
	}
	var se *gomail.SendError
	if !errors.As(err, &se) {
		return false
	}
	switch se.Reason {
	case gomail.ErrSMTPRcptTo, gomail.ErrSMTPData, gomail.ErrSMTPDataClose:
		code := se.ErrorCode()
		return code >= 500 && code < 600
	}
	return false
}

// buildMsg turns e into a multipart/alternative message (text, then HTML)
// with a Message-ID derived from messageID. SMTPSender and FileSender share
// it, so the .eml written in development is the message SMTP would carry.
func buildMsg(from string, e auth.Email, messageID string, now time.Time) (*gomail.Msg, error) {
	if messageID == "" {
		return nil, &permanentError{errors.New("mail: empty message id")}
	}
	fromAddr, err := mail.ParseAddress(from)
	if err != nil {
		// A bad MAIL_FROM is a setting, not a property of the message.
		return nil, fmt.Errorf("mail: sender %q: %w", from, err)
	}
	m := gomail.NewMsg()
	m.FromMailAddress(fromAddr)
	if err := m.To(e.To); err != nil {
		return nil, &permanentError{fmt.Errorf("mail: recipient: %w", err)}
	}
	m.Subject(e.Subject)
	m.SetMessageIDWithValue(messageIDValue(messageID, fromAddr.Address))
	m.SetDateWithValue(now)
	// Ask auto-responders (out-of-office) not to answer a no-reply sender.
	m.SetGenHeader(gomail.Header("Auto-Submitted"), "auto-generated")
	m.SetGenHeader(gomail.HeaderXAutoResponseSuppress, "All")
	switch {
	case e.Text != "" && e.HTML != "":
		m.SetBodyString(gomail.TypeTextPlain, e.Text)
		m.AddAlternativeString(gomail.TypeTextHTML, e.HTML)
	case e.HTML != "":
		m.SetBodyString(gomail.TypeTextHTML, e.HTML)
	default:
		m.SetBodyString(gomail.TypeTextPlain, e.Text)
	}
	return m, nil
}

// messageIDValue builds the Message-ID (without angle brackets) from the
// outbox id and the sender's domain, so that it is globally unique and the
// same on every attempt.
func messageIDValue(id, fromAddr string) string {
	domain := "bizy.invalid"
	if at := strings.LastIndexByte(fromAddr, '@'); at >= 0 && at < len(fromAddr)-1 {
		domain = fromAddr[at+1:]
	}
	return safeID(id) + "@" + domain
}

// safeID keeps the characters of id that are safe in a Message-ID and in a
// file name, and replaces the others by '_'.
func safeID(id string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '.', r == '_':
			return r
		}
		return '_'
	}, id)
}

// recipientDomain returns the part of addr after the last '@', which is all
// of the recipient that logs may carry.
func recipientDomain(addr string) string {
	if at := strings.LastIndexByte(addr, '@'); at >= 0 {
		return addr[at+1:]
	}
	return "?"
}

// redact removes the recipient's address from an error text (go-mail and
// many servers quote it) so the text can be logged and stored as lastErr.
func redact(text, addr string) string {
	if addr == "" {
		return text
	}
	return strings.ReplaceAll(text, addr, "***@"+recipientDomain(addr))
}
