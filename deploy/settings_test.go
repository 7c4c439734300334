package deploy

import (
	"flag"
	"fmt"
	"io"
	"net"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/bizy-auth/bizy/internal/config"
)

// knownSettings returns the environment variables bizy reads: the flags
// config.Bind registers, named back as SPEC.md pairs them (--auth-addr is
// AUTH_ADDR).
func knownSettings() map[string]bool {
	fs := flag.NewFlagSet("settings", flag.ContinueOnError)
	config.Bind(fs, config.ModeTool, nil)
	known := make(map[string]bool)
	fs.VisitAll(func(f *flag.Flag) {
		known[strings.ToUpper(strings.ReplaceAll(f.Name, "-", "_"))] = true
	})
	return known
}

// loadConfig resolves env as bizy does when started in mode with no flags.
// The error lists every bad setting, each line starting with its name.
func loadConfig(mode config.Mode, env map[string]string) (config.Config, error) {
	fs := flag.NewFlagSet("deploy", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	resolve := config.Bind(fs, mode, func(k string) string { return env[k] })
	if err := fs.Parse(nil); err != nil {
		return config.Config{}, err
	}
	return resolve()
}

// modeOf returns the config mode of a bizy command line (the container's
// command or args), as cmd/bizy picks it.
func modeOf(args []string) config.Mode {
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		return config.ModeServe
	}
	switch args[0] {
	case "serve":
		return config.ModeServe
	case "auth":
		return config.ModeAuth
	case "api":
		return config.ModeAPI
	}
	return config.ModeTool
}

// unknownNames returns, sorted, the names in env that bizy does not read.
func unknownNames(env map[string]string, known map[string]bool) []string {
	var unknown []string
	for name := range env {
		if !known[name] {
			unknown = append(unknown, name)
		}
	}
	sort.Strings(unknown)
	return unknown
}

// tokenMismatch says how the token settings of auth and api disagree, so
// that the API would refuse what auth signs; "" when they agree. Secrets are
// compared by the caller, which knows where they come from.
func tokenMismatch(auth, api config.Config) string {
	if auth.JWTAlgorithm == api.JWTAlgorithm && auth.JWTIssuer == api.JWTIssuer && auth.JWTAudience == api.JWTAudience {
		return ""
	}
	return fmt.Sprintf("auth signs %s tokens for iss %q aud %q, api expects %s for iss %q aud %q",
		auth.JWTAlgorithm, auth.JWTIssuer, auth.JWTAudience, api.JWTAlgorithm, api.JWTIssuer, api.JWTAudience)
}

// addrPort returns the port of a listen address such as ":4567".
func addrPort(addr string) int {
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return 0
	}
	n, _ := strconv.Atoi(port)
	return n
}

// urlHostPort returns the host and port of an http(s) or other URL, the
// port defaulting to the scheme's (80 for http, 443 for https).
func urlHostPort(raw string) (string, int) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", 0
	}
	port, _ := strconv.Atoi(u.Port())
	if port == 0 {
		port = map[string]int{"http": 80, "https": 443}[u.Scheme]
	}
	return u.Hostname(), port
}

// mustKnow fails the test unless the settings table has names, so that a
// renamed setting shows up here rather than as a vacuous pass below.
func mustKnow(t *testing.T, names ...string) map[string]bool {
	t.Helper()
	known := knownSettings()
	for _, n := range names {
		if !known[n] {
			t.Fatalf("the settings table has no %s; these tests rely on it", n)
		}
	}
	return known
}
