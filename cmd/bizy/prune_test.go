package main

import (
	"context"
	"errors"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/bizy-auth/bizy/internal/auth"
	"github.com/bizy-auth/bizy/internal/postgres"
	"github.com/bizy-auth/bizy/internal/postgres/pgtest"
	"github.com/bizy-auth/bizy/internal/sqlite"
)

// seeded names the rows seedRetention stored: those a prune at the real
// clock's now must delete and those it must keep.
type seeded struct {
	goneSessions, keptSessions []string
	keptToken                  auth.UserToken
}

// seedRetention stores, relative to the real clock, one row of each kind
// past its retention period and others that are not: 2 sessions, 1 token,
// 1 sent email and 1 ended lock to delete.
func seedRetention(t *testing.T, db database) seeded {
	t.Helper()
	ctx := context.Background()
	if err := db.MigrateAuth(ctx); err != nil {
		t.Fatal(err)
	}
	s := db.AuthStore()
	now := time.Now().UTC().Truncate(time.Microsecond)
	ago := func(d time.Duration) time.Time { return now.Add(-d) }
	const day = 24 * time.Hour
	u := auth.User{ID: uuid.NewString(), Username: "pruned", Email: "pruned@example.com",
		PasswordHash: []byte("x"), CreatedAt: ago(60 * day), UpdatedAt: ago(60 * day)}
	if err := s.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	var out seeded
	session := func(expires, revoked time.Time, keep bool) {
		id := uuid.NewString()
		err := s.CreateSession(ctx, auth.Session{ID: id, UserID: u.ID, RefreshHash: []byte(id),
			CreatedAt: ago(40 * day), RefreshedAt: ago(40 * day), ExpiresAt: expires, RevokedAt: revoked})
		if err != nil {
			t.Fatal(err)
		}
		if keep {
			out.keptSessions = append(out.keptSessions, id)
		} else {
			out.goneSessions = append(out.goneSessions, id)
		}
	}
	session(ago(8*day), time.Time{}, false)     // expired a week ago
	session(now.Add(day), ago(8*day), false)    // revoked a week ago
	session(now.Add(day), ago(time.Hour), true) // revoked within SessionRetention
	session(now.Add(day), time.Time{}, true)    // live

	token := func(expires time.Time) auth.UserToken {
		tok := auth.UserToken{Hash: []byte(uuid.NewString()), UserID: u.ID, Purpose: auth.PurposeVerifyEmail,
			CreatedAt: ago(3 * day), ExpiresAt: expires}
		if err := s.CreateUserToken(ctx, tok); err != nil {
			t.Fatal(err)
		}
		return tok
	}
	token(ago(2 * day))
	out.keptToken = token(now.Add(time.Hour))

	for i := range 4 { // sent a week ago, sent an hour ago, parked, pending
		m := auth.OutboxEmail{ID: uuid.NewString(), CreatedAt: ago(9*day - time.Duration(i)*time.Second),
			Email: auth.Email{To: "pruned@example.com", Subject: "s", Text: "t"}}
		if err := s.EnqueueEmail(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	o := db.Outbox()
	ms, err := o.Claim(ctx, "seed", ago(9*day-time.Minute), time.Minute, 3)
	if err != nil || len(ms) != 3 {
		t.Fatalf("claim: %d, %v", len(ms), err)
	}
	if err := errors.Join(o.MarkSent(ctx, ms[0].ID, "seed", ago(8*day)), o.MarkSent(ctx, ms[1].ID, "seed", ago(time.Hour)),
		o.Park(ctx, ms[2].ID, "seed", ago(8*day), "550")); err != nil {
		t.Fatal(err)
	}

	lock := func(subject string, until time.Time) error {
		return s.PutLockoutRow(ctx, auth.LockoutRow{Subject: subject, Failures: 20, WindowStart: until.Add(-time.Hour),
			LockedUntil: until, ExpiresAt: until})
	}
	if err := errors.Join(lock("name:ended", ago(2*day)), lock("name:active", now.Add(time.Hour))); err != nil {
		t.Fatal(err)
	}
	return out
}

// wantSeededKept checks that the rows seedRetention meant to keep are there
// and the others gone. serving says a mail worker has been running, which
// may have sent the pending message.
func wantSeededKept(t *testing.T, db database, sd seeded, serving bool) {
	t.Helper()
	ctx := context.Background()
	s := db.AuthStore()
	for _, id := range sd.goneSessions {
		if _, err := s.Session(ctx, id); !errors.Is(err, auth.ErrNotFound) {
			t.Errorf("session %s: %v, want it pruned", id, err)
		}
	}
	for _, id := range sd.keptSessions {
		if _, err := s.Session(ctx, id); err != nil {
			t.Errorf("session %s: %v, want it kept", id, err)
		}
	}
	if _, err := s.UserToken(ctx, sd.keptToken.Hash, sd.keptToken.Purpose); err != nil {
		t.Errorf("live token: %v, want it kept", err)
	}
	if until, err := s.LockoutLockedUntil(ctx, "name:active"); err != nil || until.IsZero() {
		t.Errorf("active lock: %v, %v; want it kept", until, err)
	}
	st, err := db.Outbox().Stats(ctx)
	if serving {
		st.Pending = 1 // the worker may have sent it since: not the prune's doing
	}
	if err != nil || st != (auth.OutboxStats{Pending: 1, Parked: 1}) {
		t.Errorf("outbox stats after prune = %+v, %v; want the pending and the parked message kept", st, err)
	}
}

const (
	wantPruned = "pruned 2 sessions, 0 session tombstones, 1 user tokens, 1 sent emails, 1 ended lockout counts, 0 security events\n"
	wantNone   = "pruned 0 sessions, 0 session tombstones, 0 user tokens, 0 sent emails, 0 ended lockout counts, 0 security events\n"
)

// TestPruneCommand runs `bizy prune` twice over a seeded database, on each
// engine: the first run deletes what is past its retention and prints the
// counts; the second finds nothing.
func TestPruneCommand(t *testing.T) {
	t.Parallel()
	t.Run("sqlite", func(t *testing.T) {
		share(t)
		dir := dataDir(t)
		db, err := sqlite.Open(context.Background(), filepath.Join(dir, "bizy.db"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		testPruneCommand(t, db, "--data-dir", dir)
	})
	t.Run("postgres", func(t *testing.T) {
		share(t)
		u := pgtest.SchemaURL(t) // skips when BIZY_TEST_POSTGRES_URL is unset
		db, err := postgres.Open(context.Background(), u)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		testPruneCommand(t, db, "--database-url", u, "--data-dir", dataDir(t))
	})
}

func testPruneCommand(t *testing.T, db database, args ...string) {
	sd := seedRetention(t, db)
	args = append([]string{"prune", "--bcrypt-cost", "10"}, args...)
	out, err := runCmd(t, "", args...)
	if err != nil || out != wantPruned {
		t.Fatalf("first bizy prune: %v\n got %q\nwant %q", err, out, wantPruned)
	}
	wantSeededKept(t, db, sd, false)
	if out, err := runCmd(t, "", args...); err != nil || out != wantNone {
		t.Fatalf("second bizy prune: %v\n got %q\nwant %q", err, out, wantNone)
	}
}

// TestAuthPrunesAtStart: the auth service runs the retention job as soon as
// it starts, not only after the first hour.
func TestAuthPrunesAtStart(t *testing.T) {
	share(t)
	dir := dataDir(t)
	db, err := sqlite.Open(context.Background(), filepath.Join(dir, "bizy.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	sd := seedRetention(t, db)
	addr := freeAddr(t)
	startCmd(t, "http://"+addr+"/health", "auth", "--auth-addr", addr, "--data-dir", dir, "--bcrypt-cost", "10")
	for range 400 {
		if _, err := db.AuthStore().Session(context.Background(), sd.goneSessions[0]); errors.Is(err, auth.ErrNotFound) {
			wantSeededKept(t, db, sd, true)
			return
		}
		time.Sleep(25 * time.Millisecond) // polling a job of the real server, not timing a test
	}
	t.Fatal("the auth service did not prune at start")
}

// fakePruner answers each Prune with the next of its results, and says
// when it has none left.
type fakePruner struct {
	results []auth.PruneCounts
	errs    []error
	done    chan struct{}
}

func (p *fakePruner) Prune(ctx context.Context) (auth.PruneCounts, error) {
	if len(p.results) == 0 {
		close(p.done)
		<-ctx.Done()
		return auth.PruneCounts{}, ctx.Err()
	}
	c, err := p.results[0], p.errs[0]
	p.results, p.errs = p.results[1:], p.errs[1:]
	return c, err
}

// TestRunRetentionLogs: the job logs a run that deleted something at INFO,
// stays quiet about one that deleted nothing, logs a failure and carries
// on, and returns nil when its context ends.
func TestRunRetentionLogs(t *testing.T) {
	p := &fakePruner{
		results: []auth.PruneCounts{{Sessions: 3, Outbox: 2}, {}, {Tokens: 1}},
		errs:    []error{nil, nil, errors.New("database is locked")},
		done:    make(chan struct{}),
	}
	var logs syncBuffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() { errc <- runRetention(ctx, log, p, time.Millisecond) }()
	<-p.done
	cancel()
	if err := <-errc; err != nil {
		t.Fatalf("runRetention = %v, want nil", err)
	}
	got := logs.String()
	if n := strings.Count(got, "pruned finished rows"); n != 1 ||
		!strings.Contains(got, "level=INFO") || !strings.Contains(got, "deleted.sessions=3") ||
		!strings.Contains(got, "deleted.outbox=2") {
		t.Errorf("want one INFO line with the counts; logs:\n%s", got)
	}
	if !strings.Contains(got, "level=ERROR") || !strings.Contains(got, "database is locked") {
		t.Errorf("want the failure logged; logs:\n%s", got)
	}
	if strings.Contains(got, "context canceled") {
		t.Errorf("stopping was logged as a failure; logs:\n%s", got)
	}
}
