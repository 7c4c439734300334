// Package metrics exposes Bizy's Prometheus metrics: HTTP requests per
// route and status, the mail outbox, and the rate limiter (refusals per
// budget, Redis in use or fallen back). Each service gets its own
// registry, served at GET /metrics.
package metrics

import (
	"context"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/bizy-auth/bizy/internal/auth"
	"github.com/bizy-auth/bizy/internal/mail"
)

// NewRegistry returns a registry with the Go runtime and process collectors.
func NewRegistry() *prometheus.Registry {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return reg
}

// Handler serves reg in the Prometheus text format.
func Handler(reg *prometheus.Registry) http.Handler {
	return promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg})
}

// HTTP returns middleware that counts requests and times them by route
// pattern (never the raw path, so ids don't explode the label set), method
// and status. It must wrap the ServeMux directly or from outside, so the
// route pattern is known once the request has been served.
func HTTP(reg prometheus.Registerer) func(http.Handler) http.Handler {
	requests := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "bizy_http_requests_total", Help: "HTTP requests answered, by route, method and status.",
	}, []string{"route", "method", "status"})
	duration := prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "bizy_http_request_duration_seconds", Help: "Time to answer HTTP requests, by route and method.",
		Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
	}, []string{"route", "method"})
	reg.MustRegister(requests, duration)
	var series sync.Map // seriesKey → *seriesPair
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			start := time.Now()
			rec := &statusWriter{ResponseWriter: w, status: http.StatusOK}
			next.ServeHTTP(rec, r)
			route := r.Pattern
			if route == "" {
				route = "unmatched"
			}
			// A method outside the standard ones is any token a client
			// likes: labelled as it came, each would make series of its
			// own, without bound. They are counted together as "other".
			method := r.Method
			if !standardMethod(method) {
				method = "other"
			}
			// The series of a route, method and status are looked up by
			// label values (hashing them, a lock, strconv) once and kept:
			// there are as many as routes × methods × statuses answered,
			// all chosen by the server.
			key := seriesKey{route, method, rec.status}
			var p *seriesPair
			if v, ok := series.Load(key); ok {
				p = v.(*seriesPair)
			} else {
				p = &seriesPair{
					requests: requests.WithLabelValues(route, method, strconv.Itoa(rec.status)),
					duration: duration.WithLabelValues(route, method),
				}
				series.Store(key, p)
			}
			p.requests.Inc()
			p.duration.Observe(time.Since(start).Seconds())
		})
	}
}

// seriesKey names the series HTTP updates for one request.
type seriesKey struct {
	route, method string
	status        int
}

// seriesPair is the request counter and duration histogram of a seriesKey.
type seriesPair struct {
	requests prometheus.Counter
	duration prometheus.Observer
}

// standardMethod reports whether m is one of the methods of RFC 9110.
func standardMethod(m string) bool {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodOptions, http.MethodConnect, http.MethodTrace:
		return true
	}
	return false
}

type statusWriter struct {
	http.ResponseWriter
	status  int
	written bool
}

func (s *statusWriter) WriteHeader(code int) {
	if !s.written {
		s.status, s.written = code, true
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusWriter) Write(b []byte) (int, error) {
	s.written = true
	return s.ResponseWriter.Write(b)
}

func (s *statusWriter) Unwrap() http.ResponseWriter { return s.ResponseWriter }

// outboxTimeout bounds the outbox query a scrape makes.
const outboxTimeout = 2 * time.Second

// RegisterMail exports the mail worker's counters and the outbox's current
// size. The outbox is read at each scrape; on error its gauges are left out
// of that scrape and the error is logged.
func RegisterMail(reg prometheus.Registerer, log *slog.Logger, w *mail.Worker, ob auth.Outbox) {
	count := func(name, help string, f func(mail.Counts) uint64) prometheus.Collector {
		return prometheus.NewCounterFunc(prometheus.CounterOpts{Name: name, Help: help},
			func() float64 { return float64(f(w.Counts())) })
	}
	reg.MustRegister(
		count("bizy_mail_sent_total", "Messages this process's mail worker delivered.", func(c mail.Counts) uint64 { return c.Sent }),
		count("bizy_mail_retried_total", "Failed deliveries scheduled for another try.", func(c mail.Counts) uint64 { return c.Retried }),
		count("bizy_mail_parked_total", "Messages this worker gave up on (parked).", func(c mail.Counts) uint64 { return c.Parked }),
		count("bizy_mail_outbox_errors_total", "Outbox claims or updates that failed.", func(c mail.Counts) uint64 { return c.OutboxErrors }),
		&outboxCollector{log: log, ob: ob},
	)
}

var (
	pendingDesc = prometheus.NewDesc("bizy_mail_outbox_pending", "Messages in the outbox not yet sent nor parked.", nil, nil)
	parkedDesc  = prometheus.NewDesc("bizy_mail_outbox_parked", "Messages parked in the outbox after too many failures.", nil, nil)
)

// outboxCollector reads the outbox at scrape time, so every copy of the
// service reports the shared table's real state.
type outboxCollector struct {
	log *slog.Logger
	ob  auth.Outbox
}

func (c *outboxCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- pendingDesc
	ch <- parkedDesc
}

func (c *outboxCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), outboxTimeout)
	defer cancel()
	st, err := c.ob.Stats(ctx)
	if err != nil {
		c.log.Warn("metrics: read outbox", "err", err)
		return
	}
	ch <- prometheus.MustNewConstMetric(pendingDesc, prometheus.GaugeValue, float64(st.Pending))
	ch <- prometheus.MustNewConstMetric(parkedDesc, prometheus.GaugeValue, float64(st.Parked))
}

// RegisterEvents exports how many security events the auth service could
// not store (bizy_security_event_write_failures_total); failures is read at
// each scrape, e.g. (*auth.Service).EventWriteFailures. A lost audit row is
// logged too, but an alert on this counter is how an operator learns of it.
func RegisterEvents(reg prometheus.Registerer, failures func() uint64) {
	reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{
		Name: "bizy_security_event_write_failures_total",
		Help: "Security events the auth service could not store (each also logged at error level).",
	}, func() float64 { return float64(failures()) }))
}

// RegisterBackground exports how many background jobs (the lookup and
// mail of forgot-password and resend-verification) the auth service
// dropped because its queue was full (bizy_background_jobs_dropped_total);
// dropped is read at each scrape, e.g. (*auth.Service).BackgroundDropped.
func RegisterBackground(reg prometheus.Registerer, dropped func() uint64) {
	reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{
		Name: "bizy_background_jobs_dropped_total",
		Help: "Forgot-password and resend-verification jobs dropped because the background queue was full.",
	}, func() float64 { return float64(dropped()) }))
}
