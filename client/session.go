package client

import (
	"context"
	"errors"
	"sync"
	"time"
)

// Tokens are what a login or a refresh answers: an access token to send as
// "Authorization: Bearer", the refresh token that gets the next one, and
// the user they belong to.
type Tokens struct {
	AccessToken  string
	RefreshToken string        // "" when the caller set only an access token
	ExpiresIn    time.Duration // the access token's lifetime when issued; 0 if unknown
	User         User          // zero when the caller set the tokens
}

// refreshTimeout bounds a refresh that goes on after its caller gave up:
// the server has likely rotated the refresh token already, and dropping its
// answer would leave the session with a dead one.
const refreshTimeout = 30 * time.Second

// session holds the tokens of one Client made by WithTokens. Its methods
// are safe for concurrent use. At most one refresh runs at a time: a
// refresh token works once, and a second use of it revokes the session.
type session struct {
	mu     sync.Mutex
	tokens Tokens
	// turn is held by the one goroutine that may refresh; it is a channel
	// so that a caller whose context ends stops waiting for it.
	turn     chan struct{}
	onTokens func(Tokens)
}

func newSession(t Tokens, onTokens func(Tokens)) *session {
	return &session{tokens: t, turn: make(chan struct{}, 1), onTokens: onTokens}
}

func (s *session) get() Tokens {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.tokens
}

func (s *session) set(t Tokens) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tokens = t
}

// dropRefresh forgets the refresh token rt, which the server refused, so
// that later calls do not try it again.
func (s *session) dropRefresh(rt string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.tokens.RefreshToken == rt {
		s.tokens.RefreshToken = ""
	}
}

// clear forgets every token, after a logout.
func (s *session) clear() { s.set(Tokens{}) }

// errNoRefresh is rotate's answer when the session holds no refresh token.
var errNoRefresh = errors.New("bizy: no refresh token")

// refreshFunc presents a refresh token to the server.
type refreshFunc func(ctx context.Context, refreshToken string) (Tokens, error)

// rotate replaces the held tokens by refreshing them, unless they changed
// since the caller read them: stale is the access token the caller used
// (for a refresh after a 401) or "" to match any, and rt the refresh token
// it means to present ("" for the held one). When another goroutine has
// already rotated them, rotate returns the new tokens without asking the
// server, so concurrent 401s cost one refresh. The refresh itself runs to
// completion even if ctx ends first, and its tokens are kept. A refresh the
// server refuses with 401 drops the refresh token. Without a refresh token
// to present, rotate returns errNoRefresh.
func (s *session) rotate(ctx context.Context, stale, rt string, refresh refreshFunc) (Tokens, error) {
	select {
	case s.turn <- struct{}{}:
	case <-ctx.Done():
		return Tokens{}, ctx.Err()
	}
	cur := s.get()
	switch {
	case cur.RefreshToken == "": // none given, or refused while we waited
		<-s.turn
		return Tokens{}, errNoRefresh
	case (stale != "" && cur.AccessToken != stale) || (rt != "" && cur.RefreshToken != rt):
		<-s.turn
		return cur, nil // rotated while we waited
	}
	type result struct {
		t   Tokens
		err error
	}
	done := make(chan result, 1)
	go func() {
		defer func() { <-s.turn }()
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), refreshTimeout)
		defer cancel()
		t, err := refresh(rctx, cur.RefreshToken)
		switch {
		case err == nil:
			s.set(t)
			if s.onTokens != nil {
				s.onTokens(t) // still our turn, so calls come in rotation order
			}
		case isStatus(err, 401):
			s.dropRefresh(cur.RefreshToken)
		}
		done <- result{t, err}
	}()
	select {
	case r := <-done:
		return r.t, r.err
	case <-ctx.Done():
		return Tokens{}, ctx.Err()
	}
}
