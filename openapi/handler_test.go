package openapi

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"testing"
)

// TestHandlers: AuthHandler and APIHandler serve what Auth and API return,
// as Handler does, and a caller changing its copy changes nothing served.
func TestHandlers(t *testing.T) {
	for name, tc := range map[string]struct {
		h   http.Handler
		doc func() []byte
	}{
		"auth": {AuthHandler(), Auth},
		"api":  {APIHandler(), API},
	} {
		mine := tc.doc()
		mine[0] = 'x'
		for _, h := range []http.Handler{tc.h, Handler(tc.doc())} {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/openapi.json", nil))
			if !bytes.Equal(rec.Body.Bytes(), tc.doc()) || rec.Body.Bytes()[0] != '{' {
				t.Errorf("%s: served %d bytes, not the document", name, rec.Body.Len())
			}
			if got := rec.Header().Get("Content-Type"); got != "application/json" {
				t.Errorf("%s: Content-Type %q", name, got)
			}
		}
	}
}
