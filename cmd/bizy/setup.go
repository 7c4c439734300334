package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/bizy-auth/bizy/internal/auth"
	"github.com/bizy-auth/bizy/internal/config"
	"github.com/bizy-auth/bizy/internal/mail"
	"github.com/bizy-auth/bizy/internal/oidc"
	"github.com/bizy-auth/bizy/internal/passkey"
	"github.com/bizy-auth/bizy/internal/postgres"
	"github.com/bizy-auth/bizy/internal/redis"
	"github.com/bizy-auth/bizy/internal/seal"
	"github.com/bizy-auth/bizy/internal/sqlite"
	"github.com/bizy-auth/bizy/internal/tasks"
	"github.com/bizy-auth/bizy/internal/web"
	"github.com/bizy-auth/bizy/token"
	goredis "github.com/redis/go-redis/v9"
)

func printHelp(w io.Writer) {
	fmt.Fprint(w, commandsHelp)
	config.Usage(w)
}

// parseFlags parses args into a config for a command. extra registers the
// command's own flags; usage is the command line shown by -h.
func parseFlags(name, usage string, mode config.Mode, args []string, getenv func(string) string, stderr io.Writer, extra func(*flag.FlagSet)) (config.Config, *flag.FlagSet, error) {
	fs := flag.NewFlagSet("bizy "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	if extra != nil {
		extra(fs)
	}
	resolve := config.Bind(fs, mode, getenv)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: %s\n\nFlags (each setting also reads the environment variable it names):\n", usage)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return config.Config{}, nil, err
		}
		return config.Config{}, nil, errUsage
	}
	cfg, err := resolve()
	if err != nil {
		return config.Config{}, nil, fmt.Errorf("invalid settings:\n%w", err)
	}
	return cfg, fs, nil
}

// parseSettings is parseFlags for a command that takes flags only: a word
// left over (such as "false" in `--rate-limit-enabled false`, which a bool
// flag does not take) is refused rather than ignored.
func parseSettings(name, usage string, mode config.Mode, args []string, getenv func(string) string, stderr io.Writer) (config.Config, error) {
	cfg, fs, err := parseFlags(name, usage, mode, args, getenv, stderr, nil)
	if err == nil && fs.NArg() > 0 {
		fmt.Fprintf(stderr, "bizy %s: unexpected argument %q (a bool flag takes its value as --flag=false)\n", name, fs.Arg(0))
		return config.Config{}, errUsage
	}
	return cfg, err
}

// newLogger builds the process logger. An unset LOG_FORMAT means text on a
// terminal and JSON otherwise; text is the short, coloured form of
// newTextHandler (colour only on a terminal).
func newLogger(cfg config.Config, stderr io.Writer) *slog.Logger {
	terminal := false
	if f, ok := stderr.(*os.File); ok {
		if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
			terminal = true
		}
	}
	format := cfg.LogFormat
	if format == "" {
		format = "json"
		if terminal {
			format = "text"
		}
	}
	var h slog.Handler
	if format == "text" {
		h = newTextHandler(stderr, cfg.LogLevel, terminal)
	} else {
		h = slog.NewJSONHandler(stderr, &slog.HandlerOptions{Level: cfg.LogLevel})
	}
	return slog.New(web.LogHandler(h))
}

// database is an open database of either engine.
type database interface {
	MigrateAuth(ctx context.Context) error
	MigrateTasks(ctx context.Context) error
	AuthStore() auth.Store
	OIDCStore() oidc.Store
	Outbox() auth.Outbox
	TasksStore() tasks.Store
	SetSealBox(*seal.Box)
	CheckSealed(ctx context.Context) (int, error)
	Reseal(ctx context.Context) (int, error)
	Close() error
}

// openDatabase opens DATABASE_URL: "sqlite:PATH" or a postgres:// URL,
// after checking that DATA_DIR and the SQLite files are private. Its stores
// seal secrets with DB_ENCRYPTION_KEY when it is set.
func openDatabase(ctx context.Context, cfg config.Config) (database, error) {
	if err := checkPrivate(cfg); err != nil {
		return nil, err
	}
	box, err := sealBox(cfg)
	if err != nil {
		return nil, err
	}
	var db database
	if path, ok := strings.CutPrefix(cfg.DatabaseURL, "sqlite:"); ok {
		sdb, err := sqlite.Open(ctx, path)
		if err != nil {
			return nil, fmt.Errorf("open sqlite %s: %w", path, err)
		}
		db = sdb
	} else {
		pdb, err := postgres.OpenTimeout(ctx, cfg.DatabaseURL, cfg.DatabaseTimeout)
		if err != nil {
			return nil, fmt.Errorf("open postgres: %w", err)
		}
		db = pdb
	}
	db.SetSealBox(box)
	return db, nil
}

// checkPrivate refuses, naming the path, what Bizy keeps secrets in when
// group or others may read or write it: the SQLite database (signing
// keys, sessions), its -wal and -shm files and its directory (DATA_DIR by
// default), and, when mail goes to files (no SMTP_HOST), DATA_DIR and its
// mail folder (live links). Paths that do not exist yet pass: Bizy creates
// them private (0700 and 0600). DATA_DIR_ALLOW_SHARED skips the check, for
// a container volume that must be shared. Mode bits mean nothing on
// Windows, so it checks nothing there.
func checkPrivate(cfg config.Config) error {
	if cfg.DataDirAllowShared || runtime.GOOS == "windows" {
		return nil
	}
	var paths []string
	if db, ok := strings.CutPrefix(cfg.DatabaseURL, "sqlite:"); ok {
		paths = append(paths, filepath.Dir(db), db, db+"-wal", db+"-shm")
	}
	if cfg.SMTPHost == "" {
		paths = append(paths, cfg.DataDir, filepath.Join(cfg.DataDir, "mail"))
	}
	for _, p := range paths {
		st, err := os.Stat(p)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return err
		}
		if perm := st.Mode().Perm(); perm&0o066 != 0 {
			return fmt.Errorf("%s has mode %04o: group or others may read or write it, and it holds signing keys or live links; "+
				"run chmod %04o %s, or set DATA_DIR_ALLOW_SHARED=true to start anyway", p, perm, perm&^0o077, p)
		}
	}
	return nil
}

// setupServer does what the serving commands (serve, auth, api) start
// with: it parses the flags of command name, builds the logger and opens
// the database. On success the caller must close the database.
func setupServer(ctx context.Context, name string, mode config.Mode, args []string, getenv func(string) string, stderr io.Writer) (config.Config, *slog.Logger, database, error) {
	cfg, err := parseSettings(name, "bizy "+name+" [flags]", mode, args, getenv, stderr)
	if err != nil {
		return config.Config{}, nil, nil, err
	}
	log := newLogger(cfg, stderr)
	if _, err := startPprof(ctx, log, cfg.PprofAddr); err != nil {
		return config.Config{}, nil, nil, err
	}
	db, err := openDatabase(ctx, cfg)
	if err != nil {
		return config.Config{}, nil, nil, err
	}
	return cfg, log, db, nil
}

// openRedis opens REDIS_URL and sends go-redis's own log lines to log.
func openRedis(ctx context.Context, log *slog.Logger, url string) (*goredis.Client, error) {
	redis.SetLogger(log)
	c, err := redis.Open(ctx, url)
	if err != nil {
		return nil, fmt.Errorf("REDIS_URL: %w", err)
	}
	return c, nil
}

// authDeps is everything the auth service and the CLI tools share.
type authDeps struct {
	db       database
	store    auth.Store
	svc      *auth.Service
	keys     *auth.KeyRing // nil under HS256
	oidcKeys *oidc.Keys    // the OpenID provider's RSA keys
	oidc     *oidc.Provider
	verifier *token.Verifier
	mail     *mail.Worker // runs only under serve and auth
	gate     *auth.HashGate
	redis    io.Closer // the revocation publisher's client, or nil
}

// verifierCacheSize bounds the verified-token cache (about 1 KiB an entry).
const verifierCacheSize = 10_000

// openAuth opens and migrates the database and builds the auth service.
func openAuth(ctx context.Context, log *slog.Logger, cfg config.Config) (*authDeps, error) {
	db, err := openDatabase(ctx, cfg)
	if err != nil {
		return nil, err
	}
	d, err := buildAuth(ctx, log, cfg, db, authHooks{})
	if err != nil {
		db.Close()
		return nil, err
	}
	return d, nil
}

// authHooks are what the running service adds to the one the CLI tools
// build; each may be nil.
type authHooks struct {
	// onRevoke is told of every revoked session, and onDeleted of every
	// deleted user (Redis fan-out; the API copies also poll for both).
	onRevoke  func(context.Context, string, time.Time)
	onDeleted func(ctx context.Context, userID string)
	// mailBudget bounds the mail to one address (RATE_LIMIT_EMAIL_ADDRESS).
	mailBudget auth.MailBudget
}

func buildAuth(ctx context.Context, log *slog.Logger, cfg config.Config, db database, hooks authHooks) (*authDeps, error) {
	if err := db.MigrateAuth(ctx); err != nil {
		return nil, fmt.Errorf("migrate: %w", err)
	}
	if err := checkSealed(ctx, log, cfg, db); err != nil {
		return nil, err
	}
	d := &authDeps{db: db, store: db.AuthStore()}
	vcfg := token.Config{
		Algorithm: cfg.JWTAlgorithm, Issuer: cfg.JWTIssuer, Audience: cfg.JWTAudience,
		CacheSize: verifierCacheSize, MaxLifetime: cfg.AccessTokenTTL,
	}
	var signer auth.TokenSigner
	switch cfg.JWTAlgorithm {
	case "HS256":
		s, err := token.NewHS256Signer([]byte(cfg.JWTSecret))
		if err != nil {
			return nil, fmt.Errorf("JWT_SECRET: %w", err)
		}
		signer = auth.StaticSigner{S: s}
		vcfg.Secret = []byte(cfg.JWTSecret)
	default:
		d.keys = auth.NewKeyRing(d.store, cfg.AccessTokenTTL, nil)
		if err := d.keys.Ensure(ctx); err != nil {
			return nil, fmt.Errorf("signing key: %w", err)
		}
		signer = d.keys
		vcfg.Keys = d.keys
	}
	v, err := token.NewVerifier(vcfg)
	if err != nil {
		return nil, err
	}
	d.verifier = v
	templates, err := mail.NewTemplates(cfg.PublicURL)
	if err != nil {
		return nil, fmt.Errorf("PUBLIC_URL: %w", err)
	}
	sender, err := newSender(log, cfg)
	if err != nil {
		return nil, err
	}
	// NewWorker labels its own lines component=mail.
	d.mail = mail.NewWorker(log, db.Outbox(), sender, mail.WorkerConfig{From: cfg.MailFrom})
	d.gate = auth.NewHashGate(auth.HashGateConfig{Concurrency: cfg.HashConcurrency, Queue: cfg.HashQueue, Wait: cfg.HashWait})
	box, err := sealBox(cfg) // nil without DB_ENCRYPTION_KEY: a nil Box keeps plaintext
	if err != nil {
		return nil, err
	}
	rp, err := passkeys(log, cfg)
	if err != nil {
		return nil, err
	}
	d.svc, err = auth.NewService(log, d.store, signer, auth.Config{
		BcryptCost:               cfg.BcryptCost,
		AccessTokenTTL:           cfg.AccessTokenTTL,
		RefreshTokenTTL:          cfg.RefreshTokenTTL,
		RefreshReuseInterval:     cfg.RefreshReuseInterval,
		Issuer:                   cfg.JWTIssuer,
		Audience:                 cfg.JWTAudience,
		RequireEmailVerification: cfg.RequireEmailVerification,
		LockoutThreshold:         cfg.LockoutThreshold,
		LockoutDuration:          cfg.LockoutDuration,
		LockoutAccountThreshold:  cfg.LockoutAccountThreshold,
		EventRetention:           cfg.EventRetention,
		Mailer:                   templates,
		MailQueued:               d.mail.Wake,
		OnRevoke:                 hooks.onRevoke,
		OnUserDeleted:            hooks.onDeleted,
		MailBudget:               hooks.mailBudget,
		HashGate:                 d.gate,
		Sealer:                   box,
		TOTPIssuer:               cfg.WebAuthnRPName,
		Passkeys:                 rp,
	})
	if err != nil {
		return nil, err
	}
	// ID tokens live as long as access tokens, so one TTL keeps both
	// kinds of retired key published long enough.
	d.oidcKeys = oidc.NewKeys(d.store, cfg.AccessTokenTTL, nil)
	if err := d.oidcKeys.Ensure(ctx); err != nil {
		return nil, fmt.Errorf("OpenID signing key: %w", err)
	}
	d.oidc, err = oidc.New(log.With("component", "oidc"), oidc.Config{Issuer: cfg.PublicURL,
		AccessTokenTTL: cfg.AccessTokenTTL, RefreshTokenTTL: cfg.RefreshTokenTTL, RefreshReuseInterval: cfg.RefreshReuseInterval},
		db.OIDCStore(), d.store, d.svc, d.oidcKeys)
	if err != nil {
		return nil, err
	}
	return d, nil
}

// newSender delivers over SMTP when SMTP_HOST is set, and otherwise writes
// each message as an .eml file under DATA_DIR/mail and logs its link, so the
// quick start needs no mail server.
func newSender(log *slog.Logger, cfg config.Config) (mail.Sender, error) {
	if cfg.SMTPHost == "" {
		return &mail.FileSender{Dir: filepath.Join(cfg.DataDir, "mail"), Log: log.With("component", "mail")}, nil
	}
	s, err := mail.NewSMTPSender(mail.SMTPConfig{
		Host: cfg.SMTPHost, Port: cfg.SMTPPort, Username: cfg.SMTPUsername,
		Password: string(cfg.SMTPPassword), TLS: cfg.SMTPTLS,
	})
	if err != nil {
		return nil, fmt.Errorf("SMTP_HOST: %w", err)
	}
	return s, nil
}

// passkeys returns the WebAuthn relying party, or nil (passkeys off) when
// there is no relying party id: PUBLIC_URL is an IP address, which
// browsers refuse, and WEBAUTHN_RP_ID is unset.
func passkeys(log *slog.Logger, cfg config.Config) (auth.PasskeyCeremony, error) {
	if cfg.WebAuthnRPID == "" {
		log.Info("passkeys off: PUBLIC_URL is an IP address; set WEBAUTHN_RP_ID to a domain to offer them")
		return nil, nil
	}
	rp, err := passkey.New(cfg.WebAuthnRPID, cfg.WebAuthnRPName, cfg.WebAuthnOrigins)
	if err != nil {
		return nil, fmt.Errorf("WEBAUTHN_RP_ID: %w", err)
	}
	return rp, nil
}
