package storetest

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/bizy-auth/bizy/internal/auth"
)

// newEvent returns an event of type typ for userID at created.
func newEvent(typ, userID string, created time.Time) auth.Event {
	return auth.Event{
		ID:        uuid.NewString(),
		Type:      typ,
		UserID:    userID,
		LoginName: "alice",
		IP:        "198.51.100.4",
		UserAgent: "storetest/1.0",
		Detail:    "detail",
		CreatedAt: created,
	}
}

// mustAddEvents adds events in a shuffled order, so that a store returning
// insertion order is caught.
func mustAddEvents(t *testing.T, s auth.Store, events ...auth.Event) {
	t.Helper()
	shuffled := append([]auth.Event(nil), events...)
	rand.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
	for _, e := range shuffled {
		if err := s.AddEvent(t.Context(), e); err != nil {
			t.Fatalf("AddEvent: %v", err)
		}
	}
}

// allEvents pages through f with limit and returns every event in order,
// failing on a page that is larger than limit or a cursor loop.
func allEvents(t *testing.T, s auth.Store, f auth.EventFilter) []auth.Event {
	t.Helper()
	var all []auth.Event
	for page := 0; ; page++ {
		if page > 1000 {
			t.Fatal("Events: cursor never ran out")
		}
		got, next, err := s.Events(t.Context(), f)
		if err != nil {
			t.Fatalf("Events(%+v): %v", f, err)
		}
		if len(got) > f.Limit {
			t.Fatalf("Events(limit %d) returned %d events", f.Limit, len(got))
		}
		all = append(all, got...)
		if next == "" {
			return all
		}
		if len(got) == 0 {
			t.Fatal("Events returned an empty page with a next cursor")
		}
		f.Cursor = next
	}
}

// wantEventIDs fails t unless got holds exactly the ids of want, in order.
func wantEventIDs(t *testing.T, got, want []auth.Event) {
	t.Helper()
	ok := len(got) == len(want)
	for i := 0; ok && i < len(want); i++ {
		ok = got[i].ID == want[i].ID
	}
	if !ok {
		var g, w []string
		for _, e := range got {
			g = append(g, e.ID[:8]+"@"+e.CreatedAt.Format(time.StampMicro))
		}
		for _, e := range want {
			w = append(w, e.ID[:8]+"@"+e.CreatedAt.Format(time.StampMicro))
		}
		t.Fatalf("events\n got %v\nwant %v", g, w)
	}
}

func testEventRoundTrip(t *testing.T, s auth.Store) {
	named := newEvent("login.success", uuid.NewString(), at(time.Second))
	anon := newEvent("login.failure", "", at(0))
	anon.IP, anon.UserAgent, anon.Detail = "", "", ""
	mustAddEvents(t, s, named, anon)
	got, next, err := s.Events(t.Context(), auth.EventFilter{Limit: 10})
	if err != nil {
		t.Fatalf("Events: %v", err)
	}
	if next != "" {
		t.Errorf("next cursor = %q on the only page", next)
	}
	want := []auth.Event{named, anon}
	if len(got) != len(want) {
		t.Fatalf("got %d events, want %d", len(got), len(want))
	}
	for i, w := range want {
		g := got[i]
		wantTime(t, "CreatedAt", g.CreatedAt, w.CreatedAt)
		g.CreatedAt = w.CreatedAt
		if g != w {
			t.Errorf("event %d = %+v, want %+v", i, g, w)
		}
	}
}

func testEventsPages(t *testing.T, s auth.Store) {
	var want []auth.Event
	for i := 7; i > 0; i-- {
		want = append(want, newEvent("login.success", "", at(time.Duration(i)*time.Minute)))
	}
	mustAddEvents(t, s, want...)
	f := auth.EventFilter{Limit: 3}
	for _, size := range []int{3, 3, 1} {
		got, next, err := s.Events(t.Context(), f)
		if err != nil {
			t.Fatalf("Events: %v", err)
		}
		wantEventIDs(t, got, want[:size])
		want = want[size:]
		if (next == "") != (len(want) == 0) {
			t.Fatalf("next cursor = %q with %d events left", next, len(want))
		}
		f.Cursor = next
	}
	if got := allEvents(t, s, auth.EventFilter{Limit: 100}); len(got) != 7 {
		t.Fatalf("one page of 100 holds %d events, want 7", len(got))
	}
}

// testEventsTies pages through events that share created_at with a small
// limit: every event must come exactly once, and two walks must agree.
func testEventsTies(t *testing.T, s auth.Store) {
	var events []auth.Event
	for i := range 11 {
		events = append(events, newEvent("login.failure", "", at(time.Minute)))
		if i%4 == 0 {
			events = append(events, newEvent("login.failure", "", at(time.Duration(i)*time.Second)))
		}
	}
	mustAddEvents(t, s, events...)
	for _, limit := range []int{1, 2, 3, 5} {
		got := allEvents(t, s, auth.EventFilter{Limit: limit})
		seen := map[string]bool{}
		for i, e := range got {
			if seen[e.ID] {
				t.Fatalf("limit %d: event %s repeated", limit, e.ID)
			}
			seen[e.ID] = true
			if i > 0 && e.CreatedAt.After(got[i-1].CreatedAt) {
				t.Fatalf("limit %d: event %d is newer than the one before it", limit, i)
			}
		}
		if len(got) != len(events) {
			t.Fatalf("limit %d: got %d events, want %d", limit, len(got), len(events))
		}
		wantEventIDs(t, allEvents(t, s, auth.EventFilter{Limit: 100}), got)
	}
}

func testEventsFilters(t *testing.T, s auth.Store) {
	alice, bob := uuid.NewString(), uuid.NewString()
	e := []auth.Event{
		newEvent("login.success", alice, at(5*time.Second)),
		newEvent("logout", alice, at(4*time.Second)),
		newEvent("login.success", bob, at(3*time.Second)),
		newEvent("login.failure", "", at(2*time.Second)),
		newEvent("login.success", alice, at(1*time.Second)),
	}
	mustAddEvents(t, s, e...)
	for _, c := range []struct {
		name string
		f    auth.EventFilter
		want []auth.Event
	}{
		{"all", auth.EventFilter{}, e},
		{"user", auth.EventFilter{UserID: alice}, []auth.Event{e[0], e[1], e[4]}},
		{"type", auth.EventFilter{Type: "login.success"}, []auth.Event{e[0], e[2], e[4]}},
		{"user and type", auth.EventFilter{UserID: alice, Type: "login.success"}, []auth.Event{e[0], e[4]}},
		{"no match", auth.EventFilter{UserID: uuid.NewString()}, nil},
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

func testEventsExactMultiple(t *testing.T, s auth.Store) {
	var want []auth.Event
	for i := 4; i > 0; i-- {
		want = append(want, newEvent("logout", "", at(time.Duration(i)*time.Second)))
	}
	mustAddEvents(t, s, want...)
	got, next, err := s.Events(t.Context(), auth.EventFilter{Limit: 2})
	if err != nil || next == "" {
		t.Fatalf("first page: next = %q, err = %v; want a cursor", next, err)
	}
	wantEventIDs(t, got, want[:2])
	got, next, err = s.Events(t.Context(), auth.EventFilter{Limit: 2, Cursor: next})
	if err != nil {
		t.Fatalf("second page: %v", err)
	}
	wantEventIDs(t, got, want[2:])
	if next != "" {
		t.Fatalf("last page: next = %q, want \"\"", next)
	}
	got, next, err = s.Events(t.Context(), auth.EventFilter{Limit: 4})
	if err != nil || next != "" || len(got) != 4 {
		t.Fatalf("limit 4 of 4: %d events, next %q, err %v; want 4, \"\", nil", len(got), next, err)
	}
}

func testEventsBadInput(t *testing.T, s auth.Store) {
	mustAddEvents(t, s, newEvent("logout", "", at(0)))
	for _, f := range []auth.EventFilter{
		{Limit: 0},
		{Limit: -1},
		{Limit: 101},
		{Limit: 10, Cursor: "%%% not a cursor %%%"},
	} {
		if _, _, err := s.Events(t.Context(), f); err == nil {
			t.Errorf("Events(%+v) succeeded, want an error", f)
		}
	}
}
