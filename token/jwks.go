package token

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// Defaults for JWKSOptions.
const (
	DefaultMinRefetch  = 5 * time.Second
	DefaultJWKSTimeout = 5 * time.Second
	DefaultJWKSMaxAge  = 5 * time.Minute
	maxJWKSBody        = 1 << 20
)

// JWKSOptions configures NewJWKS. The zero value is usable.
type JWKSOptions struct {
	// Client makes the requests; nil means http.DefaultClient. Each fetch
	// is bounded by Timeout whatever the client's own settings.
	Client *http.Client
	// MinRefetch is the shortest time between two fetches; zero means
	// DefaultMinRefetch. It caps the fetches a flood of tokens with
	// made-up kids can cause, and how often a failing auth service is
	// asked again.
	MinRefetch time.Duration
	// MaxAge is how long a fetched set is trusted: the first lookup after
	// MaxAge has passed since the last successful fetch began fetches the
	// set again (still at most once per MinRefetch), so a key the server
	// has withdrawn stops verifying within about MaxAge. Zero or negative
	// means DefaultJWKSMaxAge.
	MaxAge time.Duration
	// Timeout bounds each fetch; zero means DefaultJWKSTimeout.
	Timeout time.Duration
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// A JWKS is a KeySource backed by a JWK Set URL, typically the auth
// service's /.well-known/jwks.json. It fetches the set on first use, again
// whenever asked for a kid it does not hold, and again on the first lookup
// once the set is older than MaxAge, but never more than once per
// MinRefetch. Concurrent lookups share one fetch.
//
// A successful fetch replaces the whole set, so a key withdrawn by the
// server is no longer trusted after it. A failed fetch keeps the previous
// set, so tokens signed by known keys keep verifying while the auth
// service is down. That is a trade-off: during an outage a withdrawn key
// stays trusted until a fetch succeeds. While the last fetch has failed,
// lookups of a known key do not wait for the next attempt; they answer
// from the old set and the attempt runs in the background.
//
// Generation tells a Verifier when cached tokens must be checked again.
// A JWKS is safe for concurrent use.
type JWKS struct {
	url        string
	client     *http.Client
	minRefetch time.Duration
	maxAge     time.Duration
	timeout    time.Duration
	now        func() time.Time
	gen        atomic.Uint64 // fetches that withdrew or changed a key

	mu        sync.Mutex
	keys      map[string]ed25519.PublicKey
	loadedAt  time.Time // start of the last successful fetch
	fetched   bool      // a fetch has been attempted
	lastFetch time.Time // start of the last attempt
	failing   bool      // the last completed attempt failed
	inflight  *fetchCall
}

type fetchCall struct {
	start time.Time
	done  chan struct{}
	err   error
}

// NewJWKS returns a JWKS reading url. It does no I/O until the first call
// to PublicKey.
func NewJWKS(url string, opts JWKSOptions) *JWKS {
	j := &JWKS{url: url, client: opts.Client, minRefetch: opts.MinRefetch, maxAge: opts.MaxAge, timeout: opts.Timeout, now: opts.Now}
	if j.client == nil {
		j.client = http.DefaultClient
	}
	if j.minRefetch <= 0 {
		j.minRefetch = DefaultMinRefetch
	}
	if j.maxAge <= 0 {
		j.maxAge = DefaultJWKSMaxAge
	}
	if j.timeout <= 0 {
		j.timeout = DefaultJWKSTimeout
	}
	if j.now == nil {
		j.now = time.Now
	}
	return j
}

// Generation returns a counter that grows whenever a fetch removes a kid
// from the set or changes its key. A Verifier re-verifies cached tokens
// whose key set generation has changed since they were cached.
func (j *JWKS) Generation() uint64 { return j.gen.Load() }

// PublicKey returns the Ed25519 key published under kid. It fetches the set
// first if kid is not held or the set is older than MaxAge, provided
// MinRefetch has passed since the last attempt; if that fetch fails, a key
// held from before is still returned. It returns an error wrapping
// ErrUnknownKey if the key is unknown; when a fetch failed, the error wraps
// that failure too. If ctx ends while it waits for a fetch, it returns an
// error wrapping ErrUnknownKey and ctx.Err(); the fetch itself goes on for
// the other callers.
func (j *JWKS) PublicKey(ctx context.Context, kid string) (ed25519.PublicKey, error) {
	j.mu.Lock()
	now := j.now()
	k, known := j.keys[kid]
	if known && now.Sub(j.loadedAt) < j.maxAge {
		j.mu.Unlock()
		return k, nil
	}
	c := j.inflight
	if c == nil && (!j.fetched || now.Sub(j.lastFetch) >= j.minRefetch) {
		c = &fetchCall{start: now, done: make(chan struct{})}
		j.inflight, j.fetched, j.lastFetch = c, true, now
		// The fetch runs apart from ctx so that one caller giving up
		// does not fail the others waiting on it; Timeout bounds it.
		go j.fetch(context.WithoutCancel(ctx), c)
	}
	failing := j.failing
	j.mu.Unlock()

	// Without a fetch to wait for (MinRefetch), or with a known key while
	// the auth service is failing, answer from the set held.
	if c == nil || (known && failing) {
		if known {
			return k, nil
		}
		return nil, fmt.Errorf("%w: kid %q", ErrUnknownKey, kid)
	}
	select {
	case <-c.done:
	case <-ctx.Done():
		return nil, fmt.Errorf("%w: kid %q: %w", ErrUnknownKey, kid, ctx.Err())
	}
	j.mu.Lock()
	k, ok := j.keys[kid]
	j.mu.Unlock()
	if ok {
		return k, nil
	}
	if c.err != nil {
		return nil, fmt.Errorf("%w: kid %q: %w", ErrUnknownKey, kid, c.err)
	}
	return nil, fmt.Errorf("%w: kid %q", ErrUnknownKey, kid)
}

// fetch loads the set, installs it on success and releases the waiters.
func (j *JWKS) fetch(ctx context.Context, c *fetchCall) {
	keys, err := j.load(ctx)
	j.mu.Lock()
	if err == nil {
		if withdrawn(j.keys, keys) {
			j.gen.Add(1)
		}
		j.keys, j.loadedAt = keys, c.start
	}
	c.err, j.failing = err, err != nil
	j.inflight = nil
	j.mu.Unlock()
	close(c.done)
}

// withdrawn reports whether a kid of old is missing from next or names
// another key there.
func withdrawn(old, next map[string]ed25519.PublicKey) bool {
	for kid, k := range old {
		if n, ok := next[kid]; !ok || !n.Equal(k) {
			return true
		}
	}
	return false
}

func (j *JWKS) load(ctx context.Context) (map[string]ed25519.PublicKey, error) {
	ctx, cancel := context.WithTimeout(ctx, j.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, j.url, nil)
	if err != nil {
		return nil, fmt.Errorf("token: jwks: %w", err)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := j.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("token: jwks: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("token: jwks: %s answered %s", j.url, resp.Status)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxJWKSBody+1))
	if err != nil {
		return nil, fmt.Errorf("token: jwks: %w", err)
	}
	if len(body) > maxJWKSBody {
		return nil, errors.New("token: jwks: response larger than 1 MiB")
	}
	var set JWKSet
	if err := json.Unmarshal(body, &set); err != nil {
		return nil, fmt.Errorf("token: jwks: %w", err)
	}
	keys := make(map[string]ed25519.PublicKey, len(set.Keys))
	for _, k := range set.Keys {
		// Keys of other types or uses may share the set; skip them
		// rather than refuse the whole document.
		pub, err := k.Ed25519()
		if err != nil || k.Kid == "" {
			continue
		}
		keys[k.Kid] = pub
	}
	return keys, nil
}
