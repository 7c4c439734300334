package pages

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// TestEveryPageTemplateParses: the page templates are parsed on first use,
// so a broken one would show only when its page is opened; this parses
// them all, and each has the layout and a content block.
func TestEveryPageTemplateParses(t *testing.T) {
	tm := newTemplates()
	if len(tm.pages) < 10 {
		t.Fatalf("%d page templates found, want every page", len(tm.pages))
	}
	for name, parsed := range tm.pages {
		page, err := parsed()
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		for _, want := range []string{"layout", "content"} {
			if page.Lookup(want) == nil {
				t.Errorf("%s: no %q template", name, want)
			}
		}
	}
}

// TestFirstRendersAtOnce: requests that open a page for the first time
// together all get it whole (the parse happens once, under sync.OnceValues).
func TestFirstRendersAtOnce(t *testing.T) {
	p := newPages(slog.New(slog.NewTextHandler(io.Discard, nil)), Config{}, nil)
	const n = 8
	codes, bodies := make([]int, n), make([]string, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			w := httptest.NewRecorder()
			r := httptest.NewRequest(http.MethodGet, "/ui/nothing", nil)
			p.renderError(w, r, http.StatusNotFound, "Not found", "There is nothing here.")
			codes[i], bodies[i] = w.Code, w.Body.String()
		})
	}
	wg.Wait()
	for i := range n {
		if codes[i] != http.StatusNotFound || !strings.Contains(bodies[i], "There is nothing here.") || !strings.Contains(bodies[i], "</html>") {
			t.Fatalf("render %d: %d %q, want 404 and the whole page", i, codes[i], bodies[i])
		}
	}
}
