package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/bizy-auth/bizy/internal/auth"
	"github.com/bizy-auth/bizy/internal/config"
	"github.com/bizy-auth/bizy/internal/oidc"
)

// stringList is a flag that may be given more than once.
type stringList []string

func (s *stringList) String() string     { return strings.Join(*s, ",") }
func (s *stringList) Set(v string) error { *s = append(*s, v); return nil }

// runClient manages the OpenID clients: bizy client create|list|delete.
func runClient(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprintln(stderr, "Usage: bizy client create|list|delete ...")
		return errUsage
	}
	switch args[0] {
	case "create":
		return runClientCreate(ctx, args[1:], getenv, stdout, stderr)
	case "list":
		return withProvider(ctx, "client list", "bizy client list [flags]", args[1:], getenv, stderr, nil,
			func(p *oidc.Provider, _ []string) error {
				cs, err := p.Clients(ctx)
				if err != nil {
					return err
				}
				return printJSON(stdout, cs)
			})
	case "delete":
		args = args[1:]
		if len(args) > 0 && !strings.HasPrefix(args[0], "-") { // the id before the flags, or after
			args = append(args[1:], args[0])
		}
		return withProvider(ctx, "client delete", "bizy client delete CLIENT_ID [flags]", args, getenv, stderr, nil,
			func(p *oidc.Provider, rest []string) error {
				if len(rest) != 1 {
					fmt.Fprintln(stderr, "Usage: bizy client delete CLIENT_ID [flags]")
					return errUsage
				}
				if err := p.DeleteClient(ctx, "", rest[0], cliClient); err != nil {
					return fmt.Errorf("client delete: %w", err)
				}
				fmt.Fprintf(stdout, "client %s deleted; its sessions are revoked\n", rest[0])
				return nil
			})
	default:
		fmt.Fprintf(stderr, "bizy client: unknown subcommand %q (want create, list or delete)\n", args[0])
		return errUsage
	}
}

func runClientCreate(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	var n oidc.NewClient
	var uris stringList
	extra := func(fs *flag.FlagSet) {
		fs.StringVar(&n.Name, "name", "", "the app's name, shown on the consent page")
		fs.Var(&uris, "redirect-uri", "a redirect URI (repeat for several)")
		fs.BoolVar(&n.Public, "public", false, "a public client (single-page or native app): no secret, PKCE only")
		fs.BoolVar(&n.FirstParty, "first-party", false, "a first-party app: users are not asked for consent")
		fs.StringVar(&n.IDTokenAlg, "id-token-alg", "RS256", "how its ID tokens are signed: RS256 or EdDSA")
	}
	return withProvider(ctx, "client create", "bizy client create --name N --redirect-uri URI [--redirect-uri …] [--public] [--first-party] [--id-token-alg RS256|EdDSA] [flags]",
		args, getenv, stderr, extra, func(p *oidc.Provider, _ []string) error {
			n.RedirectURIs = uris
			c, secret, err := p.CreateClient(ctx, "", n, cliClient)
			var ve *auth.ValidationError
			if errors.As(err, &ve) {
				return fmt.Errorf("client create: %v", ve)
			}
			if err != nil {
				return fmt.Errorf("client create: %w", err)
			}
			out := map[string]string{"client_id": c.ID}
			if secret != "" {
				out["client_secret"] = secret
			}
			return printJSON(stdout, out)
		})
}

// withProvider parses a client command's flags, opens the auth service's
// database and runs do with the provider and the arguments left.
func withProvider(ctx context.Context, name, usage string, args []string, getenv func(string) string, stderr io.Writer,
	extra func(*flag.FlagSet), do func(*oidc.Provider, []string) error) error {
	cfg, fs, err := parseFlags(name, usage, config.ModeTool, args, getenv, stderr, extra)
	if err != nil {
		return err
	}
	d, err := openAuth(ctx, newLogger(cfg, stderr), cfg)
	if err != nil {
		return err
	}
	defer d.db.Close()
	return do(d.oidc, fs.Args())
}

func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
