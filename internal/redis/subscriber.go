package redis

import (
	"context"
	"encoding/json"
	"log/slog"
	"sync"
	"time"

	"github.com/bizy-auth/bizy/internal/revocation"
	"github.com/redis/go-redis/v9"
)

// badMessageLogEvery limits the warnings about messages that do not parse,
// so a stray publisher cannot flood the log.
const badMessageLogEvery = time.Minute

// Subscriber adds the revocations published on a channel to a
// revocation.List. Create one with NewSubscriber.
type Subscriber struct {
	client  *redis.Client
	channel string
	list    *revocation.List
	log     *slog.Logger
	erase   func(context.Context, string) error // nil: deletions are skipped

	ready     chan struct{}
	readyOnce sync.Once
}

// NewSubscriber returns a Subscriber that reads channel (empty means
// Channel) through c into list, logging to log (nil discards).
func NewSubscriber(c *redis.Client, channel string, list *revocation.List, log *slog.Logger) *Subscriber {
	if channel == "" {
		channel = Channel
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Subscriber{client: c, channel: channel, list: list, log: log, ready: make(chan struct{})}
}

// WithEraser makes s hand each deleted user it hears of to erase, and
// returns s. A failed erasure is logged; the poller of /deletions, which
// hears of the same deletion, tries again. Call it before Run.
func (s *Subscriber) WithEraser(erase func(ctx context.Context, userID string) error) *Subscriber {
	s.erase = erase
	return s
}

// Ready returns a channel closed once Redis has confirmed the subscription
// for the first time; messages published after that reach the List.
func (s *Subscriber) Ready() <-chan struct{} { return s.ready }

// Run subscribes and adds every revocation it receives to the List until
// ctx ends; then it returns nil. While Redis is unreachable, go-redis keeps
// reconnecting and subscribing again (pinging the connection every few
// seconds to notice a silent loss); each new subscription is logged.
// Messages that do not parse are skipped with a warning, at most one a
// minute.
func (s *Subscriber) Run(ctx context.Context) error {
	ps := s.client.Subscribe(ctx, s.channel)
	defer ps.Close()
	ch := ps.ChannelWithSubscriptions()
	var lastWarn time.Time
	subscriptions := 0
	for {
		var m any
		select {
		case <-ctx.Done():
			return nil
		case m = <-ch:
		}
		switch m := m.(type) {
		case *redis.Subscription:
			if m.Kind != "subscribe" {
				continue
			}
			subscriptions++
			if subscriptions > 1 {
				s.log.Info("revocations subscription restored", slog.String("channel", s.channel))
			}
			s.readyOnce.Do(func() { close(s.ready) })
		case *redis.Message:
			var msg message
			err := json.Unmarshal([]byte(m.Payload), &msg)
			switch {
			case err == nil && msg.SID != "" && !msg.ExpiresAt.IsZero():
				s.list.Add(msg.SID, msg.ExpiresAt)
			case err == nil && msg.Kid != "":
				s.list.RevokeKey(msg.Kid)
			case err == nil && msg.DeletedUserID != "":
				if s.erase == nil {
					continue
				}
				if err := s.erase(ctx, msg.DeletedUserID); err != nil {
					s.log.Warn("erasing a deleted user's data failed; the deletions poll tries again",
						slog.String("user_id", msg.DeletedUserID), slog.Any("err", err))
				}
			default:
				if time.Since(lastWarn) >= badMessageLogEvery {
					lastWarn = time.Now()
					s.log.Warn("revocation message skipped: want {sid, expires_at}, {kid} or {deleted_user_id}",
						slog.String("channel", s.channel), slog.Int("bytes", len(m.Payload)))
				}
			}
		}
	}
}
