package postgres

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"
	"unicode"
)

// The admin user search (ListUsers with a query) has two good plans, and
// which one depends on how many users contain the term: a term many
// contain is found by walking users_pkey newest first until a page is
// full (a few rows); a rare one through the trigram indexes of migration
// 0060, its matches sorted. Left to choose with the term in view,
// PostgreSQL plans the query afresh on every request (a custom plan: the
// term's selectivity, read off the columns' histograms, decides), which at
// a million users cost more than running it: 0.13 ms of planning beside
// 0.04 ms of execution, and half the backend's CPU for the request
// (BENCHMARKS.md, "Admin search at scale").
//
// So on a table past smallTableRows the store makes that one decision
// itself, from the same histograms (pg_stats, cached for searchStatsTTL),
// and sends one of two statements whose plan does not depend on the term:
// the term, the limit and the cursor reach the plan only as run-time
// values, through one-row subqueries the planner cannot look into, so
// PostgreSQL keeps one generic plan per statement and connection and plans
// no more per request.

// searchStatsTTL is how long the store trusts the statistics it read; as
// autovacuum's ANALYZE keeps them current, a minute's lag matters only to
// a table that changes shape within the minute.
const searchStatsTTL = time.Minute

// smallTableRows is the table size below which the store leaves the
// choice to the planner, with the term in view, as before: on a small
// table PostgreSQL soon settles on one cheap plan (walking users_pkey)
// whatever the term, and the one-row subqueries would only add work.
const smallTableRows = 1000

// searchPlan is the statement a search is sent as.
type searchPlan int

const (
	planByPlanner searchPlan = iota // the term in view; for small tables
	planWalk                        // users_pkey backwards, whatever the term
	planTrigram                     // the trigram indexes, matches sorted
)

// searchStats is what the store knows of users for choosing a plan.
type searchStats struct {
	read    time.Time
	trigram bool       // both trigram indexes exist
	rows    float64    // pg_class.reltuples: -1 before the first ANALYZE
	hists   [][]string // histogram_bounds of username_lower and of email
}

// searchStatsCache holds the last searchStats read; its zero value is
// ready to use, and it is safe for concurrent use.
type searchStatsCache struct {
	mu         sync.Mutex
	stats      *searchStats
	refreshing bool // a search is rereading stale statistics
	// forceTrigram, set only by tests, sends every search with a term of
	// trigrams through the trigram indexes whatever its frequency.
	forceTrigram bool
}

// get returns the statistics, reading them through q the first time and
// when they are older than searchStatsTTL. While one search rereads them,
// the others go on with the stale ones rather than wait.
func (c *searchStatsCache) get(ctx context.Context, q querier, now time.Time) (*searchStats, error) {
	c.mu.Lock()
	st := c.stats
	if st != nil && (now.Sub(st.read) < searchStatsTTL || c.refreshing) {
		c.mu.Unlock()
		return st, nil
	}
	if st != nil {
		c.refreshing = true
		c.mu.Unlock()
		defer func() {
			c.mu.Lock()
			c.refreshing = false
			c.mu.Unlock()
		}()
	} else {
		// The first read: every search waits for it.
		defer c.mu.Unlock()
	}
	fresh, err := readSearchStats(ctx, q, now)
	if err != nil {
		return nil, err
	}
	if st != nil {
		c.mu.Lock()
		defer c.mu.Unlock()
	}
	c.stats = fresh
	return fresh, nil
}

// readSearchStats reads users' size, trigram indexes and histograms.
func readSearchStats(ctx context.Context, q querier, now time.Time) (*searchStats, error) {
	st := &searchStats{read: now}
	// 'users'::regclass resolves through the search_path, as every query
	// of the store does. A histogram is NULL before the first ANALYZE.
	var user, email []string
	err := q.QueryRow(ctx, `SELECT c.reltuples,
			(SELECT count(*) FROM pg_index i JOIN pg_class x ON x.oid = i.indexrelid
			 WHERE i.indrelid = c.oid AND x.relname IN ('users_username_lower_trgm', 'users_email_trgm')) = 2,
			(SELECT s.histogram_bounds::text::text[] FROM pg_stats s
			 WHERE s.schemaname = n.nspname AND s.tablename = c.relname AND s.attname = 'username_lower' AND NOT s.inherited),
			(SELECT s.histogram_bounds::text::text[] FROM pg_stats s
			 WHERE s.schemaname = n.nspname AND s.tablename = c.relname AND s.attname = 'email' AND NOT s.inherited)
		FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE c.oid = 'users'::regclass`).Scan(&st.rows, &st.trigram, &user, &email)
	if err != nil {
		return nil, fmt.Errorf("postgres: user search statistics: %w", err)
	}
	st.hists = [][]string{user, email}
	return st, nil
}

// plan returns the statement for a search of term (lower-cased, not
// escaped). On a table of smallTableRows or more (or with force, set by
// tests) it is the trigram statement when the indexes exist, pg_trgm can
// draw a trigram from the term, and no histogram bound contains the term,
// so that under 1% of users do (the planner's own reading of a histogram
// of 100 buckets) and a walk would read thousands of rows to fill a page;
// otherwise the walk.
func (st *searchStats) plan(term string, force bool) searchPlan {
	if st.rows < smallTableRows && !force {
		return planByPlanner
	}
	if !st.trigram || !hasTrigram(term) {
		return planWalk
	}
	if force {
		return planTrigram
	}
	for _, h := range st.hists {
		for _, b := range h {
			if strings.Contains(b, term) {
				return planWalk
			}
		}
	}
	return planTrigram
}

// hasTrigram reports whether pg_trgm draws at least one trigram from the
// pattern %term%. It splits the term into words of letters and digits;
// a word gets two blanks before it and one after where a character that
// is not a letter or digit bounds it (not where the wildcard does), and
// yields trigrams when that makes three characters or more. Without a
// trigram the index would be read whole, so such terms ("ab", "@.") walk.
func hasTrigram(term string) bool {
	rs := []rune(term)
	isWord := func(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }
	for i := 0; i < len(rs); {
		if !isWord(rs[i]) {
			i++
			continue
		}
		j := i
		for j < len(rs) && isWord(rs[j]) {
			j++
		}
		n := j - i
		if i > 0 {
			n += 2
		}
		if j < len(rs) {
			n++
		}
		if n >= 3 {
			return true
		}
		i = j
	}
	return false
}

// searchSQL returns the statement of plan p for a search page, with the
// pattern as $1, the number of rows as $2 and, when after, the cursor as
// $3. Outside planByPlanner the three reach the plan through one-row
// subqueries. The walk compares with COLLATE "C", which keeps LIKE's
// answer (LIKE compares characters under any deterministic collation) but
// keeps the trigram indexes, built under the column's collation, out of
// its plan: it always reads users_pkey backwards. The trigram statement
// selects the matches in a subquery without order (OFFSET 0 keeps the
// planner from merging it into the outer query, where walking users_pkey
// would serve the ORDER BY), so they are read through the indexes and only
// the page is sorted.
func searchSQL(p searchPlan, after bool) string {
	pattern, limit, cursor := `(SELECT $1::text)`, `(SELECT $2::int)`, `(SELECT $3::text)`
	if p == planByPlanner {
		pattern, limit, cursor = `$1`, `$2`, `$3`
	}
	var b strings.Builder
	b.WriteString(`SELECT ` + userColumns + ` FROM `)
	switch p {
	case planTrigram:
		b.WriteString(`(SELECT ` + userColumns + ` FROM users
			WHERE (username_lower LIKE ` + pattern + ` ESCAPE '\' OR email LIKE ` + pattern + ` ESCAPE '\')`)
	case planWalk:
		b.WriteString(`users
			WHERE (username_lower COLLATE "C" LIKE ` + pattern + ` ESCAPE '\'
				OR email COLLATE "C" LIKE ` + pattern + ` ESCAPE '\')`)
	default:
		b.WriteString(`users
			WHERE (username_lower LIKE ` + pattern + ` ESCAPE '\' OR email LIKE ` + pattern + ` ESCAPE '\')`)
	}
	if after {
		b.WriteString(` AND id < ` + cursor)
	}
	if p == planTrigram {
		b.WriteString(` OFFSET 0) matches`)
	}
	// id compares byte-wise (COLLATE "C"), as on SQLite.
	b.WriteString(` ORDER BY id DESC LIMIT ` + limit)
	return b.String()
}
