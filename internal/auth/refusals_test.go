package auth_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bizy-auth/bizy/internal/auth"
	"github.com/bizy-auth/bizy/internal/clocktest"
	"github.com/bizy-auth/bizy/internal/ratelimit"
)

// countingMailer counts the messages the service renders, one per mail
// it queues.
type countingMailer struct{ n atomic.Int64 }

func (m *countingMailer) Verification(to, _, _ string) (auth.Email, error) {
	m.n.Add(1)
	return auth.Email{To: to}, nil
}

func (m *countingMailer) PasswordReset(to, _, _ string) (auth.Email, error) {
	m.n.Add(1)
	return auth.Email{To: to}, nil
}

func (m *countingMailer) PasswordChanged(to, _ string) (auth.Email, error) {
	m.n.Add(1)
	return auth.Email{To: to}, nil
}

// TestMailBudgetPerAddress: forgot-password and resend-verification share
// one budget per address, whatever the case it is written in; past it
// nothing is queued and a mail_suppressed event names the flow and the
// user (when the address has one); the budget refills with time.
func TestMailBudgetPerAddress(t *testing.T) {
	for name, open := range storesUnderTest() {
		t.Run(name, func(t *testing.T) {
			st := open(t)
			clock := clocktest.New(time.Now().UTC())
			lim := ratelimit.NewMemory(ratelimit.Rates{EmailAddress: ratelimit.Rate{N: 2, Window: time.Hour}}, clock.Now)
			mails := &countingMailer{}
			svc := newService(t, st, clock, auth.Config{Mailer: mails, MailBudget: ratelimit.NewMailBudget(lim)})
			ctx := context.Background()
			u, err := svc.Register(ctx, auth.Registration{Username: "ana", Email: "ana@example.com", Password: goodPassword}, auth.Client{})
			if err != nil {
				t.Fatal(err)
			}
			sent := mails.n.Load() // the registration's own verification mail
			c := auth.Client{IP: "203.0.113.9", UserAgent: "bomber"}

			svc.ForgotPassword(ctx, "ana@example.com", c)
			svc.ResendVerification(ctx, "ANA@example.com", c)
			svc.Wait()
			if n := mails.n.Load() - sent; n != 2 {
				t.Fatalf("%d mails within the budget of 2, want 2", n)
			}
			svc.ForgotPassword(ctx, "Ana@Example.com", c)
			svc.Wait()
			clock.Advance(time.Second) // so the two events sort by time
			svc.ResendVerification(ctx, "ana@example.com", c)
			svc.Wait()
			if n := mails.n.Load() - sent; n != 2 {
				t.Fatalf("%d mails after 4 requests with a budget of 2, want 2", n)
			}
			evs := events(t, st, auth.EventMailSuppressed)
			if len(evs) != 2 {
				t.Fatalf("%d mail_suppressed events, want 2: %+v", len(evs), evs)
			}
			// Newest first: the resend, then the reset.
			for i, flow := range []string{"verification", "password reset"} {
				e := evs[i]
				if e.UserID != u.ID || e.LoginName != "ana@example.com" || e.Detail != flow || e.IP != c.IP || e.UserAgent != c.UserAgent {
					t.Errorf("event %d = %+v, want user %s, the address, flow %q and the client", i, e, u.ID, flow)
				}
			}

			// An unknown address spends its budget too, and its event has no user.
			for range 3 {
				svc.ForgotPassword(ctx, "nobody@example.com", c)
				svc.Wait()
			}
			evs = events(t, st, auth.EventMailSuppressed)
			if len(evs) != 3 || evs[0].UserID != "" || evs[0].LoginName != "nobody@example.com" {
				t.Fatalf("after 3 requests for an unknown address: %+v", evs)
			}

			// One mail refills every half hour (a second has passed already).
			clock.Advance(30*time.Minute - time.Second)
			svc.ForgotPassword(ctx, "ana@example.com", c)
			svc.Wait()
			if n := mails.n.Load() - sent; n != 3 {
				t.Fatalf("%d mails after the budget refilled by one, want 3", n)
			}
			if s := lim.Stats().Denied[ratelimit.EmailAddress]; s != 3 {
				t.Errorf("the limiter counted %d refusals, want 3", s)
			}
		})
	}
}
