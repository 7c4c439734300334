package auth_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/bizy-auth/bizy/internal/auth"
	"github.com/bizy-auth/bizy/internal/clocktest"
)

// failingEvents is a store whose AddEvent fails, inside transactions too.
type failingEvents struct{ auth.Store }

var errEventStore = errors.New("event store down")

func (failingEvents) AddEvent(context.Context, auth.Event) error { return errEventStore }

func (f failingEvents) Tx(ctx context.Context, fn func(auth.Store) error) error {
	return f.Store.Tx(ctx, func(tx auth.Store) error { return fn(failingEvents{tx}) })
}

// An event that cannot be stored is counted; one that records a change is
// written in that change's transaction, so the change does not commit
// without its record.
func TestEventWriteFailuresAreCountedAndRollBack(t *testing.T) {
	for name, open := range storesUnderTest() {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			st := open(t)
			clock := clocktest.New(time.Now())
			good := newService(t, st, clock, auth.Config{})
			u := mustRegister(t, good, "hana", false)
			svc := newService(t, failingEvents{st}, clock, auth.Config{})

			// A failed login records outside any transaction: counted.
			if _, err := svc.Login(ctx, "hana", "Wrong!Pass1", auth.Client{}); !errors.Is(err, auth.ErrBadCredentials) {
				t.Fatalf("wrong password: %v", err)
			}
			if n := svc.EventWriteFailures(); n != 1 {
				t.Fatalf("EventWriteFailures = %d after a lost login_failure, want 1", n)
			}
			// A login's session commits with its record or not at all.
			if _, err := svc.Login(ctx, "hana", goodPassword, auth.Client{}); !errors.Is(err, errEventStore) {
				t.Fatalf("login without its event = %v, want the store's error", err)
			}
			if n := svc.EventWriteFailures(); n != 2 {
				t.Fatalf("EventWriteFailures = %d, want 2", n)
			}
			if live, err := st.UserSessions(ctx, u.ID, clock.Now()); err != nil || len(live) != 0 {
				t.Fatalf("sessions after a login whose event failed = %d, %v; want none", len(live), err)
			}
			// A logout likewise: no revocation without its record.
			tok := mustLogin(t, good, "hana")
			if err := svc.Logout(ctx, u.ID, tok.SessionID, false, auth.Client{}); !errors.Is(err, errEventStore) {
				t.Fatalf("logout without its event = %v, want the store's error", err)
			}
			if live, err := st.UserSessions(ctx, u.ID, clock.Now()); err != nil || len(live) != 1 {
				t.Fatalf("sessions after a logout whose event failed = %d, %v; want the one still live", len(live), err)
			}
		})
	}
}

// Every text field of an event is made storable before the write, on
// PostgreSQL (which refuses NUL and invalid UTF-8) as on SQLite.
func TestEventTextIsMadeStorable(t *testing.T) {
	for name, open := range storesUnderTest() {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			st := open(t)
			svc := newService(t, st, clocktest.New(time.Now()), auth.Config{})
			u := mustRegister(t, svc, "ivan", true)
			c := auth.Client{IP: "1.2.3.4\x00\xff" + strings.Repeat("9", 100), UserAgent: "a\x00\xff" + strings.Repeat("é", 600)}
			if _, err := svc.Login(ctx, "ivan", goodPassword, c); err != nil {
				t.Fatalf("login with unstorable client text: %v", err)
			}
			if err := svc.Logout(ctx, u.ID, "", true, c); err != nil {
				t.Fatalf("logout with unstorable client text: %v", err)
			}
			for _, typ := range []string{auth.EventLoginSuccess, auth.EventLogout} {
				evs := events(t, st, typ)
				if len(evs) != 1 {
					t.Fatalf("%s events = %d, want 1", typ, len(evs))
				}
				for _, f := range []string{evs[0].IP, evs[0].UserAgent, evs[0].LoginName, evs[0].Detail} {
					if !utf8.ValidString(f) || strings.ContainsRune(f, 0) || len(f) > 1024 {
						t.Errorf("%s stored text %q is not storable", typ, f)
					}
				}
			}
			if svc.EventWriteFailures() != 0 {
				t.Fatalf("EventWriteFailures = %d", svc.EventWriteFailures())
			}
		})
	}
}
