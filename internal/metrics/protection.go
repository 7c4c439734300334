package metrics

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/bizy-auth/bizy/internal/auth"
)

// RegisterProtection exports what the auth service's protection does:
// bizy_security_events_total by event type (among them lock, one IP
// locked out of an account; account_locked; unlock_mailed; login_locked,
// an attempt refused by a lock; rate_limited; busy, a request refused by
// the hashing gate), the hashing gate's operations running and waiting
// now, and what its operations cost: how many ran, the slot time they
// took and their threads' CPU time (a slot held well beyond its CPU time
// waited for a core). It observes svc's events from now on, so call it before
// serving.
func RegisterProtection(reg prometheus.Registerer, svc *auth.Service, gate *auth.HashGate) {
	events := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "bizy_security_events_total", Help: "Security events recorded by this process, by type.",
	}, []string{"type"})
	// Refusals start at zero rather than appear at the first one, so a
	// rate() over them works from the start.
	for _, typ := range []string{auth.EventLock, auth.EventAccountLocked, auth.EventUnlockMailed,
		auth.EventLoginLocked, auth.EventRateLimited, auth.EventBusy} {
		events.WithLabelValues(typ)
	}
	svc.ObserveEvents(func(typ string) { events.WithLabelValues(typ).Inc() })
	reg.MustRegister(events,
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "bizy_hash_in_flight",
			Help: "Password hashes (bcrypt) running now (at most HASH_CONCURRENCY)."},
			func() float64 { return float64(gate.InFlight()) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "bizy_hash_waiting",
			Help: "Password hashes waiting for a slot now (at most HASH_QUEUE)."},
			func() float64 { return float64(gate.Waiting()) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "bizy_hash_operations_total",
			Help: "Password hashes and checks (bcrypt) run through the hashing gate."},
			func() float64 { return float64(gate.Stats().Ops) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "bizy_hash_slot_seconds_total",
			Help: "Time hashing slots were held by those operations, from taking a slot to freeing it."},
			func() float64 { return gate.Stats().Held.Seconds() }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "bizy_hash_cpu_seconds_total",
			Help: "CPU time the threads running those operations spent (0 where the OS does not tell)."},
			func() float64 { return gate.Stats().CPU.Seconds() }),
	)
}
