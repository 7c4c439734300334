package auth_test

import (
	"context"
	"errors"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bizy-auth/bizy/internal/auth"
	"github.com/bizy-auth/bizy/internal/clocktest"
)

// errCommit is what failingCommits makes a transaction fail with.
var errCommit = errors.New("commit refused by the test")

// failingCommits is a Store whose transactions, while failing is set, roll
// back after fn has done everything it does: the flow's writes are made
// and then undone, as when a commit fails.
type failingCommits struct {
	auth.Store
	failing atomic.Bool
}

func (s *failingCommits) Tx(ctx context.Context, fn func(auth.Store) error) error {
	return s.Store.Tx(ctx, func(tx auth.Store) error {
		if err := fn(tx); err != nil {
			return err
		}
		if s.failing.Load() {
			return errCommit
		}
		return nil
	})
}

// announcer is an OnRevoke that keeps what it was told.
type announcer struct {
	mu   sync.Mutex
	sids []string
}

func (a *announcer) onRevoke(_ context.Context, sid string, _ time.Time) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.sids = append(a.sids, sid)
}

func (a *announcer) told() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return slices.Sorted(slices.Values(a.sids))
}

// revokingFlow is a flow that revokes sessions of the victim inside a
// transaction, run in a revokeEnv.
type revokingFlow struct {
	name string
	// victimAdmin makes the victim an admin first (flows that demote).
	victimAdmin bool
	run         func(ctx context.Context, e *revokeEnv) error
}

// revokeEnv is an admin and the victim, registered, the victim holding two
// sessions and a reset link.
type revokeEnv struct {
	svc      *auth.Service
	mail     *resetMailer
	admin    auth.User
	victim   auth.User
	sessions []auth.Tokens // the victim's
	keep     string        // the session the flow leaves alone, if any
}

var revokingFlows = []revokingFlow{
	{name: "ChangePassword", run: func(ctx context.Context, e *revokeEnv) error {
		e.keep = e.sessions[0].SessionID
		return e.svc.ChangePassword(ctx, auth.PasswordChange{UserID: e.victim.ID, SessionID: e.keep,
			Current: goodPassword, New: "N3w!Horse-Pass"}, auth.Client{})
	}},
	{name: "ResetPassword", run: func(ctx context.Context, e *revokeEnv) error {
		return e.svc.ResetPassword(ctx, e.mail.lastToken(), "N3w!Horse-Pass", auth.Client{})
	}},
	{name: "SetAdmin", victimAdmin: true, run: func(ctx context.Context, e *revokeEnv) error {
		_, err := e.svc.SetAdmin(ctx, e.victim.ID, false, auth.Client{})
		return err
	}},
	{name: "AdminUpdateUser/disable", run: func(ctx context.Context, e *revokeEnv) error {
		yes := true
		_, err := e.svc.AdminUpdateUser(ctx, e.admin.ID, e.victim.ID, auth.UserChanges{Disabled: &yes}, auth.Client{})
		return err
	}},
	{name: "AdminUpdateUser/demote", victimAdmin: true, run: func(ctx context.Context, e *revokeEnv) error {
		no := false
		_, err := e.svc.AdminUpdateUser(ctx, e.admin.ID, e.victim.ID, auth.UserChanges{IsAdmin: &no}, auth.Client{})
		return err
	}},
	{name: "AdminDeleteUser", run: func(ctx context.Context, e *revokeEnv) error {
		return e.svc.AdminDeleteUser(ctx, e.admin.ID, e.victim.ID, auth.Client{})
	}},
}

// newRevokeEnv registers the admin and the victim over st, signs the
// victim in twice and has a reset link mailed to them.
func newRevokeEnv(t *testing.T, st auth.Store, flow revokingFlow, onRevoke func(context.Context, string, time.Time)) *revokeEnv {
	t.Helper()
	e := &revokeEnv{mail: &resetMailer{}}
	e.svc = newService(t, st, clocktest.New(time.Now().UTC()), auth.Config{Mailer: e.mail, OnRevoke: onRevoke})
	e.admin = mustRegister(t, e.svc, "admin", true)
	e.victim = mustRegister(t, e.svc, "victim", flow.victimAdmin)
	e.sessions = []auth.Tokens{mustLogin(t, e.svc, "victim"), mustLogin(t, e.svc, "victim")}
	e.svc.ForgotPassword(context.Background(), e.victim.Email, auth.Client{})
	e.svc.Wait()
	if e.mail.lastToken() == "" {
		t.Fatal("no reset link was mailed")
	}
	return e
}

// revokedSIDs is what the flow must announce once it has committed.
func (e *revokeEnv) revokedSIDs() []string {
	var sids []string
	for _, s := range e.sessions {
		if s.SessionID != e.keep {
			sids = append(sids, s.SessionID)
		}
	}
	return slices.Sorted(slices.Values(sids))
}

// TestRolledBackRevocationsAreNotAnnounced: a flow whose transaction fails
// after it revoked the victim's sessions announces nothing (API copies would
// otherwise refuse live sessions), and the sessions stay live. The same
// flow committed announces exactly the sessions it revoked.
func TestRolledBackRevocationsAreNotAnnounced(t *testing.T) {
	for name, open := range storesUnderTest() {
		for _, flow := range revokingFlows {
			t.Run(name+"/"+flow.name, func(t *testing.T) {
				ctx := context.Background()
				st := &failingCommits{Store: open(t)}
				var told announcer
				e := newRevokeEnv(t, st, flow, told.onRevoke)

				st.failing.Store(true)
				if err := flow.run(ctx, e); !errors.Is(err, errCommit) {
					t.Fatalf("with the commit failing: %v, want the commit's error", err)
				}
				if got := told.told(); len(got) != 0 {
					t.Fatalf("a rolled-back transaction announced %v", got)
				}
				live, err := st.UserSessions(ctx, e.victim.ID, time.Now())
				if err != nil || len(live) != 2 {
					t.Fatalf("after the rollback the victim has %d live sessions (%v), want 2", len(live), err)
				}

				st.failing.Store(false)
				if err := flow.run(ctx, e); err != nil {
					t.Fatal(err)
				}
				if got, want := told.told(), e.revokedSIDs(); !slices.Equal(got, want) {
					t.Fatalf("committed: announced %v, want %v", got, want)
				}
			})
		}
	}
}

// TestASlowAnnouncerHoldsNoTransaction: while OnRevoke hangs (a Redis that
// does not answer), another transaction writing the victim's row completes:
// the announcement is made after the commit, not while the flow holds
// SQLite's only write connection or PostgreSQL's row locks.
func TestASlowAnnouncerHoldsNoTransaction(t *testing.T) {
	for name, open := range storesUnderTest() {
		for _, flow := range revokingFlows {
			t.Run(name+"/"+flow.name, func(t *testing.T) {
				ctx := context.Background()
				st := open(t)
				entered := make(chan struct{}, 2)
				release := make(chan struct{})
				e := newRevokeEnv(t, st, flow, func(context.Context, string, time.Time) {
					entered <- struct{}{}
					<-release
				})
				result, finished := make(chan error, 1), make(chan struct{})
				go func() {
					result <- flow.run(ctx, e)
					close(finished)
				}()
				var once sync.Once
				releaseOnce := func() { once.Do(func() { close(release) }) }
				defer func() { releaseOnce(); <-finished }() // also on t.Fatal: the store closes after
				select {
				case <-entered:
				case <-finished:
					t.Fatalf("the flow ended (%v) without announcing", <-result)
				case <-time.After(30 * time.Second):
					t.Fatal("OnRevoke was never called")
				}

				wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
				defer cancel()
				err := st.Tx(wctx, func(tx auth.Store) error {
					u, err := tx.UserForUpdate(wctx, e.victim.ID)
					if errors.Is(err, auth.ErrNotFound) {
						return nil // deleted: the delete has committed
					}
					if err != nil {
						return err
					}
					return tx.UpdateUser(wctx, u)
				})
				if err != nil {
					t.Fatalf("a write while OnRevoke hangs: %v; the announcement holds the transaction", err)
				}

				releaseOnce()
				if err := <-result; err != nil {
					t.Fatalf("the flow, once OnRevoke returned: %v", err)
				}
			})
		}
	}
}
