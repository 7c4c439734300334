package apiserver

import (
	"encoding/json"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/bizy-auth/bizy/internal/tasks"
	"github.com/bizy-auth/bizy/internal/web"
)

// trickyStrings are texts whose JSON encoding has a rule of its own.
var trickyStrings = []string{
	"", "plain", `quote " and backslash \ and slash /`,
	"controls \x00\x01\x07\b\t\n\v\f\r\x1b\x1f and DEL \x7f",
	"<script>alert('x')</script> & &amp;",
	"unicode é ß 日本語 😀 \u2028 line \u2029 paragraph \ufeff bom",
	"invalid \xff\xfe utf-8 \xc3 cut \xe2\x80 short \xed\xa0\x80 surrogate",
	"\u0080\u009f C1 controls, \ufffd replacement",
	strings.Repeat("long description ", 200),
}

// TestTaskPageJSON checks that the page handleList writes for tasks is,
// headers and body, byte for byte what web.JSON writes for the views.
func TestTaskPageJSON(t *testing.T) {
	paris := time.FixedZone("Paris", 3600)
	base := time.Date(2026, 12, 4, 16, 40, 18, 123456000, time.UTC)
	var ts []tasks.Task
	for i, s := range trickyStrings {
		ts = append(ts, tasks.Task{
			ID: "01a241f2-4751-7c5b-989c-41d4f5448bc" + string(rune('a'+i%6)), UserID: "u1",
			Title: s, Description: trickyStrings[(i+3)%len(trickyStrings)],
			Status: tasks.StatusInProgress, Priority: tasks.PriorityHigh,
		})
	}
	ts[1].DueDate, ts[1].GoalID = "2030-02-01", "01a241f2-0000-7000-8000-000000000001"
	ts[2].DueDate = "0001-01-01"
	times := []time.Time{
		base, base.Truncate(time.Second), base.Truncate(time.Millisecond), base.Add(10 * time.Microsecond),
		base.In(paris), {}, time.Date(9999, 12, 31, 23, 59, 59, 999999000, time.UTC), base.Add(7),
	}
	for i := range ts {
		ts[i].CreatedAt, ts[i].UpdatedAt = times[i%len(times)], times[(i+1)%len(times)]
	}
	cases := []struct {
		name  string
		items []tasks.Task
		next  string
	}{
		{"empty", nil, ""},
		{"empty slice", []tasks.Task{}, ""},
		{"one", ts[:1], ""},
		{"short", ts[:3], "MDFhMjQxZjItNDc1MS03YzViLTk4OWMtNDFkNGY1NDQ4YmNi"},
		{"all", ts, "next"},
		{"tricky cursor", ts[:2], trickyStrings[3]},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			want := httptest.NewRecorder()
			if err := web.JSON(want, http.StatusOK, newPage(c.items, c.next, newTaskView)); err != nil {
				t.Fatal(err)
			}
			got := httptest.NewRecorder()
			web.JSONAppend(got, http.StatusOK, func(b []byte) []byte { return appendTaskPage(b, c.items, c.next) })
			if got.Code != want.Code {
				t.Errorf("status %d, want %d", got.Code, want.Code)
			}
			for _, h := range []string{"Content-Type", "Content-Length"} {
				if g, w := got.Header().Values(h), want.Header().Values(h); strings.Join(g, ",") != strings.Join(w, ",") {
					t.Errorf("%s %q, want %q", h, g, w)
				}
			}
			if len(got.Header()) != len(want.Header()) {
				t.Errorf("headers %v, want %v", got.Header(), want.Header())
			}
			if g, w := got.Body.String(), want.Body.String(); g != w {
				t.Errorf("body differs\n got %q\nwant %q", g, w)
			}
		})
	}
}

// TestAppendJSONString checks the string encoder against encoding/json on
// every byte value and on random strings of bytes and runes.
func TestAppendJSONString(t *testing.T) {
	check := func(s string) {
		t.Helper()
		want, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		if got := web.AppendString(nil, s); string(got) != string(want) {
			t.Fatalf("AppendString(%q) = %s, want %s", s, got, want)
		}
	}
	for _, s := range trickyStrings {
		check(s)
	}
	for c := range 256 {
		check(string([]byte{byte(c)}))
		check("a" + string([]byte{byte(c)}) + "z")
		// Every place in and around two eight-byte words.
		for at := range 19 {
			b := []byte("abcdefghijklmnopqrs")
			b[at] = byte(c)
			check(string(b))
		}
	}
	r := rand.New(rand.NewPCG(1, 2))
	pieces := []string{"a", "é", "😀", "\u2028", "\u2029", "<", ">", "&", `"`, `\`, "\x00", "\x1f", "\x7f", "\xff", "\xe2\x80"}
	for range 5000 {
		var b strings.Builder
		for range r.IntN(12) {
			if r.IntN(3) == 0 {
				b.WriteByte(byte(r.IntN(256)))
			} else {
				b.WriteString(pieces[r.IntN(len(pieces))])
			}
		}
		check(b.String())
	}
}

// TestAppendRFC3339Nano checks the timestamp writer against time's own
// RFC3339Nano, fractions and years at their edges included.
func TestAppendRFC3339Nano(t *testing.T) {
	times := []time.Time{{}, time.Unix(0, 0), time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC),
		time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(-1, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(0, 3, 1, 1, 2, 3, 100, time.UTC), time.Date(2026, 12, 4, 17, 0, 0, 120000000, time.UTC)}
	r := rand.New(rand.NewPCG(3, 4))
	for range 5000 {
		ns := r.Int64N(1 << 62)
		switch r.IntN(3) {
		case 0:
			ns -= ns % 1000 // microseconds, as stored
		case 1:
			ns -= ns % 1e9
		}
		times = append(times, time.Unix(0, ns).UTC(), time.Unix(r.Int64N(400000000000)-200000000000, ns%1e9).UTC())
	}
	for _, tm := range times {
		tm = tm.UTC()
		if got, want := string(appendRFC3339Nano(nil, tm)), tm.Format(time.RFC3339Nano); got != want {
			t.Fatalf("appendRFC3339Nano(%v) = %s, want %s", tm, got, want)
		}
	}
}
