package redis

import (
	"context"
	"encoding/json"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/bizy-auth/bizy/internal/revocation"
	"github.com/redis/go-redis/v9"
)

// badMessageLogEvery limits the warnings about messages that do not parse,
// so a stray publisher cannot flood the log.
const badMessageLogEvery = time.Minute

// DefaultCheckEvery is how often a Subscriber pings Redis to notice it is
// gone: go-redis reconnects a lost subscription quietly, and this copy
// should say (and count) that revocations reach it by polling alone.
const DefaultCheckEvery = time.Second

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

	// CheckEvery is the interval of the pings that notice Redis gone;
	// zero means DefaultCheckEvery. Set it before Run.
	CheckEvery time.Duration

	subscribed atomic.Bool
	fallbacks  atomic.Int64
}

// Subscribed reports whether the subscription is in place: false before
// the first one and from when Redis stops answering until go-redis has
// subscribed again. Meanwhile the API learns of revocations by polling.
func (s *Subscriber) Subscribed() bool { return s.subscribed.Load() }

// Fallbacks is how many times the subscription was lost: each time, this
// copy fell back to polling the auth service alone.
func (s *Subscriber) Fallbacks() int64 { return s.fallbacks.Load() }

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
// minute. A ping every CheckEvery notices Redis gone; the loss and the
// return are each logged once.
func (s *Subscriber) Run(ctx context.Context) error {
	ps := s.client.Subscribe(ctx, s.channel)
	defer ps.Close()
	wctx, stopWatch := context.WithCancel(ctx)
	defer stopWatch()
	go s.watch(wctx, ps)
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
			if !s.subscribed.Swap(true) && subscriptions > 1 {
				s.log.Info("Redis answers again: revocations subscription restored", slog.String("channel", s.channel))
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

// watch pings Redis on ps every CheckEvery until ctx ends; the first failed ping
// while subscribed marks the subscription lost, until go-redis subscribes
// again (Run sees the confirmation). A ping that works while the
// subscription is marked lost subscribes again on ps: a no-op for Redis
// when ps is still subscribed (a slow ping on a busy machine), whose
// confirmation marks the subscription restored; without it a subscription
// that never broke would stay marked lost.
func (s *Subscriber) watch(ctx context.Context, ps *redis.PubSub) {
	every := s.CheckEvery
	if every <= 0 {
		every = DefaultCheckEvery
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		pctx, cancel := context.WithTimeout(ctx, every)
		// On the subscription's own connection: what matters is whether
		// it delivers, not whether another connection could be opened
		// (go-redis's pool keeps refusing for up to a second after a
		// failed dial, while the subscription may be back already).
		err := ps.Ping(pctx)
		cancel()
		if err != nil && ctx.Err() == nil && s.subscribed.CompareAndSwap(true, false) {
			s.fallbacks.Add(1)
			s.log.Warn("Redis does not answer: revocations reach this copy by polling the auth service alone until it does",
				slog.String("channel", s.channel), slog.String("err", err.Error()))
		}
		if err == nil && !s.subscribed.Load() {
			sctx, cancel := context.WithTimeout(ctx, every)
			_ = ps.Subscribe(sctx, s.channel) // a failure is the next ping's to see
			cancel()
		}
	}
}
