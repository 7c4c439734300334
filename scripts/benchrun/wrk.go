package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"time"
)

var (
	wrkRate   = regexp.MustCompile(`Requests/sec:\s+([0-9.]+)`)
	wrkNon2xx = regexp.MustCompile(`Non-2xx or 3xx responses:\s+(\d+)`)
)

// wrk loads url with conns connections for d and returns the requests per
// second. A header line and a Lua script are optional. Any non-2xx answer
// fails the figure: a rate of errors is not a rate of work.
func wrk(ctx context.Context, url, header, lua string, conns int, d time.Duration) (float64, error) {
	args := []string{"-t2", "-c" + strconv.Itoa(conns), "-d" + strconv.Itoa(int(d.Seconds())) + "s", "--timeout", "10s"}
	if header != "" {
		args = append(args, "-H", header)
	}
	if lua != "" {
		f, err := os.CreateTemp("", "bench-*.lua")
		if err != nil {
			return 0, err
		}
		defer os.Remove(f.Name())
		if _, err := f.WriteString(lua); err != nil {
			return 0, err
		}
		f.Close()
		args = append(args, "-s", f.Name())
	}
	out, err := exec.CommandContext(ctx, "wrk", append(args, url)...).CombinedOutput()
	if err != nil {
		return 0, fmt.Errorf("wrk %s: %v: %s", url, err, out)
	}
	if m := wrkNon2xx.FindSubmatch(out); m != nil {
		return 0, fmt.Errorf("wrk %s: %s answers were not 2xx", url, m[1])
	}
	m := wrkRate.FindSubmatch(out)
	if m == nil {
		return 0, fmt.Errorf("wrk %s: no rate in %s", url, out)
	}
	return strconv.ParseFloat(string(m[1]), 64)
}
