package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/bizy-auth/bizy/internal/auth"
	"github.com/bizy-auth/bizy/internal/config"
)

// cliClient marks events made from the command line.
var cliClient = auth.Client{IP: "", UserAgent: "bizy-cli"}

func runUser(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprintln(stderr, "Usage: bizy user create|unlock|set-admin ...")
		return errUsage
	}
	switch args[0] {
	case "create":
		return runUserCreate(ctx, args[1:], getenv, stdin, stdout, stderr)
	case "unlock":
		return runUserUnlock(ctx, args[1:], getenv, stdout, stderr)
	case "set-admin":
		return runUserSetAdmin(ctx, args[1:], getenv, stdout, stderr)
	default:
		fmt.Fprintf(stderr, "bizy user: unknown subcommand %q (want create, unlock or set-admin)\n", args[0])
		return errUsage
	}
}

func runUserCreate(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	var reg auth.Registration
	cfg, _, err := parseFlags("user create",
		"bizy user create --username U --email E [--password P] [--admin] [--verified] [flags]\n"+
			"  Without --password the password is read from the first line of standard input.",
		config.ModeTool, args, getenv, stderr, func(fs *flag.FlagSet) {
			fs.StringVar(&reg.Username, "username", "", "username (3-50 letters, digits, underscores)")
			fs.StringVar(&reg.Email, "email", "", "email address")
			fs.StringVar(&reg.Password, "password", "", "password (omit to read it from standard input)")
			fs.BoolVar(&reg.IsAdmin, "admin", false, "make the user an admin")
			fs.BoolVar(&reg.EmailVerified, "verified", false, "mark the email address as verified")
		})
	if err != nil {
		return err
	}
	if reg.Password == "" {
		line, err := bufio.NewReader(io.LimitReader(stdin, 1024)).ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return fmt.Errorf("read password: %w", err)
		}
		reg.Password = strings.TrimRight(line, "\r\n")
	}
	d, err := openAuth(ctx, newLogger(cfg, stderr), cfg)
	if err != nil {
		return err
	}
	defer d.db.Close()
	u, err := d.svc.Register(ctx, reg, cliClient)
	if err != nil {
		var ve *auth.ValidationError
		if errors.As(err, &ve) {
			return fmt.Errorf("user create: %v", ve)
		}
		return fmt.Errorf("user create: %w", err)
	}
	return printUser(stdout, u)
}

// userArg parses a command that takes one login name (username or email)
// and returns the user it names.
func userArg(ctx context.Context, name string, args []string, getenv func(string) string, stderr io.Writer, extra func(*flag.FlagSet)) (*authDeps, auth.User, error) {
	// Allow the name before or after the flags.
	var login string
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		login, args = args[0], args[1:]
	}
	cfg, fs, err := parseFlags("user "+name, "bizy user "+name+" USERNAME [flags]", config.ModeTool, args, getenv, stderr, extra)
	if err != nil {
		return nil, auth.User{}, err
	}
	if login == "" && fs.NArg() > 0 {
		login = fs.Arg(0)
	}
	if login == "" {
		fmt.Fprintf(stderr, "Usage: bizy user %s USERNAME [flags]\n", name)
		return nil, auth.User{}, errUsage
	}
	d, err := openAuth(ctx, newLogger(cfg, stderr), cfg)
	if err != nil {
		return nil, auth.User{}, err
	}
	u, err := d.svc.UserByLogin(ctx, login)
	if err != nil {
		d.db.Close()
		if errors.Is(err, auth.ErrNotFound) {
			return nil, auth.User{}, fmt.Errorf("no user %q", login)
		}
		return nil, auth.User{}, err
	}
	return d, u, nil
}

func runUserUnlock(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	d, u, err := userArg(ctx, "unlock", args, getenv, stderr, nil)
	if err != nil {
		return err
	}
	defer d.db.Close()
	if err := d.svc.Unlock(ctx, u.ID, cliClient); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "unlocked %s\n", u.Username)
	return nil
}

func runUserSetAdmin(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	var revoke bool
	d, u, err := userArg(ctx, "set-admin", args, getenv, stderr, func(fs *flag.FlagSet) {
		fs.BoolVar(&revoke, "revoke", false, "take the admin role away instead")
	})
	if err != nil {
		return err
	}
	defer d.db.Close()
	u, err = d.svc.SetAdmin(ctx, u.ID, !revoke, cliClient)
	if err != nil {
		return err
	}
	return printUser(stdout, u)
}

func printUser(w io.Writer, u auth.User) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(u)
}
