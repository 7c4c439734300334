package mailtest

import (
	"context"
	"sync"

	"github.com/bizy-auth/bizy/internal/auth"
)

// Sent is one message a Recorder was asked to send.
type Sent struct {
	From      string
	Email     auth.Email
	MessageID string
}

// Recorder is a mail.Sender that keeps what it would have sent, for tests
// that need no SMTP. Its zero value is ready to use and it is safe for concurrent use.
type Recorder struct {
	mu   sync.Mutex
	sent []Sent
	err  error
}

// Send records the message, or returns the error set by Fail.
func (r *Recorder) Send(_ context.Context, from string, e auth.Email, messageID string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.err != nil {
		return r.err
	}
	r.sent = append(r.sent, Sent{From: from, Email: e, MessageID: messageID})
	return nil
}

// Fail makes every later Send return err; nil makes them succeed again.
func (r *Recorder) Fail(err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.err = err
}

// Sent returns a copy of the messages recorded so far.
func (r *Recorder) Sent() []Sent {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Sent(nil), r.sent...)
}
