package webtest_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/bizy-auth/bizy/internal/web"
	"github.com/bizy-auth/bizy/internal/webtest"
)

func TestNewRequest(t *testing.T) {
	req := webtest.NewRequest(t, "POST", "/login", map[string]string{"username": "a"}, "tok")
	b, _ := io.ReadAll(req.Body)
	if string(b) != `{"username":"a"}` || req.Header.Get("Content-Type") != "application/json" ||
		req.Header.Get("Authorization") != "Bearer tok" {
		t.Fatalf("request = %s %v", b, req.Header)
	}
	req = webtest.NewRequest(t, "GET", "/health", nil, "")
	if req.Header.Get("Content-Type") != "" || req.Header.Get("Authorization") != "" {
		t.Fatalf("bodiless request headers = %v", req.Header)
	}
	req = webtest.NewRequest(t, "POST", "/x", "{not json", "")
	if b, _ := io.ReadAll(req.Body); string(b) != "{not json" {
		t.Fatalf("string body sent as %q", b)
	}
}

func TestWantProblem(t *testing.T) {
	rec := httptest.NewRecorder()
	web.Invalid(rec, map[string]string{"title": "is required"})
	p := webtest.WantProblem(t, rec, http.StatusUnprocessableEntity)
	if p.Code != "validation_failed" || len(p.Fields()) != 1 || p.Fields()[0] != "title" {
		t.Fatalf("problem = %+v", p)
	}
}
