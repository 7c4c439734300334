package openapitest

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
)

const doc = `{
  "openapi": "3.1.1",
  "info": {"title": "t", "version": "1"},
  "paths": {
    "/": {"get": {"responses": {"303": {"description": "home"}}}},
    "/ui/{page}": {"get": {"x-mux-pattern": "/ui/", "parameters": [{"name": "page", "in": "path", "required": true, "schema": {"type": "string"}}],
      "responses": {"200": {"description": "page"}}}},
    "/things": {"post": {
      "security": [{"bearer": []}],
      "requestBody": {"required": true, "content": {"application/json": {"schema": {
        "type": "object", "required": ["name"], "properties": {"name": {"type": "string"}}}}}},
      "responses": {
        "201": {"description": "made", "content": {"application/json": {"schema": {
          "type": "object", "required": ["id"], "properties": {"id": {"type": "string"}, "note": {"type": ["string", "null"]}}}}}},
        "422": {"description": "bad", "content": {"application/problem+json": {"schema": {"type": "object"}}}}}}}
  },
  "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}}
}`

func TestPatterns(t *testing.T) {
	got, err := Patterns([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"/ui/", "GET /{$}", "POST /things"}; !slices.Equal(got, want) {
		t.Fatalf("Patterns = %q, want %q", got, want)
	}
}

func TestCheckRoutes(t *testing.T) {
	ft := &fakeT{}
	CheckRoutes(ft, []byte(doc), []string{"GET /{$}", "POST /things", "DELETE /things/{id}"})
	if len(ft.errs) != 2 || !strings.Contains(ft.errs[0], `"DELETE /things/{id}" is served but not documented`) ||
		!strings.Contains(ft.errs[1], `"/ui/" is documented but not served`) {
		t.Fatalf("errors = %q", ft.errs)
	}
}

// fakeT collects what a Checker reports.
type fakeT struct {
	testing.TB
	errs []string
}

func (f *fakeT) Helper()               {}
func (f *fakeT) Cleanup(func())        {}
func (f *fakeT) Fatalf(string, ...any) { panic("Fatalf") }
func (f *fakeT) Errorf(format string, args ...any) {
	f.errs = append(f.errs, fmt.Sprintf(format, args...))
}

func TestChecker(t *testing.T) {
	for _, tc := range []struct {
		name, auth, body string
		status           int
		answer           string
		ct               string
		wantErr          string
	}{
		{"Good", "Bearer x", `{"name":"a"}`, 201, `{"id":"1","note":null}`, "application/json", ""},
		{"MissingField", "Bearer x", `{"name":"a"}`, 201, `{"note":"n"}`, "application/json", "does not allow"},
		{"WrongType", "Bearer x", `{"name":"a"}`, 201, `{"id":1}`, "application/json", "does not allow"},
		{"UndocumentedStatus", "Bearer x", `{"name":"a"}`, 409, `{}`, "application/problem+json", "status is not supported"},
		{"WrongContentType", "Bearer x", `{"name":"a"}`, 201, `{"id":"1"}`, "text/plain", "does not allow"},
		{"BadRequestServed", "Bearer x", `{}`, 201, `{"id":"1"}`, "application/json", "refuses the request"},
		{"BadRequestRefused", "Bearer x", `{}`, 422, `{}`, "application/problem+json", ""},
		{"NoTokenServed", "", `{"name":"a"}`, 201, `{"id":"1"}`, "application/json", "refuses the request"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ft := &fakeT{}
			c := NewChecker(ft, []byte(doc))
			h := c.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", tc.ct)
				w.WriteHeader(tc.status)
				w.Write([]byte(tc.answer))
			}))
			srv := httptest.NewServer(h)
			defer srv.Close()
			// Both sides: the server's Handler and a client's Transport.
			client := &http.Client{Transport: c.Transport(nil)}
			req, _ := http.NewRequest("POST", srv.URL+"/things", strings.NewReader(tc.body))
			req.Header.Set("Content-Type", "application/json")
			if tc.auth != "" {
				req.Header.Set("Authorization", tc.auth)
			}
			res, err := client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if tc.wantErr == "" && len(ft.errs) > 0 {
				t.Fatalf("errors = %q", ft.errs)
			}
			if tc.wantErr != "" && (len(ft.errs) != 2 || !strings.Contains(ft.errs[0], tc.wantErr)) {
				t.Fatalf("errors = %q, want two with %q", ft.errs, tc.wantErr)
			}
		})
	}
}
