package storetest

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/bizy-auth/bizy/internal/auth"
)

// pageCases are the checks AuthStore runs for what the pages need: page
// session cookies (auth.PageSessionStore), the event filters of the admin
// console and its hourly counts (auth.EventStatsStore).
var pageCases = []struct {
	name string
	test func(t *testing.T, s auth.Store)
}{
	{"SessionByCookie/RoundTrip", testSessionByCookie},
	{"SessionByCookie/Unknown", testSessionByCookieUnknown},
	{"SessionByCookie/RevokedStillFound", testSessionByCookieRevoked},
	{"SetSessionCookie/UnknownSession", testSetCookieUnknown},
	{"SetSessionCookie/HashUnique", testSetCookieUnique},
	{"SessionByCookie/GoneWithUser", testSessionByCookieUserDeleted},
	{"Events/FilterIPAndTime", testEventsFilterIPAndTime},
	{"CountEventsByHour/BucketsAndTypes", testCountEventsByHour},
	{"CountEventsByHour/Empty", testCountEventsByHourEmpty},
}

func testSessionByCookie(t *testing.T, s auth.Store) {
	u := mustCreateUser(t, s)
	sess := mustCreateSession(t, s, newSession(u.ID))
	other := mustCreateSession(t, s, newSession(u.ID))
	if err := s.SetSessionCookie(t.Context(), sess.ID, []byte("cookie-1")); err != nil {
		t.Fatalf("SetSessionCookie: %v", err)
	}
	got, err := s.SessionByCookie(t.Context(), []byte("cookie-1"))
	if err != nil {
		t.Fatalf("SessionByCookie: %v", err)
	}
	if d := diffSession(got, sess); d != "" {
		t.Fatalf("SessionByCookie: %s", d)
	}
	// The cookie is not the refresh token: neither finds the other's session.
	if _, err := s.SessionByCookie(t.Context(), other.RefreshHash); !errors.Is(err, auth.ErrNotFound) {
		t.Fatalf("SessionByCookie(a refresh hash) = %v, want ErrNotFound", err)
	}
	if _, _, err := s.SessionByRefresh(t.Context(), []byte("cookie-1")); !errors.Is(err, auth.ErrNotFound) {
		t.Fatalf("SessionByRefresh(a cookie hash) = %v, want ErrNotFound", err)
	}
}

func testSessionByCookieUnknown(t *testing.T, s auth.Store) {
	u := mustCreateUser(t, s)
	mustCreateSession(t, s, newSession(u.ID)) // a session without a cookie matches nothing
	_, err := s.SessionByCookie(t.Context(), []byte("no such cookie"))
	wantNotFound(t, err)
}

func testSessionByCookieRevoked(t *testing.T, s auth.Store) {
	u := mustCreateUser(t, s)
	sess := mustCreateSession(t, s, newSession(u.ID))
	if err := s.SetSessionCookie(t.Context(), sess.ID, []byte("cookie-r")); err != nil {
		t.Fatalf("SetSessionCookie: %v", err)
	}
	if _, err := s.RevokeUserSessions(t.Context(), u.ID, "", at(time.Hour)); err != nil {
		t.Fatalf("RevokeUserSessions: %v", err)
	}
	got, err := s.SessionByCookie(t.Context(), []byte("cookie-r"))
	if err != nil {
		t.Fatalf("SessionByCookie: %v", err)
	}
	wantTime(t, "RevokedAt", got.RevokedAt, at(time.Hour))
}

func testSetCookieUnknown(t *testing.T, s auth.Store) {
	wantNotFound(t, s.SetSessionCookie(t.Context(), uuid.NewString(), []byte("cookie")))
}

func testSetCookieUnique(t *testing.T, s auth.Store) {
	u := mustCreateUser(t, s)
	a, b := mustCreateSession(t, s, newSession(u.ID)), mustCreateSession(t, s, newSession(u.ID))
	if err := s.SetSessionCookie(t.Context(), a.ID, []byte("same")); err != nil {
		t.Fatalf("SetSessionCookie: %v", err)
	}
	if err := s.SetSessionCookie(t.Context(), b.ID, []byte("same")); !errors.Is(err, auth.ErrConflict) {
		t.Fatalf("second session with the same cookie hash: err = %v, want ErrConflict", err)
	}
	got, err := s.SessionByCookie(t.Context(), []byte("same"))
	if err != nil || got.ID != a.ID {
		t.Fatalf("SessionByCookie = %s, %v; want session %s", got.ID, err, a.ID)
	}
}

func testSessionByCookieUserDeleted(t *testing.T, s auth.Store) {
	u := mustCreateUser(t, s)
	sess := mustCreateSession(t, s, newSession(u.ID))
	if err := s.SetSessionCookie(t.Context(), sess.ID, []byte("cookie-d")); err != nil {
		t.Fatalf("SetSessionCookie: %v", err)
	}
	if err := s.DeleteUser(t.Context(), u.ID); err != nil {
		t.Fatalf("DeleteUser: %v", err)
	}
	_, err := s.SessionByCookie(t.Context(), []byte("cookie-d"))
	wantNotFound(t, err)
}

func testEventsFilterIPAndTime(t *testing.T, s auth.Store) {
	ip := func(e auth.Event, addr string) auth.Event { e.IP = addr; return e }
	e := []auth.Event{
		ip(newEvent("login_success", "", at(5*time.Hour)), "192.0.2.1"),
		ip(newEvent("login_failure", "", at(4*time.Hour)), "192.0.2.10"),
		ip(newEvent("login_failure", "", at(3*time.Hour)), "192.0.2.1"),
		ip(newEvent("login_failure", "", at(2*time.Hour)), "2001:db8::1"),
		ip(newEvent("logout", "", at(1*time.Hour)), "192.0.2.1"),
	}
	mustAddEvents(t, s, e...)
	for _, c := range []struct {
		name string
		f    auth.EventFilter
		want []auth.Event
	}{
		// Exactly the address: 192.0.2.1 is not a prefix of 192.0.2.10.
		{"ip", auth.EventFilter{IP: "192.0.2.1"}, []auth.Event{e[0], e[2], e[4]}},
		{"ipv6", auth.EventFilter{IP: "2001:db8::1"}, []auth.Event{e[3]}},
		// Since is inclusive, Until exclusive.
		{"since", auth.EventFilter{Since: at(3 * time.Hour)}, e[:3]},
		{"until", auth.EventFilter{Until: at(3 * time.Hour)}, e[3:]},
		{"range", auth.EventFilter{Since: at(2 * time.Hour), Until: at(5 * time.Hour)}, e[1:4]},
		{"all together", auth.EventFilter{IP: "192.0.2.1", Type: "login_failure", Since: at(time.Hour), Until: at(6 * time.Hour)},
			[]auth.Event{e[2]}},
		{"empty range", auth.EventFilter{Since: at(5 * time.Hour), Until: at(5 * time.Hour)}, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			for _, limit := range []int{1, 2, 100} {
				f := c.f
				f.Limit = limit
				wantEventIDs(t, allEvents(t, s, f), c.want)
			}
		})
	}
}

func testCountEventsByHour(t *testing.T, s auth.Store) {
	// hour returns the start of the n-th hour after the one epoch falls in.
	base := epoch.Truncate(time.Hour)
	hour := func(n int) time.Time { return base.Add(time.Duration(n) * time.Hour) }
	var events []auth.Event
	add := func(typ string, t time.Time, n int) {
		for range n {
			events = append(events, newEvent(typ, "", t))
		}
	}
	add("login_success", hour(0), 2)                        // the first instant of hour 0
	add("login_success", hour(1).Add(-time.Microsecond), 1) // the last instant of hour 0
	add("login_failure", hour(0).Add(30*time.Minute), 3)
	add("login_failure", hour(2).Add(time.Minute), 1)
	add("rate_limited", hour(2).Add(59*time.Minute), 4)
	add("logout", hour(2), 5)         // a type not asked for
	add("login_success", hour(-1), 6) // before since
	add("login_success", hour(3), 7)  // at until: excluded
	add("login_locked", hour(1).Add(time.Second), 1)
	mustAddEvents(t, s, events...)

	got, err := s.CountEventsByHour(t.Context(),
		[]string{"login_success", "login_failure", "login_locked", "rate_limited"}, hour(0), hour(3))
	if err != nil {
		t.Fatalf("CountEventsByHour: %v", err)
	}
	want := []auth.HourCount{
		{Hour: hour(0), Type: "login_failure", Count: 3},
		{Hour: hour(0), Type: "login_success", Count: 3},
		{Hour: hour(1), Type: "login_locked", Count: 1},
		{Hour: hour(2), Type: "login_failure", Count: 1},
		{Hour: hour(2), Type: "rate_limited", Count: 4},
	}
	if !slices.EqualFunc(got, want, func(g, w auth.HourCount) bool {
		return g.Hour.Equal(w.Hour) && g.Hour.Location() == time.UTC && g.Type == w.Type && g.Count == w.Count
	}) {
		t.Fatalf("CountEventsByHour\n got %+v\nwant %+v", got, want)
	}
}

func testCountEventsByHourEmpty(t *testing.T, s auth.Store) {
	mustAddEvents(t, s, newEvent("login_success", "", at(0)))
	got, err := s.CountEventsByHour(t.Context(), []string{"login_success"}, at(time.Hour), at(2*time.Hour))
	if err != nil || len(got) != 0 {
		t.Fatalf("CountEventsByHour over an hour without events = %+v, %v; want none", got, err)
	}
	got, err = s.CountEventsByHour(t.Context(), nil, at(-time.Hour), at(time.Hour))
	if err != nil || len(got) != 0 {
		t.Fatalf("CountEventsByHour of no types = %+v, %v; want none", got, err)
	}
}
