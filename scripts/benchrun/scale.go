package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// deepPage is the page size of the deep-page load: the last page of the
// bench user's tasks, at small data the second of its 20 seeded tasks.
const deepPage = 10

// scaleLoad is one load of the scale rows.
type scaleLoad struct {
	name, url, hdr, lua string
	conns               int
	d                   time.Duration
}

// scaleResult holds the scale rows: each load's rate on the seed's data
// and after the generator has added size.
type scaleResult struct {
	size         dataSize
	genTime      time.Duration
	names        []string
	small, large []float64
}

// measureScale loads login, /profile, the first and a deep page of tasks
// and the admin user search on the server's small data, fills its
// PostgreSQL database with size rows, and loads the same again.
func measureScale(ctx context.Context, o options, srv *server, dbURL, tok string) (*scaleResult, error) {
	bearer := "Authorization: Bearer " + tok
	var page struct {
		NextCursor string `json:"next_cursor"`
	}
	if err := getJSON(ctx, srv.api+fmt.Sprintf("/api/tasks?limit=%d", deepPage), tok, &page); err != nil {
		return nil, err
	}
	loads := func(deepCursor string) []scaleLoad {
		return []scaleLoad{
			// Logins as in the login figure: a few a second, so a
			// -login-duration flood to rest on enough of them.
			{"login", srv.api + "/api/auth/login", "", loginLua, 2 * o.hashSlots, o.loginDuration},
			{"`GET /api/auth/profile`", srv.api + "/api/auth/profile", bearer, "", o.conns, o.duration},
			{"`GET /api/tasks?limit=20` (first page)", srv.api + "/api/tasks?limit=20", bearer, "", o.conns, o.duration},
			{fmt.Sprintf("`GET /api/tasks?limit=%d&cursor=…` (last page)", deepPage),
				srv.api + fmt.Sprintf("/api/tasks?limit=%d&cursor=%s", deepPage, deepCursor), bearer, "", o.conns, o.duration},
			{"admin user search `GET /admin/users?q=bench`", srv.auth + "/admin/users?q=bench&limit=20", bearer, "", o.conns, o.duration},
		}
	}
	r := &scaleResult{size: o.scale}
	run := func(ls []scaleLoad) ([]float64, error) {
		var rates []float64
		for _, l := range ls {
			rate, err := wrk(ctx, l.url, l.hdr, l.lua, l.conns, l.d)
			if err != nil {
				return nil, err
			}
			rates = append(rates, rate)
		}
		return rates, nil
	}
	small := loads(page.NextCursor)
	for _, l := range small {
		r.names = append(r.names, l.name)
	}
	var err error
	if r.small, err = run(small); err != nil {
		return nil, err
	}
	start := time.Now()
	deep, err := generate(ctx, dbURL, subject(tok), o.scale, deepPage)
	if err != nil {
		return nil, err
	}
	r.genTime = time.Since(start)
	r.large, err = run(loads(base64.RawURLEncoding.EncodeToString([]byte(deep))))
	return r, err
}

// print writes the scale rows as a table of BENCHMARKS.md.
func (r *scaleResult) print(w io.Writer) {
	fmt.Fprintf(w, "### Scale: seed data vs %d more users and %d more tasks (%d of them the bench user's; generated in %s)\n\n",
		r.size.users, r.size.tasks+r.size.benchTasks, r.size.benchTasks, r.genTime.Round(time.Second))
	fmt.Fprintln(w, "| load | seed data | large data | ratio | target |")
	fmt.Fprintln(w, "| --- | ---: | ---: | ---: | ---: |")
	for i, name := range r.names {
		fmt.Fprintf(w, "| %s | %s | %s | %.2f | ≥ 0.90 |\n", name, rate(r.small[i]), rate(r.large[i]), r.large[i]/r.small[i])
	}
	fmt.Fprintln(w)
}

// subject returns the sub claim of a JWT, unverified: the harness only
// needs the bench user's id, from a token it was just given.
func subject(tok string) string {
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		return ""
	}
	b, _ := base64.RawURLEncoding.DecodeString(parts[1])
	var c struct{ Sub string }
	json.Unmarshal(b, &c)
	return c.Sub
}

func getJSON(ctx context.Context, url, bearer string, into any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+bearer)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s = %s", url, resp.Status)
	}
	return json.NewDecoder(resp.Body).Decode(into)
}

// summary says how many scale rows met their target ("–" without them).
func (r *scaleResult) summary() string {
	if r == nil {
		return "–"
	}
	met := 0
	for i := range r.names {
		if r.large[i]/r.small[i] >= 0.90 {
			met++
		}
	}
	return fmt.Sprintf("%s (%d of %d loads)", yesNo(met == len(r.names)), met, len(r.names))
}

// rate formats requests/s, with a decimal for the few a second of logins.
func rate(v float64) string {
	if v < 100 {
		return fmt.Sprintf("%.1f/s", v)
	}
	return fmt.Sprintf("%.0f/s", v)
}
