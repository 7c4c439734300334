package main

import (
	"fmt"
	"io"
	"time"
)

// Issue 15's figures for GoTrue, from another session: GET /user at
// 1,371/s while a bare net/http server did 40–45k/s on the same machine.
const (
	goTrueUser  = 1371.0
	issue15Bare = 42500.0
)

// figure is one row of an engine's table and, when it has a target, of
// the summary.
type figure struct {
	name, measured, baseline string
	ratio                    float64
	target                   string // "–" when the row has none
	short                    string // its name in the summary ("": not there)
	got                      string // its value there ("": the ratio)
	met                      bool
}

// figures returns the engine's rows, each measured against a baseline of
// the same run unless it says otherwise.
func (r *result) figures() []figure {
	perSec := func(v float64) string { return fmt.Sprintf("%.0f/s", v) }
	est := (r.tasks / r.hello) / (goTrueUser / issue15Bare)
	l := r.login
	harnessBound := float64(l.slots) / ((l.before + l.after) / 2).Seconds()
	cold := median(r.coldStarts)
	return []figure{{
		name:     "`GET /api/tasks?limit=20` (token-checked read) vs GoTrue, raw",
		measured: perSec(r.tasks), baseline: "GoTrue `GET /user` 1,371/s (issue 15's run, not this one)",
		ratio: r.tasks / goTrueUser, target: "≥ 6", short: "tasks vs GoTrue, raw", met: r.tasks/goTrueUser >= 6,
	}, {
		name: "`GET /api/tasks?limit=20` vs GoTrue, **estimate** against issue 15's numbers: " +
			"(tasks ÷ bare net/http, this run) ÷ (1,371 ÷ 42,500, GoTrue ÷ bare net/http there)",
		measured: fmt.Sprintf("%.3f of bare", r.tasks/r.hello), baseline: "GoTrue 0.032 of bare",
		ratio: est, target: "≥ 6", short: "tasks vs GoTrue, estimate", met: est >= 6,
	}, {
		name:     "`GET /api/tasks?limit=20` vs bare net/http (same run)",
		measured: perSec(r.tasks), baseline: perSec(r.hello), ratio: r.tasks / r.hello, target: "–",
	}, {
		name:     "`GET /api/auth/verify-token` vs bare net/http",
		measured: perSec(r.verify), baseline: perSec(r.hello), ratio: r.verify / r.hello,
		target: "≥ 0.8", short: "verify-token vs bare net/http", met: r.verify/r.hello >= 0.8,
	}, {
		name:     "API `GET /health` vs verify-token",
		measured: perSec(r.health), baseline: perSec(r.verify), ratio: r.health / r.verify,
		target: "≥ 0.9", short: "/health vs verify-token", met: r.health/r.verify >= 0.9,
	}, {
		name: fmt.Sprintf("login vs the bcrypt bound: %d slot(s) ÷ one compare on the server's hashing thread "+
			"(%.1f ms of CPU at cost 10, its mean over the flood)", l.slots, ms(l.compare())),
		measured: fmt.Sprintf("%.1f/s (%d logins in %s)", l.load.rate, l.load.answers, r.loginDuration),
		baseline: fmt.Sprintf("%.1f/s", l.bound()), ratio: l.ratio(),
		target: "≥ 0.95", short: "login vs the bcrypt bound", met: l.ratio() >= 0.95,
	}, {
		name:     "login vs slots ÷ a compare timed in the harness (median of 9, before / after the flood)",
		measured: fmt.Sprintf("%.1f/s", l.load.rate),
		baseline: fmt.Sprintf("%.1f/s (%.1f / %.1f ms)", harnessBound, ms(l.before), ms(l.after)),
		ratio:    l.load.rate / harnessBound, target: "–",
	}, {
		name: "RSS idle, after seeding", measured: r.rssIdle.String(), baseline: "GoTrue 36 MB",
		ratio: r.rssIdle.rss / 36, target: "≤ 20 MB", short: "RSS idle", got: fmt.Sprintf("%.1f MB", r.rssIdle.rss), met: r.rssIdle.rss <= 20,
	}, {
		name: "RSS after the loads", measured: r.rssLoaded.String(), baseline: "GoTrue 50 MB",
		ratio: r.rssLoaded.rss / 50, target: "≤ 32 MB", short: "RSS after the loads", got: fmt.Sprintf("%.1f MB", r.rssLoaded.rss),
		met: r.rssLoaded.rss <= 32,
	}, {
		name:     fmt.Sprintf("cold start on existing data to the first 200, min / **median** / max of %d", len(r.coldStarts)),
		measured: fmt.Sprintf("%.0f / **%.0f** / %.0f ms", ms(r.coldStarts[0]), ms(cold), ms(r.coldStarts[len(r.coldStarts)-1])),
		baseline: "GoTrue 68 ms", ratio: ms(cold) / 68, target: "≤ 50 ms",
		short: "cold start (median)", got: fmt.Sprintf("%.0f ms", ms(cold)), met: cold <= 50*time.Millisecond,
	}}
}

// print writes the engine's figures as the table of BENCHMARKS.md, and
// under it what the login flood's hashing slots did.
func (r *result) print(w io.Writer) {
	fmt.Fprintf(w, "## %s\n\n", r.engine)
	fmt.Fprintln(w, "| figure | measured | baseline (same run) | ratio | target |")
	fmt.Fprintln(w, "| --- | ---: | ---: | ---: | ---: |")
	for _, f := range r.figures() {
		fmt.Fprintf(w, "| %s | %s | %s | %.2f | %s |\n", f.name, f.measured, f.baseline, f.ratio, f.target)
	}
	l := r.login
	fmt.Fprintf(w, "\nLogin flood (%d connections, %s): %d logins, %.0f hashes; the slots were held %.0f %% of the time "+
		"(idle slots are the server's loss) and a held slot's thread ran on a core %.0f %% of it "+
		"(%.1f ms of slot per hash for %.1f ms of CPU; the rest it waited for a core).\n\n",
		2*l.slots, r.loginDuration, l.load.answers, l.stats.ops, 100*l.occupancy(),
		100*l.onCore(), 1000*l.stats.held/l.stats.ops, ms(l.compare()))
}

// printSummary writes whether each engine met each target.
func printSummary(w io.Writer, rs []*result) {
	fmt.Fprintln(w, "## Targets met?")
	fmt.Fprintln(w)
	head, rule := "| figure | target |", "| --- | ---: |"
	for _, r := range rs {
		head += " " + r.engine + " |"
		rule += " --- |"
	}
	fmt.Fprintln(w, head)
	fmt.Fprintln(w, rule)
	var rows [][]figure
	for _, r := range rs {
		rows = append(rows, r.figures())
	}
	for i, f := range rows[0] {
		if f.short == "" {
			continue
		}
		line := "| " + f.short + " | " + f.target + " |"
		for _, engine := range rows {
			got := engine[i].got
			if got == "" {
				got = fmt.Sprintf("%.2f", engine[i].ratio)
			}
			line += fmt.Sprintf(" %s (%s) |", yesNo(engine[i].met), got)
		}
		fmt.Fprintln(w, line)
	}
	scale := "| scale rows, large vs seed data | ≥ 0.90 |"
	for _, r := range rs {
		scale += " " + r.scale.summary() + " |"
	}
	fmt.Fprintln(w, scale)
	fmt.Fprintln(w)
}

func yesNo(ok bool) string {
	if ok {
		return "yes"
	}
	return "no"
}
