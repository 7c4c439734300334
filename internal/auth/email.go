package auth

import "time"

// Email is one message for one recipient, rendered in plain text and HTML.
type Email struct {
	To      string
	Subject string
	Text    string
	HTML    string
}

// OutboxEmail is an Email waiting in the outbox. Requests that must send
// mail store it in the same transaction as their own change; a worker
// (internal/mail) delivers it later, so a crash or an SMTP outage between
// the two loses nothing.
type OutboxEmail struct {
	ID        string
	Email     Email
	CreatedAt time.Time
	Attempts  int // delivery attempts made so far
}

// Lifetimes of mailed tokens (SPEC).
const (
	VerificationTTL = 24 * time.Hour
	ResetTTL        = time.Hour
)

// Mailer renders the messages the auth service sends. *mail.Templates
// implements it.
type Mailer interface {
	Verification(to, username, token string) (Email, error)
	PasswordReset(to, username, token string) (Email, error)
	PasswordChanged(to, username string) (Email, error)
}
