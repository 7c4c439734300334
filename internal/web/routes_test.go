package web

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"sync"
	"testing"
)

// TestRoutesAnswersTheMuxsOwnAnswersAsProblems: a route's answer passes
// through as it was written; the mux's own 404 and 405 become problems
// with none of the mux's text/plain headers, and its redirect to a cleaned
// path passes through. The same with and without RequestID in front,
// which gives Routes its writer (requestInfo) or not.
func TestRoutesAnswersTheMuxsOwnAnswersAsProblems(t *testing.T) {
	mux := http.NewServeMux()
	mux.Handle("GET /things/{id}", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		w.WriteHeader(http.StatusTeapot)
		io.WriteString(w, "thing "+r.PathValue("id"))
	}))
	log := slog.New(slog.DiscardHandler)
	for name, h := range map[string]http.Handler{
		"alone":          Routes(mux),
		"with RequestID": RequestID(log, AccessLog(log, Routes(mux))),
	} {
		t.Run(name, func(t *testing.T) {
			rec := serve(h, httptest.NewRequest("GET", "/things/7", nil))
			if rec.Code != http.StatusTeapot || rec.Body.String() != "thing 7" || rec.Header().Get("Content-Type") != "text/plain" {
				t.Errorf("route: %d %q %v", rec.Code, rec.Body, rec.Header())
			}

			rec = serve(h, httptest.NewRequest("GET", "/nowhere", nil))
			wantProblem(t, rec, http.StatusNotFound, "not_found")

			rec = serve(h, httptest.NewRequest("DELETE", "/things/7", nil))
			wantProblem(t, rec, http.StatusMethodNotAllowed, "method_not_allowed")
			if got := rec.Header().Get("Allow"); got != "GET, HEAD" {
				t.Errorf("405 Allow = %q, want the mux's", got)
			}

			rec = serve(h, httptest.NewRequest("GET", "/things//7", nil))
			if rec.Code != http.StatusTemporaryRedirect || rec.Header().Get("Location") != "/things/7" {
				t.Errorf("unclean path: %d %v, want the mux's redirect", rec.Code, rec.Header())
			}
		})
	}
}

func wantProblem(t *testing.T, rec *httptest.ResponseRecorder, status int, code string) {
	t.Helper()
	var p Problem
	if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil {
		t.Fatalf("%d %q: %v", rec.Code, rec.Body, err)
	}
	if rec.Code != status || p.Status != status || p.Code != code ||
		rec.Header().Get("Content-Type") != "application/problem+json" || rec.Header().Get("X-Content-Type-Options") != "" {
		t.Errorf("answer = %d %v %+v, want a %d problem coded %s and no header of the mux's", rec.Code, rec.Header(), p, status, code)
	}
}

// TestResolveClientUnderRequestID: with RequestID in front the client is
// kept in the request's requestInfo; a second ResolveClient inside the
// first (another set of trusted proxies) is the one ClientOf reports.
func TestResolveClientUnderRequestID(t *testing.T) {
	var got Client
	read := Handler(func(w http.ResponseWriter, r *http.Request) error {
		var err error
		got, err = ClientOf(r)
		return err
	})
	log := slog.New(slog.DiscardHandler)
	local := []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}
	for _, tc := range []struct {
		name string
		h    http.Handler
		want string
	}{
		{"one", RequestID(log, ResolveClient(local, read)), "198.51.100.7"},
		{"inner wins", RequestID(log, ResolveClient(local, ResolveClient(nil, read))), "127.0.0.1"},
	} {
		got = Client{}
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = "127.0.0.1:5000"
		r.Header.Set("X-Forwarded-For", "198.51.100.7")
		if rec := serve(tc.h, r); rec.Code != http.StatusOK {
			t.Fatalf("%s: answer = %d %s", tc.name, rec.Code, rec.Body)
		}
		if got.IP != tc.want {
			t.Errorf("%s: IP = %q, want %q", tc.name, got.IP, tc.want)
		}
	}
}

// TestClientResolvedOnFirstAsk: under RequestID the client is worked out
// when first asked, from the request as ResolveClient saw it (a header
// changed later changes nothing), once for goroutines asking together.
func TestClientResolvedOnFirstAsk(t *testing.T) {
	local := []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}
	got := make([]Client, 8)
	h := RequestID(slog.New(slog.DiscardHandler), ResolveClient(local, Handler(func(w http.ResponseWriter, r *http.Request) error {
		r.Header.Set("X-Forwarded-For", "203.0.113.9")
		r.Header.Set("User-Agent", "changed")
		var wg sync.WaitGroup
		for i := range got {
			wg.Go(func() { got[i], _ = ClientOf(r) })
		}
		wg.Wait()
		return nil
	})))
	r := httptest.NewRequest("GET", "/", nil)
	r.RemoteAddr = "127.0.0.1:5000"
	r.Header.Set("X-Forwarded-For", "198.51.100.7")
	r.Header.Set("User-Agent", "curl/8")
	if rec := serve(h, r); rec.Code != http.StatusOK {
		t.Fatalf("answer = %d %s", rec.Code, rec.Body)
	}
	for i, c := range got {
		if c != (Client{IP: "198.51.100.7", UserAgent: "curl/8"}) {
			t.Errorf("goroutine %d: client %+v, want 198.51.100.7 curl/8", i, c)
		}
	}
}
