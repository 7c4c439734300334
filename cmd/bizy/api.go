package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/bizy-auth/bizy/internal/apiserver"
	"github.com/bizy-auth/bizy/internal/config"
	"github.com/bizy-auth/bizy/internal/metrics"
	"github.com/bizy-auth/bizy/internal/redis"
	"github.com/bizy-auth/bizy/internal/revocation"
	"github.com/bizy-auth/bizy/internal/tasks"
	"github.com/bizy-auth/bizy/token"
	goredis "github.com/redis/go-redis/v9"
)

func runAPI(ctx context.Context, args []string, getenv func(string) string, stderr io.Writer) error {
	cfg, log, db, err := setupServer(ctx, "api", config.ModeAPI, args, getenv, stderr)
	if err != nil {
		return err
	}
	defer db.Close()
	ln, d, err := listenAPI(ctx, log, cfg, db)
	if err != nil {
		return err
	}
	defer d.close()
	return serveAPI(ctx, log, ln, d)
}

// apiDeps is the API's handler and the revocation feeds that run beside
// it. The caller must call close once they have stopped.
type apiDeps struct {
	handler    http.Handler
	poller     *revocation.Poller
	subscriber *redis.Subscriber // nil without REDIS_URL
	redis      *goredis.Client   // nil without REDIS_URL
}

// close releases the Redis connection, if any.
func (d *apiDeps) close() {
	if d.redis != nil {
		d.redis.Close()
	}
}

// serveAPI serves the API on ln until ctx ends, with its revocation feeds
// running: the poller of the auth service's /revocations, and the Redis
// subscriber when REDIS_URL is set. The feeds do not hold up the first
// request (the auth service may be down), and they stop only once the last
// request in flight has finished, so revocations still reach those.
func serveAPI(ctx context.Context, log *slog.Logger, ln net.Listener, d *apiDeps) error {
	fctx, stopFeeds := context.WithCancel(context.WithoutCancel(ctx))
	defer stopFeeds()
	feeds := make(chan error, 2)
	n := 1
	go func() { feeds <- d.poller.Run(fctx) }()
	if d.subscriber != nil {
		n++
		go func() { feeds <- d.subscriber.Run(fctx) }()
	}
	err := serveHTTP(ctx, log, ln, d.handler)
	stopFeeds()
	for range n {
		err = errors.Join(err, <-feeds)
	}
	return err
}

// listenAPI builds the API over db and opens its listener.
func listenAPI(ctx context.Context, log *slog.Logger, cfg config.Config, db database) (net.Listener, *apiDeps, error) {
	d, err := buildAPI(ctx, log, cfg, db)
	if err != nil {
		return nil, nil, err
	}
	ln, err := net.Listen("tcp", cfg.APIAddr)
	if err != nil {
		d.close()
		return nil, nil, fmt.Errorf("API_ADDR: %w", err)
	}
	log.Info("API listening", "addr", ln.Addr().String(), "auth_server", cfg.AuthServerURL,
		"redis", cfg.RedisURL != "")
	return ln, d, nil
}

// buildAPI migrates the API's own tables and assembles its handler and
// revocation feeds. The API verifies tokens itself: with the auth service's
// published keys (EdDSA) or the shared secret (HS256), then refuses those
// of sessions the feeds have reported revoked. With REDIS_URL set, Redis
// must answer at start-up.
func buildAPI(ctx context.Context, log *slog.Logger, cfg config.Config, db database) (*apiDeps, error) {
	if err := db.MigrateTasks(ctx); err != nil {
		return nil, fmt.Errorf("migrate: %w", err)
	}
	d := &apiDeps{}
	apiLog := log.With("service", "api")
	feedLog := apiLog.With("component", "revocations")
	// Entries live as long as the verifier accepts an expired token.
	list := revocation.NewList(revocation.ListConfig{Leeway: token.DefaultLeeway, Log: feedLog})
	vcfg := token.Config{
		Algorithm: cfg.JWTAlgorithm, Issuer: cfg.JWTIssuer, Audience: cfg.JWTAudience,
		CacheSize: verifierCacheSize, MaxLifetime: cfg.AccessTokenTTL,
	}
	if cfg.JWTAlgorithm == token.HS256 {
		vcfg.Secret = []byte(cfg.JWTSecret)
	} else {
		// The feeds' revoked keys are refused whatever the JWKS cache holds.
		vcfg.Keys = list.Keys(token.NewJWKS(strings.TrimRight(cfg.AuthServerURL, "/")+"/.well-known/jwks.json", token.JWKSOptions{
			// Its own client: no HTTP_PROXY detour to the auth service, and
			// no redirects (the JWKS is fetched from where it was configured).
			Client: &http.Client{
				Transport:     &http.Transport{Proxy: nil, MaxIdleConnsPerHost: 2, IdleConnTimeout: time.Minute},
				CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
				Timeout:       token.DefaultJWKSTimeout,
			},
		}))
	}
	v, err := token.NewVerifier(vcfg)
	if err != nil {
		return nil, err
	}
	svc := tasks.NewService(db.TasksStore(), nil)
	erase := eraser(apiLog.With("component", "erasure"), svc)
	d.poller, err = revocation.NewPoller(list, revocation.PollerConfig{URL: cfg.AuthServerURL, Log: feedLog, Erase: erase})
	if err != nil {
		return nil, fmt.Errorf("AUTH_SERVER_URL: %w", err)
	}
	if cfg.RedisURL != "" {
		d.redis, err = openRedis(ctx, log, cfg.RedisURL) // go-redis logs for the whole process
		if err != nil {
			return nil, err
		}
		d.subscriber = redis.NewSubscriber(d.redis, redis.Channel, list, feedLog).WithEraser(erase)
	}
	reg := metrics.NewRegistry()
	if d.subscriber != nil {
		metrics.RegisterRevocationFeed(reg, d.subscriber.Subscribed, d.subscriber.Fallbacks)
	}
	d.handler = apiserver.NewServer(apiLog, apiserver.Config{
		AuthServerURL:      cfg.AuthServerURL,
		TrustedProxies:     cfg.TrustedProxies,
		CORSAllowedOrigins: cfg.CORSAllowedOrigins,
		PublicURL:          cfg.PublicURL,
		Metrics:            metrics.Handler(reg),
		Instrument:         metrics.HTTP(reg),
		Revoked:            list,
		AdminRequireMFA:    cfg.AdminRequireMFA,
		ProxyTimeout:       proxyTimeout,
	}, svc, v)
	return d, nil
}

// proxyTimeout bounds the API's calls to the auth service; zero is
// apiserver.DefaultProxyTimeout. A variable so that this package's
// in-process tests, where under the race detector a password change's two
// bcrypt hashes take seconds, can give them longer; the binary keeps the
// default.
var proxyTimeout time.Duration

// eraseTimeout bounds one erasure, which the feeds wait for.
const eraseTimeout = 10 * time.Second

// eraser erases the tasks and goals of a user deleted in the auth service,
// as the deletion feeds report them. Every API copy hears of each
// deletion, from Redis and from polling, and the feed repeats recent ones
// for a few seconds: the store records the erasure once, and the repeats
// delete what a request racing the deletion may have written. Only the
// first erasure, and a repeat that found rows, are logged.
func eraser(log *slog.Logger, svc *tasks.Service) func(context.Context, string) error {
	return func(ctx context.Context, userID string) error {
		ctx, cancel := context.WithTimeout(ctx, eraseTimeout)
		defer cancel()
		e, err := svc.EraseUser(ctx, userID)
		if err != nil {
			return err
		}
		if e.Done || e.Tasks+e.Goals > 0 {
			log.Info("erased the data of a deleted user", "user_id", userID, "tasks", e.Tasks, "goals", e.Goals)
		}
		return nil
	}
}
