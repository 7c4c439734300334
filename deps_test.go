package bizy_test

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/bizy-auth/bizy/"

// layers is the import rule of STYLE.md (WTF Dial's): for each guarded
// package, what it may depend on besides the standard library, directly or
// not. A package of this module listed here brings along what it may
// depend on itself.
var layers = map[string][]string{
	// token is public: importable by other modules, so nothing internal.
	"token": {"github.com/golang-jwt/jwt/v5"},
	// openapi is public too: the documents and a handler, nothing else.
	"openapi": nil,
	// The leaf packages every layer may use.
	"internal/fault":   nil,
	"internal/invalid": nil,
	"internal/input": {"internal/invalid", "github.com/google/uuid", "golang.org/x/net/idna",
		"golang.org/x/text/secure/bidirule", "golang.org/x/text/transform", "golang.org/x/text/unicode/bidi",
		"golang.org/x/text/unicode/norm"},
	// seal encrypts secrets at rest with the standard library alone, and
	// sealed (the adapters' shared rules about sealed columns) adds only it.
	"internal/seal":   nil,
	"internal/sealed": {"internal/seal"},
	// The domains: the standard library, token, the leaves and the few
	// libraries made for their job (ids, password hashing, TOTP). No
	// adapter, no server, no web.
	"internal/auth": {"token", "internal/fault", "internal/invalid", "internal/input",
		"github.com/google/uuid", "golang.org/x/crypto/bcrypt", "golang.org/x/crypto/blowfish",
		// TOTP (RFC 6238); otp draws in its QR encoder.
		"github.com/pquerna/otp", "github.com/pquerna/otp/totp", "github.com/pquerna/otp/hotp",
		"github.com/pquerna/otp/internal", "github.com/boombuler/barcode", "github.com/boombuler/barcode/qr",
		"github.com/boombuler/barcode/utils"},
	"internal/tasks": {"internal/fault", "internal/invalid", "internal/input", "github.com/google/uuid"},
	// web is the HTTP edge both servers share: it knows problems, kinds of
	// error and tokens, but no domain (auth, tasks) and no adapter.
	"internal/web": {"token", "internal/fault", "internal/invalid", "internal/input"},
}

// allowed returns the packages pkg may depend on, its own and those of the
// layers it may use, as full import paths.
func allowed(pkg string) map[string]bool {
	set := map[string]bool{}
	var add func(p string)
	add = func(p string) {
		for _, dep := range layers[p] {
			full := dep
			if _, ours := layers[dep]; ours {
				full = module + dep
			}
			if !set[full] {
				set[full] = true
				add(dep)
			}
		}
	}
	add(pkg)
	return set
}

// violations lists the non-standard packages pkg depends on that rule does
// not allow.
func violations(t *testing.T, pkg string, rule map[string]bool) []string {
	t.Helper()
	out, err := exec.Command("go", "list", "-deps", "-f", "{{if not .Standard}}{{.ImportPath}}{{end}}", "./"+pkg).CombinedOutput()
	if err != nil {
		t.Fatalf("go list %s: %v\n%s", pkg, err, out)
	}
	deps := strings.Fields(string(out))
	if !slices.Contains(deps, module+pkg) {
		t.Fatalf("go list -deps ./%s does not list the package itself: %s", pkg, out)
	}
	var bad []string
	for _, d := range deps {
		if d != module+pkg && !rule[d] {
			bad = append(bad, d)
		}
	}
	return bad
}

func TestImportRule(t *testing.T) {
	for pkg := range layers {
		t.Run(pkg, func(t *testing.T) {
			if bad := violations(t, pkg, allowed(pkg)); len(bad) > 0 {
				t.Errorf("%s depends on %v, which its layer does not allow", pkg, bad)
			}
		})
	}
}

// TestImportRuleCatchesAViolation: the check above would see a server
// held to web's rule, since a server imports a domain.
func TestImportRuleCatchesAViolation(t *testing.T) {
	bad := violations(t, "internal/authserver", allowed("internal/web"))
	if !slices.Contains(bad, module+"internal/auth") {
		t.Fatalf("authserver held to web's rule: violations %v, want internal/auth among them", bad)
	}
}
