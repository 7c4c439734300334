package storetest

import (
	"cmp"
	"slices"
	"testing"
	"time"

	"github.com/bizy-auth/bizy/internal/auth"
)

// wantSessions fails t unless got and want hold the same sessions in the
// same order.
func wantSessions(t *testing.T, name string, got, want []auth.Session) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: got %d sessions %v, want %d %v", name, len(got), sessionIDs(got), len(want), sessionIDs(want))
	}
	for i := range want {
		if d := diffSession(got[i], want[i]); d != "" {
			t.Fatalf("%s: session %d: %s (got order %v, want %v)", name, i, d, sessionIDs(got), sessionIDs(want))
		}
	}
}

// sessionIDs lists the ids of ss, for failure messages.
func sessionIDs(ss []auth.Session) []string {
	ids := make([]string, len(ss))
	for i, s := range ss {
		ids[i] = s.ID
	}
	return ids
}

// byRevocation orders sessions as Revocations does: by RevokedAt, then ID.
func byRevocation(a, b auth.Session) int {
	return cmp.Or(a.RevokedAt.Compare(b.RevokedAt), cmp.Compare(a.ID, b.ID))
}

func testUserSessionsFiltersAndOrders(t *testing.T, s auth.Store) {
	u, other := mustCreateUser(t, s), mustCreateUser(t, s)
	now := at(10 * time.Hour)
	live := func(created time.Duration) auth.Session {
		sess := newSession(u.ID)
		sess.CreatedAt = at(created)
		return mustCreateSession(t, s, sess)
	}
	oldest, newest, middle := live(time.Hour), live(3*time.Hour), live(2*time.Hour)
	// Two more share newest's created_at: the id breaks the tie.
	tieA, tieB := live(3*time.Hour), live(3*time.Hour)

	revoked := newSession(u.ID)
	revoked.CreatedAt, revoked.RevokedAt = at(4*time.Hour), at(5*time.Hour)
	mustCreateSession(t, s, revoked)
	expired := newSession(u.ID)
	expired.CreatedAt, expired.ExpiresAt = at(4*time.Hour), at(9*time.Hour)
	mustCreateSession(t, s, expired)
	// Expiring exactly at now is expired.
	endsNow := newSession(u.ID)
	endsNow.CreatedAt, endsNow.ExpiresAt = at(4*time.Hour), now
	mustCreateSession(t, s, endsNow)
	theirs := newSession(other.ID)
	theirs.CreatedAt = at(4 * time.Hour)
	mustCreateSession(t, s, theirs)
	// Revoked through the store rather than created so.
	gone := live(5 * time.Hour)
	if _, err := s.RevokeSession(t.Context(), gone.ID, at(6*time.Hour)); err != nil {
		t.Fatalf("RevokeSession: %v", err)
	}

	ties := []auth.Session{newest, tieA, tieB}
	slices.SortFunc(ties, func(a, b auth.Session) int { return cmp.Compare(b.ID, a.ID) })
	want := append(ties, middle, oldest)
	got, err := s.UserSessions(t.Context(), u.ID, now)
	if err != nil {
		t.Fatalf("UserSessions: %v", err)
	}
	wantSessions(t, "UserSessions", got, want)

	// A rotation changes no place in the list.
	middle = mustRotate(t, s, middle, at(8*time.Hour))
	want[3] = middle
	got, err = s.UserSessions(t.Context(), u.ID, now)
	if err != nil {
		t.Fatalf("UserSessions: %v", err)
	}
	wantSessions(t, "UserSessions after rotation", got, want)
}

func testUserSessionsNone(t *testing.T, s auth.Store) {
	u := mustCreateUser(t, s)
	sess := newSession(u.ID)
	sess.RevokedAt = at(time.Hour)
	mustCreateSession(t, s, sess)
	for _, id := range []string{u.ID, "unknown"} {
		got, err := s.UserSessions(t.Context(), id, at(2*time.Hour))
		if err != nil {
			t.Fatalf("UserSessions(%s): %v", id, err)
		}
		wantSessions(t, "UserSessions("+id+")", got, nil)
	}
}

// mustCreateRevoked stores a session of userID revoked at each offset from
// epoch, and returns them.
func mustCreateRevoked(t *testing.T, s auth.Store, userID string, offsets ...time.Duration) []auth.Session {
	t.Helper()
	var ss []auth.Session
	for _, d := range offsets {
		sess := newSession(userID)
		sess.RevokedAt = at(d)
		ss = append(ss, mustCreateSession(t, s, sess))
	}
	return ss
}

func testRevocationsSinceAndOrder(t *testing.T, s auth.Store) {
	u, other := mustCreateUser(t, s), mustCreateUser(t, s)
	mustCreateSessions(t, s, u.ID, 2) // live: never listed
	mustCreateRevoked(t, s, u.ID, time.Hour, 2*time.Hour-time.Microsecond)
	want := mustCreateRevoked(t, s, u.ID, 2*time.Hour, 3*time.Hour, 2*time.Hour, 5*time.Hour)
	want = append(want, mustCreateRevoked(t, s, other.ID, 3*time.Hour, 2*time.Hour)...)
	// Revoked through the store rather than created so.
	byStore := mustCreateSessions(t, s, other.ID, 1)[0]
	if _, err := s.RevokeSession(t.Context(), byStore.ID, at(4*time.Hour)); err != nil {
		t.Fatalf("RevokeSession: %v", err)
	}
	byStore.RevokedAt = at(4 * time.Hour)
	want = append(want, byStore)
	slices.SortFunc(want, byRevocation)

	// since is inclusive; afterAt is ignored while afterID is "".
	got, err := s.Revocations(t.Context(), at(2*time.Hour), at(4*time.Hour), "", 100)
	if err != nil {
		t.Fatalf("Revocations: %v", err)
	}
	wantSessions(t, "Revocations", got, want)

	got, err = s.Revocations(t.Context(), at(6*time.Hour), time.Time{}, "", 100)
	if err != nil {
		t.Fatalf("Revocations: %v", err)
	}
	wantSessions(t, "Revocations after the last", got, nil)
}

func testRevocationsPages(t *testing.T, s auth.Store) {
	u := mustCreateUser(t, s)
	mustCreateRevoked(t, s, u.ID, 30*time.Minute) // before since
	// Ties on revoked_at within and across page boundaries.
	want := mustCreateRevoked(t, s, u.ID, time.Hour, time.Hour, time.Hour, time.Hour,
		2*time.Hour, 2*time.Hour, 3*time.Hour)
	slices.SortFunc(want, byRevocation)

	since := at(time.Hour)
	var got []auth.Session
	var afterAt time.Time
	afterID := ""
	for page := 1; ; page++ {
		if page > 4 {
			t.Fatalf("more than 4 pages; got so far %v", sessionIDs(got))
		}
		ss, err := s.Revocations(t.Context(), since, afterAt, afterID, 3)
		if err != nil {
			t.Fatalf("Revocations page %d: %v", page, err)
		}
		if len(ss) > 3 {
			t.Fatalf("page %d has %d sessions, limit 3", page, len(ss))
		}
		if len(ss) == 0 {
			if page != 4 {
				t.Fatalf("empty page %d, want 3 full pages before it", page)
			}
			break
		}
		got = append(got, ss...)
		last := ss[len(ss)-1]
		afterAt, afterID = last.RevokedAt, last.ID
	}
	wantSessions(t, "Revocations pages", got, want)

	// Sessions revoked later, even between pages, come after the position.
	later := mustCreateRevoked(t, s, u.ID, 3*time.Hour, 4*time.Hour)
	slices.SortFunc(later, byRevocation)
	var wantLater []auth.Session
	for _, sess := range later {
		if byRevocation(sess, want[len(want)-1]) > 0 {
			wantLater = append(wantLater, sess)
		}
	}
	ss, err := s.Revocations(t.Context(), since, afterAt, afterID, 3)
	if err != nil {
		t.Fatalf("Revocations: %v", err)
	}
	wantSessions(t, "Revocations after new revocations", ss, wantLater)
}
