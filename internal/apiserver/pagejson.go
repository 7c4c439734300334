package apiserver

import (
	"net/http"
	"strconv"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/bizy-auth/bizy/internal/tasks"
)

// A page of tasks is the API's most requested body (GET /api/tasks), and
// encoding/json spent a fifth of the request on it: a view per task, a
// reflective walk of each, and the pointers that make empty dates null.
// appendTaskPage writes the same bytes by appending, straight from the
// domain values. Its output must stay byte for byte what web.JSON writes
// for newPage(ts, next, newTaskView); TestTaskPageJSON holds the two equal.

// appendTaskPage appends the page {"items":[...],"next_cursor":"..."} and
// a newline to b, as web.JSON writes newPage(ts, next, newTaskView).
func appendTaskPage(b []byte, ts []tasks.Task, next string) []byte {
	b = append(b, `{"items":[`...)
	for i := range ts {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendTask(b, &ts[i])
	}
	b = append(b, `],"next_cursor":`...)
	b = appendJSONString(b, next)
	return append(b, "}\n"...)
}

// appendTask appends t as taskView encodes: empty dates and goal ids are
// null, times are RFC 3339 in UTC with the fraction they have.
func appendTask(b []byte, t *tasks.Task) []byte {
	b = append(b, `{"id":`...)
	b = appendJSONString(b, t.ID)
	b = append(b, `,"title":`...)
	b = appendJSONString(b, t.Title)
	b = append(b, `,"description":`...)
	b = appendJSONString(b, t.Description)
	b = append(b, `,"status":`...)
	b = appendJSONString(b, t.Status)
	b = append(b, `,"priority":`...)
	b = appendJSONString(b, t.Priority)
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
	return appendJSONString(b, s)
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

const hexDigits = "0123456789abcdef"

// jsonSafe tells the bytes appendJSONString copies as they are: ASCII from
// space up, but for '"', '\\' and the HTML characters '<', '>' and '&'
// (encoding/json's htmlSafeSet). A table keeps the loop over plain text to
// a load and a branch a byte.
var jsonSafe = func() (safe [256]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		safe[c] = c != '"' && c != '\\' && c != '<' && c != '>' && c != '&'
	}
	return safe
}()

// appendJSONString appends s as encoding/json encodes a string with HTML
// escaping on (json.Marshal, json.Encoder's default): '"' and '\\'
// escaped, \b \f \n \r \t in short form, other control characters and '<',
// '>', '&' as \u00XX, U+2028 and U+2029 as \u2028 and \u2029, and each
// byte of invalid UTF-8 as \ufffd. DEL (0x7f) and other characters are
// written as they are.
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := safePrefix(s); i < len(s); i += safePrefix(s[i:]) {
		if c := s[i]; c < utf8.RuneSelf {
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// safePrefix returns the length of s's longest prefix of jsonSafe bytes:
// a loop of its own compiles to a few instructions a byte, where inside
// appendJSONString's it took thirteen.
func safePrefix(s string) int {
	for i := 0; i < len(s); i++ {
		if !jsonSafe[s[i]] {
			return i
		}
	}
	return len(s)
}

// pageBuffers holds the buffers pages are appended to; a body bigger than
// maxPooledPage (a page of long descriptions) is not kept.
var pageBuffers = sync.Pool{New: func() any { return new([]byte) }}

const maxPooledPage = 64 << 10

// jsonContentType is shared by every page, as web.JSON shares its own,
// rather than allocated by Header.Set for each.
var jsonContentType = []string{"application/json"}

// bufferedLength is web.JSON's: net/http sets Content-Length itself for a
// body of up to 2,048 bytes written at once, and would send a longer one
// chunked unless told the length.
const bufferedLength = 2048

// writePage writes what appendTaskPage appends, with the headers web.JSON
// would set: Content-Type, and Content-Length when net/http would not.
// Like web.JSON it reports no write error (a client gone).
func writePage(w http.ResponseWriter, status int, appendBody func([]byte) []byte) {
	bp := pageBuffers.Get().(*[]byte)
	body := appendBody((*bp)[:0])
	h := w.Header()
	h["Content-Type"] = jsonContentType
	if len(body) > bufferedLength {
		h["Content-Length"] = []string{strconv.Itoa(len(body))}
	}
	w.WriteHeader(status)
	_, _ = w.Write(body)
	if cap(body) <= maxPooledPage {
		*bp = body
		pageBuffers.Put(bp)
	}
}
