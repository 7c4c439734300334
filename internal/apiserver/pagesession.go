package apiserver

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/bizy-auth/bizy/internal/web"
)

// sessionCookie is the pages' session cookie (pages.SessionCookie), which
// the API reads only to ask the auth service whom it names.
const sessionCookie = "bizy_session"

// Bounds of the page session cache.
const (
	// pageSessionTTL is how long an answer of the auth service about a
	// cookie is reused. A revoked session is still refused within the
	// revocation bound, since every use of a cached answer is checked
	// against the revocation feed by its session id; the TTL only bounds
	// how stale a username, email or role can be, and stays well inside
	// the feed's own memory of a revocation (an access-token lifetime plus
	// the verifier's leeway).
	pageSessionTTL = 10 * time.Second
	// pageSessionCacheMax bounds the cache: past it, expired answers are
	// swept, and if none had expired the cache starts over. That costs
	// auth calls, never a wrong answer.
	pageSessionCacheMax = 10_000
)

// errNoPageSession is a cookie the auth service says names no live session.
var errNoPageSession = errors.New("no live page session")

// identity is who a forward-auth request comes from.
type identity struct {
	SessionID string
	UserID    string
	Username  string
	Email     string
	Admin     bool
	AAL       string
}

// pageSession asks the auth service's GET /page-session whom the cookie
// secret names. It returns errNoPageSession for a 401, and another error
// when the auth service did not answer as it should.
func (c *authClient) pageSession(ctx context.Context, secret string) (identity, time.Time, error) {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	req, err := c.newRequest(ctx, http.MethodGet, "/page-session", "", nil)
	if err != nil {
		return identity{}, time.Time{}, err
	}
	// Only the session cookie goes on: an app's other cookies are its own.
	req.AddCookie(&http.Cookie{Name: sessionCookie, Value: secret})
	req.Header.Set("Accept", "application/json")
	req.Header.Set("X-Request-ID", web.RequestIDFromContext(ctx))
	resp, body, err := c.do(req)
	if err != nil {
		return identity{}, time.Time{}, err
	}
	switch resp.StatusCode {
	case http.StatusOK:
	case http.StatusUnauthorized:
		return identity{}, time.Time{}, errNoPageSession
	default:
		return identity{}, time.Time{}, fmt.Errorf("auth service answered GET /page-session with %d", resp.StatusCode)
	}
	var ans struct {
		SessionID string    `json:"session_id"`
		ExpiresAt time.Time `json:"expires_at"`
		AAL       string    `json:"aal"`
		User      struct {
			ID       string `json:"id"`
			Username string `json:"username"`
			Email    string `json:"email"`
			IsAdmin  bool   `json:"is_admin"`
		} `json:"user"`
	}
	if err := json.Unmarshal(body, &ans); err != nil || ans.SessionID == "" || ans.User.ID == "" {
		return identity{}, time.Time{}, fmt.Errorf("auth service's GET /page-session answer does not parse: %v", err)
	}
	return identity{SessionID: ans.SessionID, UserID: ans.User.ID, Username: ans.User.Username,
		Email: ans.User.Email, Admin: ans.User.IsAdmin, AAL: ans.AAL}, ans.ExpiresAt, nil
}

// pageSessions caches the auth service's answers about session cookies,
// keyed by the cookie's SHA-256 so the cache holds no secret. A refusal is
// cached too: a cookie secret that names no session never comes to name
// one (sign-in makes a new secret). It is safe for concurrent use.
type pageSessions struct {
	lookup func(ctx context.Context, secret string) (identity, time.Time, error)
	now    func() time.Time

	mu sync.Mutex
	m  map[[32]byte]cachedSession
}

type cachedSession struct {
	id    identity
	ok    bool // false: the cookie names no live session
	until time.Time
}

func newPageSessions(c *authClient, now func() time.Time) *pageSessions {
	return &pageSessions{lookup: c.pageSession, now: now, m: map[[32]byte]cachedSession{}}
}

// get returns whom secret names, asking the auth service unless a fresh
// answer is cached. It returns errNoPageSession when the cookie names no
// live session, and another error when the auth service could not say.
func (p *pageSessions) get(ctx context.Context, secret string) (identity, error) {
	key := sha256.Sum256([]byte(secret))
	now := p.now()
	p.mu.Lock()
	e, hit := p.m[key]
	p.mu.Unlock()
	if hit && now.Before(e.until) {
		if !e.ok {
			return identity{}, errNoPageSession
		}
		return e.id, nil
	}
	id, expires, err := p.lookup(ctx, secret)
	switch {
	case errors.Is(err, errNoPageSession):
		p.put(key, cachedSession{until: now.Add(pageSessionTTL)}, now)
		return identity{}, err
	case err != nil:
		return identity{}, err
	}
	until := now.Add(pageSessionTTL)
	if expires.Before(until) {
		until = expires
	}
	p.put(key, cachedSession{id: id, ok: true, until: until}, now)
	return id, nil
}

// forget drops what is cached about secret, once the revocation feed has
// said its session ended.
func (p *pageSessions) forget(secret string) {
	key := sha256.Sum256([]byte(secret))
	p.mu.Lock()
	delete(p.m, key)
	p.mu.Unlock()
}

func (p *pageSessions) put(key [32]byte, e cachedSession, now time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.m) >= pageSessionCacheMax {
		for k, old := range p.m {
			if !now.Before(old.until) {
				delete(p.m, k)
			}
		}
		if len(p.m) >= pageSessionCacheMax {
			clear(p.m)
		}
	}
	p.m[key] = e
}
