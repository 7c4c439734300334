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
	"time"
)

// Defaults for JWKSOptions.
const (
	DefaultMinRefetch  = 5 * time.Second
	DefaultJWKSTimeout = 5 * time.Second
	maxJWKSBody        = 1 << 20
)

// JWKSOptions configures NewJWKS. The zero value is usable.
type JWKSOptions struct {
	// Client makes the requests; nil means http.DefaultClient. Each fetch
	// is bounded by Timeout whatever the client's own settings.
	Client *http.Client
	// MinRefetch is the shortest time between two fetches; zero means
	// DefaultMinRefetch. It caps the fetches a flood of tokens with
	// made-up kids can cause.
	MinRefetch time.Duration
	// Timeout bounds each fetch; zero means DefaultJWKSTimeout.
	Timeout time.Duration
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// A JWKS is a KeySource backed by a JWK Set URL, typically the auth
// service's /.well-known/jwks.json. It fetches the set on first use and
// again whenever asked for a kid it does not hold, but never more than once
// per MinRefetch; a fetch replaces the whole set, so keys withdrawn by the
// server disappear at the next fetch. Concurrent misses share one fetch. A
// failed fetch keeps the previous keys, so tokens signed by known keys keep
// verifying while the server is down. A JWKS is safe for concurrent use.
type JWKS struct {
	url        string
	client     *http.Client
	minRefetch time.Duration
	timeout    time.Duration
	now        func() time.Time

	mu        sync.Mutex
	keys      map[string]ed25519.PublicKey
	fetched   bool      // a fetch has been attempted
	lastFetch time.Time // start of the last attempt
	inflight  *fetchCall
}

type fetchCall struct {
	done chan struct{}
	err  error
}

// NewJWKS returns a JWKS reading url. It does no I/O until the first call
// to PublicKey.
func NewJWKS(url string, opts JWKSOptions) *JWKS {
	j := &JWKS{url: url, client: opts.Client, minRefetch: opts.MinRefetch, timeout: opts.Timeout, now: opts.Now}
	if j.client == nil {
		j.client = http.DefaultClient
	}
	if j.minRefetch <= 0 {
		j.minRefetch = DefaultMinRefetch
	}
	if j.timeout <= 0 {
		j.timeout = DefaultJWKSTimeout
	}
	if j.now == nil {
		j.now = time.Now
	}
	return j
}

// PublicKey returns the Ed25519 key published under kid, fetching the set
// if kid is not held and MinRefetch has passed since the last fetch. It
// returns an error wrapping ErrUnknownKey if the key is still unknown; when
// a fetch failed, the error wraps that failure too. If ctx ends while it
// waits for a fetch, it returns an error wrapping ErrUnknownKey and ctx.Err();
// the fetch itself goes on for the other callers.
func (j *JWKS) PublicKey(ctx context.Context, kid string) (ed25519.PublicKey, error) {
	j.mu.Lock()
	if k, ok := j.keys[kid]; ok {
		j.mu.Unlock()
		return k, nil
	}
	c := j.inflight
	if c == nil {
		if j.fetched && j.now().Sub(j.lastFetch) < j.minRefetch {
			j.mu.Unlock()
			return nil, fmt.Errorf("%w: kid %q", ErrUnknownKey, kid)
		}
		c = &fetchCall{done: make(chan struct{})}
		j.inflight, j.fetched, j.lastFetch = c, true, j.now()
		// The fetch runs apart from ctx so that one caller giving up
		// does not fail the others waiting on it; Timeout bounds it.
		go j.fetch(context.WithoutCancel(ctx), c)
	}
	j.mu.Unlock()

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
		j.keys = keys
	}
	c.err = err
	j.inflight = nil
	j.mu.Unlock()
	close(c.done)
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
