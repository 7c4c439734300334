package apiserver

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/bizy-auth/bizy/internal/fault"
	"github.com/bizy-auth/bizy/internal/health"
	"github.com/bizy-auth/bizy/internal/tasks"
	"github.com/bizy-auth/bizy/internal/web"
)

// healthTimeout bounds each health check so a hung database or auth service
// makes the probe answer rather than hang the load balancer.
const healthTimeout = 2 * time.Second

// errAuthUnhealthy reports an auth service that answered its health check
// with something other than 200 and JSON; clients see a 503 coded
// auth_unhealthy.
var errAuthUnhealthy = fault.New(fault.Unavailable, "auth_unhealthy", "the auth service reports it is unhealthy")

// health calls the auth service's /health and returns its JSON body. It
// returns an error wrapping errAuthUnhealthy when the service answered but
// not with 200 and JSON, and a transport error when it did not answer.
func (c *authClient) health(ctx context.Context) (json.RawMessage, error) {
	ctx, cancel := context.WithTimeout(ctx, min(healthTimeout, c.timeout))
	defer cancel()
	req, err := c.newRequest(ctx, http.MethodGet, "/health", "", nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("X-Request-ID", web.RequestIDFromContext(ctx))
	resp, body, err := c.do(req)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK || !json.Valid(body) {
		return nil, fmt.Errorf("%w: status %d", errAuthUnhealthy, resp.StatusCode)
	}
	return body, nil
}

// healthChecks are the API's two dependency checks, each cached for about
// a second and shared by concurrent callers (internal/health), so a flood of
// unauthenticated probes neither loads the database nor reaches the auth
// service more than once a second per copy.
type healthChecks struct {
	db   *health.Cached[struct{}]
	auth *health.Cached[authHealth]
}

// authHealth is what one call to the auth service's /health found.
type authHealth struct {
	body    json.RawMessage
	latency time.Duration
}

func newHealthChecks(svc *tasks.Service, auth *authClient, now func() time.Time) healthChecks {
	return healthChecks{
		db: health.NewCached(func(ctx context.Context) (struct{}, error) {
			return struct{}{}, svc.Ping(ctx)
		}, health.DefaultTTL, healthTimeout, now),
		auth: health.NewCached(func(ctx context.Context) (authHealth, error) {
			start := now()
			body, err := auth.health(ctx)
			return authHealth{body: body, latency: now().Sub(start)}, err
		}, health.DefaultTTL, healthTimeout, now),
	}
}

// handleHealth checks the database and the auth service at once. Only the
// API's own database decides the status code: without the auth service the
// API still serves every request with a valid token, so it is "degraded",
// not down, and a load balancer should keep sending it traffic. An auth
// service that answers but reports itself unhealthy counts as unreachable,
// since proxied calls would fail all the same. With the database down the
// answer is 503 with status "unavailable", as the auth service's is.
func handleHealth(checks healthChecks) web.Handler {
	type response struct {
		Status string            `json:"status"`
		Checks map[string]string `json:"checks"`
	}
	return func(w http.ResponseWriter, r *http.Request) error {
		ctx, cancel := context.WithTimeout(r.Context(), healthTimeout)
		defer cancel()
		var (
			wg             sync.WaitGroup
			dbErr, authErr error
		)
		wg.Go(func() { _, dbErr = checks.db.Do(ctx) })
		wg.Go(func() { _, authErr = checks.auth.Do(ctx) })
		wg.Wait()

		res, code := response{Status: "ok", Checks: map[string]string{"database": "ok", "auth_server": "ok"}}, http.StatusOK
		if authErr != nil {
			res.Status, res.Checks["auth_server"] = "degraded", "unreachable"
		}
		if dbErr != nil {
			res.Status, res.Checks["database"], code = "unavailable", "unreachable", http.StatusServiceUnavailable
		}
		w.Header().Set("Cache-Control", "no-store")
		return web.JSON(w, code, res)
	}
}

// handleAuthServerHealth answers the auth service's own health document and
// how long it took to get it, or a 503 problem when it does not answer
// (code auth_unavailable) or answers that it is unhealthy (auth_unhealthy).
// It shares /health's cached check: the figures are at most a second old.
func handleAuthServerHealth(checks healthChecks) web.Handler {
	type response struct {
		Status     string          `json:"status"`
		AuthServer json.RawMessage `json:"auth_server"`
		LatencyMS  float64         `json:"latency_ms"`
	}
	return func(w http.ResponseWriter, r *http.Request) error {
		res, err := checks.auth.Do(r.Context())
		w.Header().Set("Cache-Control", "no-store")
		switch {
		case errors.Is(err, errAuthUnhealthy):
			web.Logger(r.Context()).WarnContext(r.Context(), "auth service unhealthy", "err", err)
			return err
		case err != nil:
			return authUnavailable(r, err)
		}
		return web.JSON(w, http.StatusOK, response{Status: "ok", AuthServer: res.body,
			LatencyMS: float64(res.latency.Microseconds()) / 1000})
	}
}
