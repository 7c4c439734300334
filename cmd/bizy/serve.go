package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/bizy-auth/bizy/internal/authserver"
	"github.com/bizy-auth/bizy/internal/config"
	"github.com/bizy-auth/bizy/internal/metrics"
	"github.com/bizy-auth/bizy/internal/pages"
	"github.com/bizy-auth/bizy/internal/ratelimit"
	"github.com/bizy-auth/bizy/internal/redis"
	goredis "github.com/redis/go-redis/v9"
)

// Server time-outs: slow or stuck clients can't hold connections forever.
const (
	readHeaderTimeout = 10 * time.Second
	readTimeout       = 30 * time.Second
	writeTimeout      = 30 * time.Second
	idleTimeout       = 120 * time.Second
	maxHeaderBytes    = 64 << 10
	// shutdownTimeout is how long in-flight requests get after SIGTERM.
	shutdownTimeout = 20 * time.Second
)

func runServe(ctx context.Context, args []string, getenv func(string) string, stderr io.Writer) error {
	cfg, log, db, err := setupServer(ctx, "serve", config.ModeServe, args, getenv, stderr)
	if err != nil {
		return err
	}
	defer db.Close()
	authLn, authH, d, err := listenAuth(ctx, log, cfg, db)
	if err != nil {
		return err
	}
	defer authLn.Close()
	// With AUTH_ADDR on port 0 the derived AUTH_SERVER_URL can only be known
	// now; the API still reaches the auth service over HTTP, as a separate
	// copy would.
	if cfg.AuthServerURL == config.LoopbackURL(cfg.AuthAddr) {
		cfg.AuthServerURL = config.LoopbackURL(authLn.Addr().String())
	}
	apiLn, api, err := listenAPI(ctx, log, cfg, db)
	if err != nil {
		return err
	}
	defer api.close()

	// Either server failing stops the other. On shutdown the auth service
	// stops after the API: the API's revocation feeds keep polling it
	// until the API's last request in flight has finished, and would
	// otherwise warn of a refused poll on every stop.
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	authCtx, stopAuth := context.WithCancel(context.WithoutCancel(ctx))
	defer stopAuth()
	apiErr, authErr := make(chan error, 1), make(chan error, 1)
	go func() { authErr <- serveAuth(authCtx, log, authLn, authH, d); cancel() }()
	go func() { apiErr <- serveAPI(ctx, log, apiLn, api) }()
	err = <-apiErr
	stopAuth()
	return errors.Join(err, <-authErr)
}

func runAuth(ctx context.Context, args []string, getenv func(string) string, stderr io.Writer) error {
	cfg, log, db, err := setupServer(ctx, "auth", config.ModeAuth, args, getenv, stderr)
	if err != nil {
		return err
	}
	defer db.Close()
	ln, h, d, err := listenAuth(ctx, log, cfg, db)
	if err != nil {
		return err
	}
	return serveAuth(ctx, log, ln, h, d)
}

// serveAuth runs the auth service, its mail worker and its retention job
// (runRetention, every retentionInterval) until ctx ends. On shutdown the
// server stops taking requests and finishes those in flight, background
// jobs finish (they may queue mail), then the worker finishes the message
// it is sending and the retention job stops (a batch cut short is deleted
// by the next run); queued mail waits in the outbox for the next start or
// another copy.
func serveAuth(ctx context.Context, log *slog.Logger, ln net.Listener, h http.Handler, d *authDeps) error {
	wctx, stopWorker := context.WithCancel(context.WithoutCancel(ctx))
	defer stopWorker()
	wdone, rdone := make(chan error, 1), make(chan error, 1)
	go func() { wdone <- d.mail.Run(wctx) }()
	go func() { rdone <- runRetention(wctx, log, d.svc, retentionInterval) }()
	err := serveHTTP(ctx, log, ln, h)
	d.svc.Wait()
	stopWorker()
	err = errors.Join(err, <-wdone, <-rdone)
	if d.redis != nil {
		d.redis.Close()
	}
	return err
}

// publishTimeout bounds one Redis publish: API copies also poll
// /revocations, so a slow Redis must not hold up a logout.
const publishTimeout = time.Second

// redisAnnouncers announce revoked sessions and deleted users on Redis,
// logging failures: the API copies learn of them by polling anyway.
func redisAnnouncers(log *slog.Logger, pub *redis.Publisher) authHooks {
	publish := func(ctx context.Context, what string, send func(context.Context) error) {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), publishTimeout)
		defer cancel()
		if err := send(ctx); err != nil {
			log.WarnContext(ctx, "publish "+what+" on redis; API copies will learn it by polling", "err", err)
		}
	}
	return authHooks{
		onRevoke: func(ctx context.Context, sid string, expiresAt time.Time) {
			publish(ctx, "revocation", func(ctx context.Context) error { return pub.Publish(ctx, sid, expiresAt) })
		},
		onDeleted: func(ctx context.Context, userID string) {
			publish(ctx, "user deletion", func(ctx context.Context) error { return pub.PublishUserDeleted(ctx, userID) })
		},
	}
}

// listenAuth builds the auth service over db and opens its listener.
func listenAuth(ctx context.Context, log *slog.Logger, cfg config.Config, db database) (net.Listener, http.Handler, *authDeps, error) {
	var hooks authHooks
	var rc *goredis.Client
	if cfg.RedisURL != "" {
		c, err := openRedis(ctx, log, cfg.RedisURL)
		if err != nil {
			return nil, nil, nil, err
		}
		rc, hooks = c, redisAnnouncers(log, redis.NewPublisher(c, redis.Channel))
	}
	lim, limStats := newLimiter(log, cfg, rc)
	hooks.mailBudget = ratelimit.NewMailBudget(lim)
	d, err := buildAuth(ctx, log, cfg, db, hooks)
	if err != nil {
		if rc != nil {
			rc.Close()
		}
		return nil, nil, nil, err
	}
	if rc != nil { // a nil *Client must not become a non-nil io.Closer
		d.redis = rc
	}
	reg := metrics.NewRegistry()
	metrics.RegisterMail(reg, log, d.mail, db.Outbox())
	metrics.RegisterRateLimit(reg, limStats)
	metrics.RegisterEvents(reg, d.svc.EventWriteFailures)
	metrics.RegisterBackground(reg, d.svc.BackgroundDropped)
	metrics.RegisterProtection(reg, d.svc, d.gate)
	h := authserver.NewServer(log.With("service", "auth"), authserver.Config{
		TrustedProxies: cfg.AuthTrustedProxies,
		Metrics:        metrics.Handler(reg),
		Instrument:     metrics.HTTP(reg),
		Pages: pages.Config{PublicURL: cfg.PublicURL, CookieDomain: cfg.CookieDomain,
			CORSAllowedOrigins: cfg.CORSAllowedOrigins, AdminRequireMFA: cfg.AdminRequireMFA,
			RedirectAllowed: d.oidc.RedirectAllowed, OpenID: d.oidc},
		Limiter:         lim,
		AdminRequireMFA: cfg.AdminRequireMFA,
		OpenID:          d.oidc,
	}, d.svc, d.verifier, keyPublisher(d))
	ln, err := net.Listen("tcp", cfg.AuthAddr)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("AUTH_ADDR: %w", err)
	}
	log.Info("auth service listening", "addr", ln.Addr().String(), "database", databaseKind(cfg.DatabaseURL),
		"jwt_algorithm", cfg.JWTAlgorithm)
	return ln, h, d, nil
}

// keyPublisher returns the key ring, or nil (an empty JWKS) under HS256.
func keyPublisher(d *authDeps) authserver.KeyPublisher {
	if d.keys == nil {
		return nil
	}
	return d.keys
}

func databaseKind(url string) string {
	if len(url) >= 7 && url[:7] == "sqlite:" {
		return "sqlite"
	}
	return "postgres"
}

// drainTime is how long a stopping server still answers on the
// connections already open, closing each after its answer, before it
// closes the idle ones. A balancer keeps idle keep-alive connections to
// each copy (nginx's upstream keepalive) and may send a request on one at
// any moment; a connection closed under a request just sent fails that
// request, and nginx does not resend a POST. While draining, the balancer
// uses those connections up (each answer says Connection: close) and finds
// the listener closed, so it sends the rest elsewhere. A variable so that
// this package's in-process tests, whose clients are not balancers, need
// not wait for it.
var drainTime = 2 * time.Second

// serveHTTP serves h on ln until ctx ends, then stops accepting, answers
// on the open connections for drainTime (closing each after its answer),
// and gives in-flight requests shutdownTimeout to finish.
func serveHTTP(ctx context.Context, log *slog.Logger, ln net.Listener, h http.Handler) error {
	return serveDraining(ctx, log, ln, h, drainTime)
}

// serveDraining is serveHTTP with drain for drainTime.
func serveDraining(ctx context.Context, log *slog.Logger, ln net.Listener, h http.Handler, drain time.Duration) error {
	var draining atomic.Bool
	srv := &http.Server{
		Handler:           closeWhenDraining(&draining, h),
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    maxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down", "addr", ln.Addr().String(), "drain", drain)
	draining.Store(true)
	ln.Close() // new connections are refused; the open ones are still served
	if err := <-errc; !errors.Is(err, net.ErrClosed) {
		return err
	}
	time.Sleep(drain)
	sctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	return nil
}

// closeWhenDraining makes every answer close its connection once draining
// is set, so the client sends its next request on a new connection, which
// the closed listener refuses.
func closeWhenDraining(draining *atomic.Bool, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if draining.Load() {
			w.Header().Set("Connection", "close")
		}
		h.ServeHTTP(w, r)
	})
}
