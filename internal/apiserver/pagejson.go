package apiserver

import (
	"time"

	"github.com/bizy-auth/bizy/internal/tasks"
	"github.com/bizy-auth/bizy/internal/web"
)

// A page of tasks is the API's most requested body (GET /api/tasks), and
// encoding/json spent a fifth of the request on it: a view per task, a
// reflective walk of each, and the pointers that make empty dates null.
// appendTaskPage writes the same bytes by appending, straight from the
// domain values. Its output must stay byte for byte what web.JSON writes
// for newPage(ts, next, newTaskView); TestTaskPageJSON holds the two equal.

// appendTaskPage appends the page {"items":[...],"next_cursor":"..."} to
// b, as json.Marshal encodes newPage(ts, next, newTaskView); web.JSONAppend
// writes it.
func appendTaskPage(b []byte, ts []tasks.Task, next string) []byte {
	b = append(b, `{"items":[`...)
	for i := range ts {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendTask(b, &ts[i])
	}
	b = append(b, `],"next_cursor":`...)
	b = web.AppendString(b, next)
	return append(b, '}')
}

// appendTask appends t as taskView encodes: empty dates and goal ids are
// null, times are RFC 3339 in UTC with the fraction they have.
func appendTask(b []byte, t *tasks.Task) []byte {
	b = append(b, `{"id":`...)
	b = web.AppendString(b, t.ID)
	b = append(b, `,"title":`...)
	b = web.AppendString(b, t.Title)
	b = append(b, `,"description":`...)
	b = web.AppendString(b, t.Description)
	b = append(b, `,"status":`...)
	b = web.AppendString(b, t.Status)
	b = append(b, `,"priority":`...)
	b = web.AppendString(b, t.Priority)
	b = append(b, `,"due_date":`...)
	b = appendNullable(b, t.DueDate)
	b = append(b, `,"goal_id":`...)
	b = appendNullable(b, t.GoalID)
	b = append(b, `,"created_at":`...)
	b = appendTimestamp(b, t.CreatedAt)
	b = append(b, `,"updated_at":`...)
	b = appendTimestamp(b, t.UpdatedAt)
	return append(b, '}')
}

// appendNullable appends s as a JSON string, or null when it is empty (as
// nullable does for a view).
func appendNullable(b []byte, s string) []byte {
	if s == "" {
		return append(b, "null"...)
	}
	return web.AppendString(b, s)
}

// appendTimestamp appends timestamp(t) as a JSON string. Its characters
// (digits, '-', ':', '.', 'T', 'Z') need no escaping.
func appendTimestamp(b []byte, t time.Time) []byte {
	b = append(b, '"')
	b = appendRFC3339Nano(b, t.UTC())
	return append(b, '"')
}

// appendRFC3339Nano appends t, which must be in UTC, as
// t.AppendFormat(b, time.RFC3339Nano) does, digit by digit: AppendFormat
// cost a thousand instructions a time, forty times a page. Years outside
// 0-9999, which it writes otherwise, are left to it.
func appendRFC3339Nano(b []byte, t time.Time) []byte {
	year, month, day := t.Date()
	if year < 0 || year > 9999 {
		return t.AppendFormat(b, time.RFC3339Nano)
	}
	hour, minute, sec := t.Clock()
	b = append(b, byte('0'+year/1000), byte('0'+year/100%10), byte('0'+year/10%10), byte('0'+year%10), '-')
	b = append(b, byte('0'+month/10), byte('0'+month%10), '-', byte('0'+day/10), byte('0'+day%10), 'T')
	b = append(b, byte('0'+hour/10), byte('0'+hour%10), ':', byte('0'+minute/10), byte('0'+minute%10), ':')
	b = append(b, byte('0'+sec/10), byte('0'+sec%10))
	if ns := t.Nanosecond(); ns != 0 {
		// Nine digits of fraction, less the trailing zeros.
		var frac [10]byte
		frac[0] = '.'
		for i := 9; i > 0; i-- {
			frac[i] = byte('0' + ns%10)
			ns /= 10
		}
		n := 10
		for frac[n-1] == '0' {
			n--
		}
		b = append(b, frac[:n]...)
	}
	return append(b, 'Z')
}
