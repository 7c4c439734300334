// Package mail renders and delivers the messages of the auth service
// (email verification, password reset, password changed) through an outbox.
//
// Requests never send mail themselves. They render an auth.Email with
// Templates and store it as an auth.OutboxEmail in the same transaction as
// their own change; a Worker then drains the auth.Outbox through a Sender. So a
// crash or an SMTP outage between the commit and the delivery loses nothing:
// the message waits, is retried with exponential back-off, and is parked
// (kept, logged at ERROR, counted) only after MaxAttempts or a Permanent
// failure. Claims carry a lease, so several workers never send a message
// twice while its lease holds; a message whose delivery was not recorded
// (crash after the SMTP server accepted it) may go twice, with the same
// Message-ID so receivers can drop the copy.
//
// Two Senders exist: SMTPSender (SMTP_HOST set; go-mail, TLS none, starttls
// or tls, optional AUTH) and FileSender, the embedded default, which writes
// .eml files under DATA_DIR/mail and logs the link so that the quick start
// works with no mail server.
//
// Links point at the pages on PUBLIC_URL (internal/pages):
// /ui/verify-email?token= and /ui/reset-password?token=, whose GET only
// shows a form; the token is spent by the form's POST.
//
// The adapters (internal/sqlite, internal/postgres) implement auth.Outbox;
// mailtest.OutboxSuite checks them, and mailtest.Memory is the in-memory
// implementation tests use.
package mail
