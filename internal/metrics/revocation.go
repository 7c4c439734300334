package metrics

import "github.com/prometheus/client_golang/prometheus"

// RegisterRevocationFeed exports the state of an API copy's Redis
// subscription to revocations (redis.Subscriber's Subscribed and
// Fallbacks), read at each scrape. While it is down, revocations still
// arrive by polling the auth service, only no sooner than the poll.
func RegisterRevocationFeed(reg prometheus.Registerer, subscribed func() bool, fallbacks func() int64) {
	reg.MustRegister(
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "bizy_revocation_redis_subscribed",
			Help: "1 while revocations also arrive through Redis, 0 while by polling the auth service alone.",
		}, func() float64 {
			if subscribed() {
				return 1
			}
			return 0
		}),
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "bizy_revocation_redis_fallbacks_total",
			Help: "Times the Redis subscription to revocations was lost and this copy fell back to polling alone.",
		}, func() float64 { return float64(fallbacks()) }),
	)
}
