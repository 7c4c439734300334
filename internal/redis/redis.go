// Package redis is Bizy's Redis adapter: it opens the client named by
// REDIS_URL and carries session revocations between the auth service and
// the API copies over publish/subscribe.
//
// Publish/subscribe is fire-and-forget: a message sent while a subscriber
// is disconnected is lost to it. That is acceptable because it only speeds
// revocations up; every API copy also polls the auth service's
// /revocations (revocation.Poller), which catches whatever Redis missed.
package redis

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// Channel is the publish/subscribe channel of revocations. Each message is
// a JSON object: {"sid": "…", "expires_at": "RFC 3339"} for a session,
// {"kid": "…"} for a revoked signing key, or {"deleted_user_id": "…"} for
// a deleted user whose data the API erases.
const Channel = "bizy:revocations"

// openTimeout bounds the ping with which Open checks the server.
const openTimeout = 5 * time.Second

// Open connects to the Redis server at url (redis:// or rediss://, parsed
// by redis.ParseURL) and checks it answers a PING within 5 s. The error
// never repeats url, which may hold a password. The caller must close the
// client; it is safe for concurrent use.
func Open(ctx context.Context, url string) (*redis.Client, error) {
	opt, err := redis.ParseURL(url)
	if err != nil {
		return nil, errors.New("redis: invalid REDIS_URL")
	}
	c := redis.NewClient(opt)
	ctx, cancel := context.WithTimeout(ctx, openTimeout)
	defer cancel()
	if err := c.Ping(ctx).Err(); err != nil {
		c.Close()
		return nil, fmt.Errorf("redis: ping %s: %w", opt.Addr, err)
	}
	return c, nil
}

// message is the JSON form of one revocation on Channel: a session (SID
// and ExpiresAt) or a signing key (Kid).
type message struct {
	SID       string    `json:"sid,omitempty"`
	ExpiresAt time.Time `json:"expires_at,omitzero"`
	Kid       string    `json:"kid,omitempty"`
	// DeletedUserID is a user deleted in the auth service.
	DeletedUserID string `json:"deleted_user_id,omitempty"`
}

// Publisher announces session revocations on a channel. It is safe for
// concurrent use.
type Publisher struct {
	client  *redis.Client
	channel string
}

// NewPublisher returns a Publisher that sends on channel through c; an
// empty channel means Channel.
func NewPublisher(c *redis.Client, channel string) *Publisher {
	if channel == "" {
		channel = Channel
	}
	return &Publisher{client: c, channel: channel}
}

// Publish announces that session sid is revoked and that its access tokens
// all expire by expiresAt. It returns Redis's error, if any; subscribers
// that miss the message learn of the revocation by polling instead.
func (p *Publisher) Publish(ctx context.Context, sid string, expiresAt time.Time) error {
	return p.publish(ctx, message{SID: sid, ExpiresAt: expiresAt.UTC()})
}

// PublishKey announces that the signing key kid is revoked. Subscribers
// that miss the message learn of it by polling instead.
func (p *Publisher) PublishKey(ctx context.Context, kid string) error {
	return p.publish(ctx, message{Kid: kid})
}

// PublishUserDeleted announces that user userID was deleted. Subscribers
// that miss the message learn of it by polling /deletions instead.
func (p *Publisher) PublishUserDeleted(ctx context.Context, userID string) error {
	return p.publish(ctx, message{DeletedUserID: userID})
}

func (p *Publisher) publish(ctx context.Context, m message) error {
	b, err := json.Marshal(m)
	if err != nil {
		return err
	}
	if err := p.client.Publish(ctx, p.channel, b).Err(); err != nil {
		return fmt.Errorf("redis: publish revocation: %w", err)
	}
	return nil
}
