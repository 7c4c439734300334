package metrics

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/bizy-auth/bizy/internal/ratelimit"
)

var (
	rateDeniedDesc = prometheus.NewDesc("bizy_ratelimit_denied_total",
		"Requests refused by a rate-limit budget, by budget.", []string{"budget"}, nil)
	rateFallbacksDesc = prometheus.NewDesc("bizy_ratelimit_redis_fallbacks_total",
		"Times Redis stopped answering and this copy fell back to its own memory budgets.", nil, nil)
	rateRedisDesc = prometheus.NewDesc("bizy_ratelimit_redis_in_use",
		"1 while the rate-limit budgets live in Redis (shared by every copy), 0 while in this process's memory.", nil, nil)
	rateKeysDesc = prometheus.NewDesc("bizy_ratelimit_memory_keys",
		"Rate-limit keys held in this process's memory.", nil, nil)
	rateEvictedDesc = prometheus.NewDesc("bizy_ratelimit_memory_evicted_total",
		"Rate-limit keys dropped at the memory cap before their budget was whole again.", nil, nil)
)

// RegisterRateLimit exports a limiter's Stats (ratelimit.Memory.Stats or
// ratelimit.Redis.Stats), read once at each scrape.
func RegisterRateLimit(reg prometheus.Registerer, stats func() ratelimit.Stats) {
	reg.MustRegister(rateLimitCollector(stats))
}

type rateLimitCollector func() ratelimit.Stats

func (c rateLimitCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{rateDeniedDesc, rateFallbacksDesc, rateRedisDesc, rateKeysDesc, rateEvictedDesc} {
		ch <- d
	}
}

func (c rateLimitCollector) Collect(ch chan<- prometheus.Metric) {
	st := c()
	for _, b := range ratelimit.Budgets {
		ch <- prometheus.MustNewConstMetric(rateDeniedDesc, prometheus.CounterValue, float64(st.Denied[b]), string(b))
	}
	inUse := 0.0
	if st.UsingRedis {
		inUse = 1
	}
	ch <- prometheus.MustNewConstMetric(rateFallbacksDesc, prometheus.CounterValue, float64(st.Fallbacks))
	ch <- prometheus.MustNewConstMetric(rateRedisDesc, prometheus.GaugeValue, inUse)
	ch <- prometheus.MustNewConstMetric(rateKeysDesc, prometheus.GaugeValue, float64(st.Keys))
	ch <- prometheus.MustNewConstMetric(rateEvictedDesc, prometheus.CounterValue, float64(st.Evicted))
}
