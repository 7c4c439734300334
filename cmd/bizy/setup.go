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
	"github.com/bizy-auth/bizy/internal/postgres"
	"github.com/bizy-auth/bizy/internal/redis"
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

// newLogger builds the process logger. An unset LOG_FORMAT means text on a
// terminal and JSON otherwise.
func newLogger(cfg config.Config, stderr io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{Level: cfg.LogLevel}
	format := cfg.LogFormat
	if format == "" {
		format = "json"
		if f, ok := stderr.(*os.File); ok {
			if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
				format = "text"
			}
		}
	}
	var h slog.Handler
	if format == "text" {
		h = slog.NewTextHandler(stderr, opts)
	} else {
		h = slog.NewJSONHandler(stderr, opts)
	}
	return slog.New(web.LogHandler(h))
}

// database is an open database of either engine.
type database interface {
	MigrateAuth(ctx context.Context) error
	MigrateTasks(ctx context.Context) error
	AuthStore() auth.Store
	Outbox() auth.Outbox
	TasksStore() tasks.Store
	Close() error
}

// openDatabase opens DATABASE_URL: "sqlite:PATH" or a postgres:// URL,
// after checking that DATA_DIR and the SQLite files are private.
func openDatabase(ctx context.Context, cfg config.Config) (database, error) {
	if err := checkPrivate(cfg); err != nil {
		return nil, err
	}
	if path, ok := strings.CutPrefix(cfg.DatabaseURL, "sqlite:"); ok {
		db, err := sqlite.Open(ctx, path)
		if err != nil {
			return nil, fmt.Errorf("open sqlite %s: %w", path, err)
		}
		return db, nil
	}
	db, err := postgres.Open(ctx, cfg.DatabaseURL)
	if err != nil {
		return nil, fmt.Errorf("open postgres: %w", err)
	}
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
	cfg, _, err := parseFlags(name, "bizy "+name+" [flags]", mode, args, getenv, stderr, nil)
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
	verifier *token.Verifier
	mail     *mail.Worker // runs only under serve and auth
	redis    io.Closer    // the revocation publisher's client, or nil
}

// verifierCacheSize bounds the verified-token cache (about 1 KiB an entry).
const verifierCacheSize = 10_000

// openAuth opens and migrates the database and builds the auth service.
func openAuth(ctx context.Context, log *slog.Logger, cfg config.Config) (*authDeps, error) {
	db, err := openDatabase(ctx, cfg)
	if err != nil {
		return nil, err
	}
	d, err := buildAuth(ctx, log, cfg, db, nil)
	if err != nil {
		db.Close()
		return nil, err
	}
	return d, nil
}

// onRevoke, when not nil, is told of every revoked session (Redis fan-out).
func buildAuth(ctx context.Context, log *slog.Logger, cfg config.Config, db database, onRevoke func(context.Context, string, time.Time)) (*authDeps, error) {
	if err := db.MigrateAuth(ctx); err != nil {
		return nil, fmt.Errorf("migrate: %w", err)
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
	d.svc, err = auth.NewService(log, d.store, signer, auth.Config{
		BcryptCost:               cfg.BcryptCost,
		AccessTokenTTL:           cfg.AccessTokenTTL,
		RefreshTokenTTL:          cfg.RefreshTokenTTL,
		Issuer:                   cfg.JWTIssuer,
		Audience:                 cfg.JWTAudience,
		RequireEmailVerification: cfg.RequireEmailVerification,
		LockoutThreshold:         cfg.LockoutThreshold,
		LockoutDuration:          cfg.LockoutDuration,
		Mailer:                   templates,
		MailQueued:               d.mail.Wake,
		OnRevoke:                 onRevoke,
	})
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
