package revocation

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// Defaults for PollerConfig.
const (
	// DefaultInterval is the time between two polls. With the request's
	// own latency it keeps a logout's reach within SPEC's 2 seconds.
	DefaultInterval = time.Second
	// DefaultTimeout bounds one request to /revocations, body included.
	DefaultTimeout = 2 * time.Second
)

const (
	// fullPage is the auth service's page size: a page this long means
	// more may follow at once. A shorter one means caught up; the cursor
	// it carries may still move with every call (the auth service looks a
	// little way back each time), so it is no reason to ask again.
	fullPage = 1000
	// maxPages bounds the pages one Sync reads, so a server whose cursor
	// never settles cannot keep it busy forever; the next Sync goes on.
	maxPages = 1000
	// maxBody bounds a page's body. A full page of 1,000 entries is about
	// 100 KB.
	maxBody = 8 << 20
	// errorLogEvery limits the warnings about failed polls: one for the
	// first failure, then one per period while they go on.
	errorLogEvery = 30 * time.Second
)

// PollerConfig configures a Poller.
type PollerConfig struct {
	// URL is the auth service's base URL, such as http://127.0.0.1:4567;
	// the Poller reads URL/revocations. Required.
	URL string
	// Interval is the time between polls; zero means DefaultInterval.
	Interval time.Duration
	// Timeout bounds each request, body included; zero means
	// DefaultTimeout.
	Timeout time.Duration
	// Client, when set, makes the requests; nil means a client of the
	// Poller's own, which ignores proxy settings from the environment.
	Client *http.Client
	// NewTicker, when set, replaces time.NewTicker: Run calls it once with
	// the Interval, polls once per value received on ticks, and calls
	// stop when it returns. Tests use it to see the interval and to poll
	// without sleeping.
	NewTicker func(d time.Duration) (ticks <-chan time.Time, stop func())
	// Now is the clock that spaces out warnings; nil means time.Now.
	Now func() time.Time
	// Log receives the warnings about failed polls; nil discards them.
	Log *slog.Logger
	// Erase, when set, is called with each deleted user the auth service's
	// GET /deletions reports (polled with /revocations), to erase their
	// data; it must be idempotent, since entries may come again. While it
	// fails, the Poller keeps asking from the entry that failed.
	Erase func(ctx context.Context, userID string) error
}

// Poller keeps a List up to date from the auth service's GET /revocations.
// Create one with NewPoller.
type Poller struct {
	list      *List
	base      string // the auth service's URL, no trailing slash
	erase     func(context.Context, string) error
	interval  time.Duration
	timeout   time.Duration
	client    *http.Client
	newTicker func(time.Duration) (<-chan time.Time, func())
	now       func() time.Time
	log       *slog.Logger

	ready     chan struct{}
	readyOnce sync.Once

	mu       sync.Mutex // serialises Sync; guards the fields below
	cursor   string
	deleted  string // the /deletions cursor
	failures int
	lastWarn time.Time
}

// NewPoller returns a Poller that adds what the auth service at cfg.URL
// reports to list. It fails only when cfg.URL is not an absolute http(s)
// URL.
func NewPoller(list *List, cfg PollerConfig) (*Poller, error) {
	u, err := url.Parse(cfg.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("revocation: bad auth service URL %q", cfg.URL)
	}
	p := &Poller{
		list: list, base: strings.TrimRight(cfg.URL, "/"), erase: cfg.Erase,
		interval: cfg.Interval, timeout: cfg.Timeout, client: cfg.Client, newTicker: cfg.NewTicker,
		now: cfg.Now, log: cfg.Log, ready: make(chan struct{}),
	}
	if p.interval <= 0 {
		p.interval = DefaultInterval
	}
	if p.timeout <= 0 {
		p.timeout = DefaultTimeout
	}
	if p.client == nil {
		p.client = newClient(p.timeout)
	}
	if p.newTicker == nil {
		p.newTicker = func(d time.Duration) (<-chan time.Time, func()) {
			t := time.NewTicker(d)
			return t.C, t.Stop
		}
	}
	if p.now == nil {
		p.now = time.Now
	}
	if p.log == nil {
		p.log = slog.New(slog.DiscardHandler)
	}
	return p, nil
}

// newClient returns the Poller's own client: every phase bounded, no
// redirects, and no proxy, since the auth service is a direct neighbour.
func newClient(timeout time.Duration) *http.Client {
	return &http.Client{
		Timeout: timeout,
		Transport: &http.Transport{
			DialContext:           (&net.Dialer{Timeout: timeout, KeepAlive: 30 * time.Second}).DialContext,
			TLSHandshakeTimeout:   timeout,
			ResponseHeaderTimeout: timeout,
			MaxIdleConnsPerHost:   2,
			IdleConnTimeout:       90 * time.Second,
		},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// Run polls at once, then every Interval (on each tick of the ticker
// cfg.NewTicker makes), until ctx ends; then it returns nil. A failed poll
// is logged, at most once per 30 s while failures go on, and the next one
// starts again from the last cursor: the List keeps what it had, and the
// API keeps serving.
func (p *Poller) Run(ctx context.Context) error {
	ticks, stop := p.newTicker(p.interval)
	defer stop()
	for {
		err := p.Sync(ctx)
		if ctx.Err() != nil {
			return nil
		}
		p.report(err)
		select {
		case <-ctx.Done():
			return nil
		case <-ticks:
		}
	}
}

// Ready returns a channel closed once a Sync has caught up with the auth
// service for the first time. Nothing needs to wait for it: until then the
// List knows only what Redis told it.
func (p *Poller) Ready() <-chan struct{} { return p.ready }

// Sync reads the pages of revocations after the last cursor into the List,
// following next_cursor while pages are full (1,000 entries) and the cursor
// moves.
// On an error it returns it, keeping the entries and cursor of the pages
// already read. Concurrent calls run one after the other.
func (p *Poller) Sync(ctx context.Context) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	err := p.syncRevocations(ctx)
	if p.erase != nil {
		err = errors.Join(err, p.syncDeletions(ctx))
	}
	return err
}

func (p *Poller) syncRevocations(ctx context.Context) error {
	for range maxPages {
		var pg page
		if err := p.fetch(ctx, "/revocations", p.cursor, &pg); err != nil {
			return err
		}
		for _, e := range pg.Revoked {
			p.list.Add(e.SID, e.ExpiresAt)
		}
		for _, kid := range pg.RevokedKeys {
			p.list.RevokeKey(kid)
		}
		moved := pg.NextCursor != "" && pg.NextCursor != p.cursor
		if moved {
			p.cursor = pg.NextCursor
		}
		if len(pg.Revoked) < fullPage || !moved {
			p.readyOnce.Do(func() { close(p.ready) })
			p.list.maybePrune(p.now())
			return nil
		}
	}
	return nil // more to read; the next Sync goes on from the cursor
}

// page is the body of GET /revocations.
type page struct {
	Revoked []struct {
		SID       string    `json:"sid"`
		ExpiresAt time.Time `json:"expires_at"`
	} `json:"revoked"`
	NextCursor  string   `json:"next_cursor"`
	RevokedKeys []string `json:"revoked_keys"`
}

// deletionsPage is the body of GET /deletions.
type deletionsPage struct {
	Deleted []struct {
		UserID string `json:"user_id"`
	} `json:"deleted"`
	NextCursor string `json:"next_cursor"`
}

// syncDeletions reads the pages of deleted users after the last cursor and
// erases each. The cursor moves only past pages wholly erased, so a failed
// erasure is tried again on the next Sync (with the entries before it,
// which Erase finds done).
func (p *Poller) syncDeletions(ctx context.Context) error {
	for range maxPages {
		var pg deletionsPage
		if err := p.fetch(ctx, "/deletions", p.deleted, &pg); err != nil {
			return err
		}
		for _, d := range pg.Deleted {
			if d.UserID == "" {
				continue
			}
			if err := p.erase(ctx, d.UserID); err != nil {
				return fmt.Errorf("erase the data of deleted user %s: %w", d.UserID, err)
			}
		}
		moved := pg.NextCursor != "" && pg.NextCursor != p.deleted
		if moved {
			p.deleted = pg.NextCursor
		}
		if len(pg.Deleted) < fullPage || !moved {
			return nil
		}
	}
	return nil
}

// fetch reads one page of the feed at path after cursor into pg.
func (p *Poller) fetch(ctx context.Context, path, cursor string, pg any) error {
	ctx, cancel := context.WithTimeout(ctx, p.timeout)
	defer cancel()
	u := p.base + path
	if cursor != "" {
		u += "?" + url.Values{"since": {cursor}}.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Accept", "application/json")
	res, err := p.client.Do(req)
	if err != nil {
		return fmt.Errorf("GET %s: %w", path, err)
	}
	defer func() {
		io.Copy(io.Discard, io.LimitReader(res.Body, 64<<10)) // lets the connection be reused
		res.Body.Close()
	}()
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: status %d", path, res.StatusCode)
	}
	if err := json.NewDecoder(io.LimitReader(res.Body, maxBody)).Decode(pg); err != nil {
		return fmt.Errorf("GET %s: decode: %w", path, err)
	}
	return nil
}

// report logs a failed poll, spacing the warnings out while failures go
// on, and logs once when polls work again.
func (p *Poller) report(err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := p.now()
	if err == nil {
		if p.failures > 0 {
			p.log.Info("revocations poll works again", slog.Int("failures", p.failures))
			p.failures = 0
		}
		return
	}
	p.failures++
	if p.failures == 1 || now.Sub(p.lastWarn) >= errorLogEvery {
		p.lastWarn = now
		p.log.Warn("revocations poll failed; logouts reach this copy late until it works",
			slog.Any("err", err), slog.Int("failures", p.failures))
	}
}
