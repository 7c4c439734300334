package web

import (
	"encoding/json"
	"errors"
	"net/http/httptest"
	"strings"
	"testing"
)

// FuzzDecode: whatever the body, Decode never panics and every failure is
// a *DecodeError with a client status, never something that would be a 500.
func FuzzDecode(f *testing.F) {
	for _, s := range []string{`{"name":"a","age":3}`, `{`, `[]`, `null`, `{"age":"x"}`, `{} {}`, "\x00", `{"name":"\ud800"}`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		r := httptest.NewRequest("POST", "/", strings.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		_, err := Decode[sample](r)
		if err == nil {
			return
		}
		var de *DecodeError
		if !errors.As(err, &de) || de.Status < 400 || de.Status > 499 {
			t.Fatalf("Decode(%q) = %v, want a *DecodeError with a 4xx status", body, err)
		}
	})
}

// FuzzAppendString: for any string, AppendString writes what encoding/json
// writes.
func FuzzAppendString(f *testing.F) {
	for _, s := range appendStringCases {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want, _ := json.Marshal(s)
		if got := AppendString(nil, s); string(got) != string(want) {
			t.Fatalf("AppendString(%q) = %s, want %s", s, got, want)
		}
	})
}
