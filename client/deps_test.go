package client

import (
	"os/exec"
	"strings"
	"testing"
)

// TestNoInternalImports keeps client importable by other modules: it must
// not depend, even indirectly, on this module's internal packages. (Its
// tests may: they start the real servers.)
func TestNoInternalImports(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "-f", "{{.ImportPath}}", ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	deps := strings.Fields(string(out))
	if len(deps) < 10 {
		t.Fatalf("go list returned only %d packages: %s", len(deps), out)
	}
	for _, p := range deps {
		if strings.HasPrefix(p, "github.com/bizy-auth/bizy/") && strings.Contains(p, "/internal/") {
			t.Errorf("client depends on %s", p)
		}
	}
}
