package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"time"
)

var (
	wrkRate   = regexp.MustCompile(`Requests/sec:\s+([0-9.]+)`)
	wrkStatus = regexp.MustCompile(`(?m)^status (\d+): (\d+)$`)
)

// countStatuses is Lua added to every load: each wrk thread counts the
// answers by status and done() prints the sums, so a failed load says what
// the server answered instead of only "non-2xx".
const countStatuses = `
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init() statuses = {} end
function response(status) statuses[status] = (statuses[status] or 0) + 1 end
function done()
  local sum = {}
  for _, t in ipairs(threads) do
    for code, n in pairs(t:get("statuses")) do sum[code] = (sum[code] or 0) + n end
  end
  for code, n in pairs(sum) do io.write(string.format("status %d: %d\n", code, n)) end
end
`

// load is what one wrk load measured.
type load struct {
	rate    float64 // requests/s
	answers int     // 2xx answers, the requests the rate rests on
}

// wrk loads url with conns connections for d and returns the requests per
// second. A header line and a Lua script (without response or done
// functions, which countStatuses defines) are optional. Any non-2xx answer
// fails the figure: a rate of errors is not a rate of work.
func wrk(ctx context.Context, url, header, lua string, conns int, d time.Duration) (float64, error) {
	l, err := wrkLoad(ctx, url, header, lua, conns, d)
	return l.rate, err
}

// wrkLoad is wrk returning the count of answers with the rate.
func wrkLoad(ctx context.Context, url, header, lua string, conns int, d time.Duration) (load, error) {
	args := []string{"-t2", "-c" + strconv.Itoa(conns), "-d" + strconv.Itoa(int(d.Seconds())) + "s", "--timeout", "10s"}
	if header != "" {
		args = append(args, "-H", header)
	}
	f, err := os.CreateTemp("", "bench-*.lua")
	if err != nil {
		return load{}, err
	}
	defer os.Remove(f.Name())
	_, err = f.WriteString(lua + countStatuses)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return load{}, err
	}
	args = append(args, "-s", f.Name())
	out, err := exec.CommandContext(ctx, "wrk", append(args, url)...).CombinedOutput()
	if err != nil {
		return load{}, fmt.Errorf("wrk %s: %v: %s", url, err, out)
	}
	var (
		bad []string
		l   load
	)
	for _, m := range wrkStatus.FindAllSubmatch(out, -1) {
		if m[1][0] != '2' {
			bad = append(bad, string(m[2])+" × "+string(m[1]))
			continue
		}
		n, _ := strconv.Atoi(string(m[2]))
		l.answers += n
	}
	if len(bad) > 0 {
		return load{}, fmt.Errorf("wrk %s: answers not 2xx: %s", url, strings.Join(bad, ", "))
	}
	m := wrkRate.FindSubmatch(out)
	if m == nil {
		return load{}, fmt.Errorf("wrk %s: no rate in %s", url, out)
	}
	l.rate, err = strconv.ParseFloat(string(m[1]), 64)
	return l, err
}
