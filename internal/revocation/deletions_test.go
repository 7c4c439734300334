package revocation

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
)

// TestPollerErasesDeletedUsers: each deleted user the auth service lists
// is handed to Erase; an erasure that fails is asked for again on the next
// Sync, from the same cursor.
func TestPollerErasesDeletedUsers(t *testing.T) {
	var mu sync.Mutex
	var sinces []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/revocations":
			w.Write([]byte(`{"revoked":[],"next_cursor":"r"}`))
		case "/deletions":
			mu.Lock()
			sinces = append(sinces, r.URL.Query().Get("since"))
			mu.Unlock()
			w.Write([]byte(`{"deleted":[{"user_id":"u1","deleted_at":"2030-01-01T00:00:00Z"},{"user_id":"u2","deleted_at":"2030-01-01T00:00:01Z"}],"next_cursor":"d1"}`))
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	var erased []string
	fail := true
	p, err := NewPoller(NewList(ListConfig{}), PollerConfig{URL: srv.URL, Erase: func(_ context.Context, id string) error {
		if id == "u2" && fail {
			fail = false
			return errors.New("database down")
		}
		erased = append(erased, id)
		return nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Sync(t.Context()); err == nil {
		t.Fatal("Sync hid a failed erasure")
	}
	if err := p.Sync(t.Context()); err != nil {
		t.Fatal(err)
	}
	if err := p.Sync(t.Context()); err != nil {
		t.Fatal(err)
	}
	if want := []string{"u1", "u1", "u2", "u1", "u2"}; !slices.Equal(erased, want) {
		t.Fatalf("erased %v, want %v (the failed page again, then the next poll's repeat)", erased, want)
	}
	if want := []string{"", "", "d1"}; !slices.Equal(sinces, want) {
		t.Fatalf("asked since %q, want %q: the cursor moves only past an erased page", sinces, want)
	}
}
