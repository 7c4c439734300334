package web

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

type sample struct {
	Name string `json:"name"`
	Age  int    `json:"age"`
}

func (s sample) Valid(context.Context) map[string]string {
	if s.Name == "" {
		return map[string]string{"name": "is required"}
	}
	return nil
}

func TestDecode(t *testing.T) {
	for _, tc := range []struct {
		name        string
		contentType string
		body        string
		wantStatus  int // 0: no error
		wantField   string
	}{
		{"valid", "application/json", `{"name":"a","age":3}`, 0, ""},
		{"charset parameter", "application/json; charset=utf-8", `{"name":"a"}`, 0, ""},
		{"no content type", "", `{"name":"a"}`, 415, ""},
		{"form", "application/x-www-form-urlencoded", `{"name":"a"}`, 415, ""},
		{"bad media type", "application/", `{"name":"a"}`, 415, ""},
		{"problem+json", "application/problem+json", `{"name":"a"}`, 0, ""},
		{"text/plain", "text/plain", `{"name":"a"}`, 415, ""},
		{"malformed", "application/json", `{"name":`, 400, ""},
		{"syntax error", "application/json", `{"name" "a"}`, 400, ""},
		{"empty", "application/json", ``, 400, ""},
		{"trailing value", "application/json", `{"name":"a"} 1`, 400, ""},
		{"array", "application/json", `[]`, 400, ""},
		{"wrong field type", "application/json", `{"name":"a","age":"x"}`, 422, "age"},
		{"Valid fails", "application/json", `{"age":3}`, 422, "name"},
		{"over the limit", "application/json", `{"name":"` + strings.Repeat("a", MaxBodyBytes) + `"}`, 413, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest("POST", "/", strings.NewReader(tc.body))
			if tc.contentType != "" {
				r.Header.Set("Content-Type", tc.contentType)
			}
			_, err := Decode[sample](r)
			if tc.wantStatus == 0 {
				if err != nil {
					t.Fatalf("Decode: %v", err)
				}
				return
			}
			var de *DecodeError
			if !errors.As(err, &de) || de.Status != tc.wantStatus {
				t.Fatalf("Decode error = %#v, want status %d", err, tc.wantStatus)
			}
			if tc.wantField != "" && de.Fields[tc.wantField] == "" {
				t.Fatalf("fields = %v, want %q", de.Fields, tc.wantField)
			}
		})
	}
}

func TestRequestIDRejectsUnsafeIDs(t *testing.T) {
	h := RequestID(discardLogger(), http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	for _, id := range []string{"has space", "line\nbreak", strings.Repeat("a", 129), "ünïcode"} {
		r := httptest.NewRequest("GET", "/", nil)
		r.Header.Set("X-Request-ID", id)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		if got := rec.Header().Get("X-Request-ID"); got == id || len(got) != 32 {
			t.Errorf("X-Request-ID %q answered with %q, want a fresh id", id, got)
		}
	}
}

func TestRecoverAnswers500WithoutDetail(t *testing.T) {
	h := Recover(discardLogger(), http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic("secret cause") }))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	if rec.Code != 500 || strings.Contains(rec.Body.String(), "secret") {
		t.Fatalf("panic answer = %d %s", rec.Code, rec.Body)
	}
}

// TestJSONWritesLengthAndNewline: through a real server, the answer is the
// value as json.Marshal writes it and a newline, with a Content-Length that
// says so and no chunked encoding, short or long (JSON sets the length of
// a long one, net/http that of a short one), also when the pooled buffer
// held a longer answer before.
func TestJSONWritesLengthAndNewline(t *testing.T) {
	var v any
	srv := httptest.NewServer(Handler(func(w http.ResponseWriter, r *http.Request) error {
		return JSON(w, http.StatusCreated, v)
	}))
	defer srv.Close()
	for _, v = range []any{
		map[string]string{"long": strings.Repeat("x", 5000)},
		struct {
			A string `json:"a"`
			B []int  `json:"b"`
		}{"<&>", []int{1, 2}},
		// 2,048 and 2,049 bytes with the newline, either side of the
		// most net/http buffers whole (bufferBeforeChunkingSize).
		map[string]string{"edge": strings.Repeat("y", 2048-12)},
		map[string]string{"edge": strings.Repeat("y", 2049-12)},
	} {
		resp, err := http.Get(srv.URL)
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		want, _ := json.Marshal(v)
		want = append(want, '\n')
		if resp.StatusCode != http.StatusCreated || string(body) != string(want) ||
			resp.Header.Get("Content-Type") != "application/json" ||
			resp.ContentLength != int64(len(want)) || len(resp.TransferEncoding) != 0 {
			t.Errorf("answer = %d %v (length %d, %v) %.40q…, want %d bytes %.40q…",
				resp.StatusCode, resp.Header, resp.ContentLength, resp.TransferEncoding, body, len(want), want)
		}
	}
}

// appendStringCases are strings AppendString must write as encoding/json
// does: plain text, and every kind of byte it escapes or replaces.
var appendStringCases = []string{
	"", "alice", "alice@example.com", "Ünïcödé ☃", "tab\there", "new\nline", "cr\r", "nul\x00", "bell\x07",
	"back\bspace", "form\ffeed", `quote"`, `back\slash`, "<script>", "a&b", "x>y", "del\x7f",
	"invalid \xff utf-8", "cut \xe2\x82", "line\u2028sep\u2029", "emoji 😀", "\x1f", " ~",
}

func TestAppendString(t *testing.T) {
	for _, s := range appendStringCases {
		want, _ := json.Marshal(s)
		if got := AppendString([]byte("x"), s); string(got) != "x"+string(want) {
			t.Errorf("AppendString(%q) = %s, want x%s", s, got, want)
		}
	}
}

func TestJSONAppend(t *testing.T) {
	rec := httptest.NewRecorder()
	JSONAppend(rec, http.StatusCreated, func(b []byte) []byte {
		b = append(b, `{"name":`...)
		return append(AppendString(b, "a<b"), '}')
	})
	var want strings.Builder
	json.NewEncoder(&want).Encode(map[string]string{"name": "a<b"})
	if rec.Code != http.StatusCreated || rec.Body.String() != want.String() ||
		rec.Header().Get("Content-Type") != "application/json" || rec.Header().Get("Content-Length") != "" {
		t.Fatalf("JSONAppend = %d %v %q, want 201 application/json %q", rec.Code, rec.Header(), rec.Body, want.String())
	}
	long := strings.Repeat("x", 3000)
	rec = httptest.NewRecorder()
	JSONAppend(rec, http.StatusOK, func(b []byte) []byte { return AppendString(b, long) })
	if rec.Body.Len() != 3003 || rec.Header().Get("Content-Length") != "3003" {
		t.Fatalf("long answer: %d bytes, Content-Length %q", rec.Body.Len(), rec.Header().Get("Content-Length"))
	}
}
