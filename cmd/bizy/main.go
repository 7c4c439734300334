// Command bizy runs Bizy's auth service and API, and the tools that look
// after them. Run `bizy help` for the commands and settings.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"strings"
	"syscall"
)

func main() {
	if !pprofAsked(os.Args[1:], os.Getenv) {
		runtime.MemProfileRate = 0
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr)
	stop()
	switch {
	case err == nil:
	case errors.Is(err, flag.ErrHelp):
		os.Exit(0)
	case errors.Is(err, errUsage):
		os.Exit(2)
	default:
		fmt.Fprintln(os.Stderr, "bizy:", err)
		os.Exit(1)
	}
}

// pprofAsked reports whether the command line or the environment sets
// PPROF_ADDR, the only way to read a heap profile. Without it main turns
// the runtime's sampling of allocations off: each sample's stack goes into a
// hash table of 1.4 MB (runtime buckhash, in go_memstats_buck_hash_sys_bytes)
// that nothing would ever read, and the samples of a loaded server touch
// its pages all over (1.3 MB more resident idle, BENCHMARKS.md "Resident
// memory"). Done in main, not run, so the tests' in-process servers leave
// `go test -memprofile` alone. An empty value counts as set: the config
// then decides, and profiling costs only memory.
func pprofAsked(args []string, getenv func(string) string) bool {
	if getenv("PPROF_ADDR") != "" {
		return true
	}
	for _, a := range args {
		name, _, _ := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if strings.HasPrefix(a, "-") && name == "pprof-addr" {
			return true
		}
	}
	return false
}

// errUsage is a command line that names no known command; the usage text has
// already been printed.
var errUsage = errors.New("usage")

const commandsHelp = `Bizy: an authentication service and the API it protects, in one binary.

Usage:
  bizy [serve] [flags]        both services in one process (the quick start)
  bizy auth [flags]           the auth service alone
  bizy api [flags]            the API alone (reaches the auth service at AUTH_SERVER_URL)
  bizy migrate [flags]        apply database migrations and exit
  bizy user create --username U --email E [--password P] [--admin] [--verified]
  bizy user unlock U          clear a user's failed logins and lock
  bizy user set-admin U [--revoke]
  bizy client create --name N --redirect-uri URI [--redirect-uri …] [--public] [--first-party]
  bizy client list | delete ID  the apps that sign in with Bizy (OpenID Connect)
  bizy keys rotate            make a new signing key; old ones stay published until their tokens expire
  bizy keys revoke KID        withdraw a leaked signing key at once; every copy refuses its tokens
  bizy keys reseal            encrypt every stored secret again under DB_ENCRYPTION_KEY (rotating that key)
  bizy prune                  delete expired sessions, used tokens, sent mail and ended locks now
                              (the auth service also does it every hour)
  bizy version                version and build info
  bizy health URL             exit 0 if URL answers 200 (container health checks)

Every command takes the settings below as flags or environment variables
(a flag wins over the environment). 'bizy COMMAND -h' lists a command's flags.

`

// run is the whole program: main only adds the process around it.
func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	cmd := "serve"
	if len(args) > 0 && (args[0] == "" || args[0][0] != '-' || isHelp(args[0])) {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "serve":
		return runServe(ctx, args, getenv, stderr)
	case "auth":
		return runAuth(ctx, args, getenv, stderr)
	case "api":
		return runAPI(ctx, args, getenv, stderr)
	case "migrate":
		return runMigrate(ctx, args, getenv, stdout, stderr)
	case "user":
		return runUser(ctx, args, getenv, stdin, stdout, stderr)
	case "client":
		return runClient(ctx, args, getenv, stdout, stderr)
	case "keys":
		return runKeys(ctx, args, getenv, stdout, stderr)
	case "prune":
		return runPrune(ctx, args, getenv, stdout, stderr)
	case "version":
		return runVersion(stdout)
	case "health":
		return runHealth(ctx, args, stdout, stderr)
	case "help", "-h", "-help", "--help":
		printHelp(stdout)
		return nil
	default:
		fmt.Fprintf(stderr, "bizy: unknown command %q\n\n", cmd)
		printHelp(stderr)
		return errUsage
	}
}

func isHelp(arg string) bool { return arg == "-h" || arg == "-help" || arg == "--help" }
