// Package openapitest holds a server to its OpenAPI document in tests: the
// routes it registers (Routes, CheckRoutes), and every request and response
// its tests exchange (Checker).
package openapitest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
)

// Routes records the patterns a server registers; pass it where the
// server's addRoutes takes a web.Router. It is safe for concurrent use.
type Routes struct {
	mu       sync.Mutex
	patterns []string
}

// Handle records pattern.
func (r *Routes) Handle(pattern string, _ http.Handler) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.patterns = append(r.patterns, pattern)
}

// Patterns returns the patterns recorded so far.
func (r *Routes) Patterns() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.patterns)
}

// CheckRoutes fails t unless doc documents exactly the registered
// ServeMux patterns: a route served but not documented, or documented but
// not served, is named in the failure.
func CheckRoutes(t testing.TB, doc []byte, registered []string) {
	t.Helper()
	documented, err := Patterns(doc)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range registered {
		if !slices.Contains(documented, p) {
			t.Errorf("route %q is served but not documented: describe it in openapi/src/, then go generate ./openapi (README: Integrate, OpenAPI)", p)
		}
	}
	for _, p := range documented {
		if !slices.Contains(registered, p) {
			t.Errorf("route %q is documented but not served (a path the ServeMux cannot say needs x-mux-pattern)", p)
		}
	}
}

var methods = []string{"get", "put", "post", "delete", "options", "head", "patch", "trace"}

// Patterns returns the ServeMux pattern of each operation of the OpenAPI
// document doc, sorted and without repeats: "METHOD PATH", with {$} after
// a PATH ending in a slash (a ServeMux pattern ending in a slash matches
// the whole subtree), or the operation's x-mux-pattern when it has one,
// for a route no OpenAPI path can say (a subtree, any method).
func Patterns(doc []byte) ([]string, error) {
	var d struct {
		Paths map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(doc, &d); err != nil {
		return nil, fmt.Errorf("openapitest: %w", err)
	}
	var out []string
	for path, item := range d.Paths {
		for _, m := range methods {
			raw, ok := item[m]
			if !ok {
				continue
			}
			var op struct {
				Pattern string `json:"x-mux-pattern"`
			}
			if err := json.Unmarshal(raw, &op); err != nil {
				return nil, fmt.Errorf("openapitest: %s %s: %w", m, path, err)
			}
			p := strings.ToUpper(m) + " " + path
			if strings.HasSuffix(path, "/") {
				p += "{$}"
			}
			if op.Pattern != "" {
				p = op.Pattern
			}
			out = append(out, p)
		}
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}
