package auth_test

import (
	"context"
	"errors"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bizy-auth/bizy/internal/auth"
	"github.com/bizy-auth/bizy/internal/clocktest"
	"github.com/bizy-auth/bizy/internal/sqlite"
	"github.com/bizy-auth/bizy/token"
)

// newPageService is a Service over a fresh SQLite file with a fake clock.
func newPageService(t *testing.T) (*auth.Service, auth.Store, *clocktest.Clock) {
	t.Helper()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "bizy.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.MigrateAuth(ctx); err != nil {
		t.Fatal(err)
	}
	signer, err := token.NewHS256Signer([]byte("0123456789abcdef0123456789abcdef"))
	if err != nil {
		t.Fatal(err)
	}
	clock := clocktest.New(time.Date(2031, 5, 6, 7, 30, 0, 0, time.UTC))
	svc, err := auth.NewService(slog.New(slog.DiscardHandler), db.AuthStore(), auth.StaticSigner{S: signer},
		auth.Config{BcryptCost: 4, AccessTokenTTL: 15 * time.Minute, RefreshTokenTTL: 720 * time.Hour, Issuer: "i", Audience: "a",
			LockoutThreshold: 5, LockoutDuration: 15 * time.Minute, Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	return svc, db.AuthStore(), clock
}

const pagePassword = "Tr1cky!Horse"

func mustPageUser(t *testing.T, svc *auth.Service, name string) auth.User {
	t.Helper()
	u, err := svc.Register(context.Background(), auth.Registration{Username: name, Email: name + "@example.com",
		Password: pagePassword, EmailVerified: true}, auth.Client{})
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// TestPageSession: the cookie secret names a session of the sessions
// table, stored only as a hash, and ends with it however it ends.
func TestPageSession(t *testing.T) {
	ctx := context.Background()
	svc, store, clock := newPageService(t)
	u := mustPageUser(t, svc, "pam")

	ps, err := svc.PageLogin(ctx, "pam", pagePassword, auth.Client{IP: "192.0.2.9", UserAgent: "test"})
	if err != nil {
		t.Fatal(err)
	}
	if len(ps.Secret) < 43 || strings.Contains(ps.Secret, ps.Session.ID) || ps.User.ID != u.ID {
		t.Fatalf("PageLogin = %+v", ps)
	}
	if _, err := store.SessionByCookie(ctx, []byte(ps.Secret)); !errors.Is(err, auth.ErrNotFound) {
		t.Fatalf("the bare secret found a session (err %v): it must be stored hashed", err)
	}
	got, err := svc.ResumePageSession(ctx, ps.Secret)
	if err != nil || got.Session.ID != ps.Session.ID || got.User.ID != u.ID || got.Secret != "" {
		t.Fatalf("ResumePageSession = %+v, %v", got, err)
	}
	// It is one of the user's sessions, as /sessions lists them.
	list, err := svc.Sessions(ctx, u.ID)
	if err != nil || len(list) != 1 || list[0].ID != ps.Session.ID || list[0].IP != "192.0.2.9" {
		t.Fatalf("Sessions = %+v, %v", list, err)
	}

	for _, bad := range []string{"", "short", strings.Repeat("A", 43), ps.Session.ID} {
		if _, err := svc.ResumePageSession(ctx, bad); !errors.Is(err, auth.ErrUnauthenticated) {
			t.Errorf("ResumePageSession(%q) = %v, want ErrUnauthenticated", bad, err)
		}
	}

	// Every way a session ends ends the page session.
	ends := map[string]func(auth.PageSession) error{
		"logout all (POST /logout?all=true)": func(auth.PageSession) error { return svc.Logout(ctx, u.ID, "other", true, auth.Client{}) },
		"revoke one (DELETE /sessions/{id})": func(p auth.PageSession) error {
			return svc.RevokeUserSession(ctx, u.ID, p.Session.ID, auth.Client{})
		},
		"password changed elsewhere": func(auth.PageSession) error {
			other, err := svc.Login(ctx, "pam", pagePassword, auth.Client{})
			if err != nil {
				return err
			}
			if err := svc.ChangePassword(ctx, auth.PasswordChange{UserID: u.ID, SessionID: other.SessionID, Current: pagePassword, New: "N3w!Horse-Pass"}, auth.Client{}); err != nil {
				return err
			}
			return svc.ChangePassword(ctx, auth.PasswordChange{UserID: u.ID, SessionID: other.SessionID, Current: "N3w!Horse-Pass", New: pagePassword}, auth.Client{})
		},
		"expired": func(auth.PageSession) error { clock.Advance(721 * time.Hour); return nil },
	}
	for _, name := range []string{"logout all (POST /logout?all=true)", "revoke one (DELETE /sessions/{id})", "password changed elsewhere", "expired"} {
		ps, err := svc.PageLogin(ctx, "pam", pagePassword, auth.Client{})
		if err != nil {
			t.Fatal(err)
		}
		if err := ends[name](ps); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if _, err := svc.ResumePageSession(ctx, ps.Secret); !errors.Is(err, auth.ErrUnauthenticated) {
			t.Errorf("%s: ResumePageSession = %v, want ErrUnauthenticated", name, err)
		}
	}
}

// TestPageLoginKeepsLoginsRules: the page sign-in is Login: the same
// answer for an unknown name and a wrong password, then the lock.
func TestPageLoginKeepsLoginsRules(t *testing.T) {
	ctx := context.Background()
	svc, _, _ := newPageService(t)
	mustPageUser(t, svc, "pat")
	if _, err := svc.PageLogin(ctx, "nobody", pagePassword, auth.Client{}); !errors.Is(err, auth.ErrBadCredentials) {
		t.Fatalf("unknown name: %v", err)
	}
	for range 5 {
		if _, err := svc.PageLogin(ctx, "pat", "Wrong!Pass1", auth.Client{}); !errors.Is(err, auth.ErrBadCredentials) {
			t.Fatalf("wrong password: %v", err)
		}
	}
	if _, err := svc.PageLogin(ctx, "pat", pagePassword, auth.Client{}); !errors.Is(err, auth.ErrLocked) {
		t.Fatalf("after 5 failures: %v, want ErrLocked", err)
	}
}

// TestLoginsPerHour: every hour of the span is there, oldest first, the
// last one being the hour now falls in; events land in their hour by
// outcome, and other events are not counted.
func TestLoginsPerHour(t *testing.T) {
	ctx := context.Background()
	svc, store, clock := newPageService(t) // now: 07:30
	now := clock.Now()
	add := func(typ string, at time.Time, n int) {
		for i := range n {
			if err := store.AddEvent(ctx, auth.Event{ID: typ + at.String() + string(rune('a'+i)), Type: typ, CreatedAt: at}); err != nil {
				t.Fatal(err)
			}
		}
	}
	add(auth.EventLoginSuccess, now, 2)                      // 07:00 hour
	add(auth.EventLoginFailure, now.Add(-31*time.Minute), 3) // 06:59: the 06:00 hour
	add(auth.EventLoginLocked, now.Add(-2*time.Hour), 1)     // 05:00
	add(auth.EventRateLimited, now.Add(-2*time.Hour), 4)
	add(auth.EventLogout, now, 9)                         // not a login outcome
	add(auth.EventLoginSuccess, now.Add(-3*time.Hour), 5) // 04:30: outside 3 hours
	hours, err := svc.LoginsPerHour(ctx, 3)
	if err != nil {
		t.Fatal(err)
	}
	want := []auth.LoginHour{
		{Start: time.Date(2031, 5, 6, 5, 0, 0, 0, time.UTC), Locked: 1, RateLimited: 4},
		{Start: time.Date(2031, 5, 6, 6, 0, 0, 0, time.UTC), Failure: 3},
		{Start: time.Date(2031, 5, 6, 7, 0, 0, 0, time.UTC), Success: 2},
	}
	if len(hours) != len(want) {
		t.Fatalf("%d hours, want %d: %+v", len(hours), len(want), hours)
	}
	for i := range want {
		if !hours[i].Start.Equal(want[i].Start) || hours[i].Success != want[i].Success || hours[i].Failure != want[i].Failure ||
			hours[i].Locked != want[i].Locked || hours[i].RateLimited != want[i].RateLimited {
			t.Errorf("hour %d = %+v, want %+v", i, hours[i], want[i])
		}
	}
	if n := hours[0].Total(); n != 5 {
		t.Errorf("Total = %d, want 5", n)
	}
	for _, bad := range []int{0, -1, auth.MaxStatsHours + 1} {
		if _, err := svc.LoginsPerHour(ctx, bad); err == nil {
			t.Errorf("LoginsPerHour(%d) accepted", bad)
		}
	}
}
