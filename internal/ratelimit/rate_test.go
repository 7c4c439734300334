package ratelimit

import (
	"net/netip"
	"strings"
	"testing"
	"time"
)

func TestParseRate(t *testing.T) {
	good := map[string]Rate{
		"30/5m":  {30, 5 * time.Minute},
		"150/5m": {150, 5 * time.Minute},
		"3/1h":   {3, time.Hour},
		"1/1s":   {1, time.Second},
		"10/90s": {10, 90 * time.Second},
		"off":    {},
	}
	for s, want := range good {
		got, err := ParseRate(s)
		if err != nil || got != want {
			t.Errorf("ParseRate(%q) = %v, %v; want %v", s, got, err, want)
		}
	}
	bad := map[string]string{
		"":         "want N/DURATION",
		"30":       "want N/DURATION",
		"30/":      "want N/DURATION",
		"30/5":     "want N/DURATION",
		"30/5m/1":  "want N/DURATION",
		"0/5m":     "count of at least 1",
		"-1/5m":    "count of at least 1",
		"x/5m":     "count of at least 1",
		"30/500ms": "whole seconds",
		"30/1.5s":  "whole seconds",
		"30/-5m":   "whole seconds",
		"OFF":      "want N/DURATION",
		" 30/5m":   "count of at least 1",
	}
	for s, want := range bad {
		if r, err := ParseRate(s); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseRate(%q) = %v, %v; want an error containing %q", s, r, err, want)
		}
	}
}

func TestRateString(t *testing.T) {
	for r, want := range map[Rate]string{
		{30, 5 * time.Minute}: "30/5m0s",
		{}:                    "off",
		{5, 0}:                "off",
	} {
		if got := r.String(); got != want {
			t.Errorf("%#v.String() = %q, want %q", r, got, want)
		}
		if back, err := ParseRate(r.String()); err != nil || (back != r && !r.Off()) {
			t.Errorf("ParseRate(%q) = %v, %v; want %v back", r.String(), back, err, r)
		}
	}
}

func TestRatesOf(t *testing.T) {
	rs := DefaultRates()
	want := map[Budget]string{Login: "30/5m0s", Refresh: "150/5m0s", Register: "30/1h0m0s",
		Verify: "30/5m0s", Email: "10/1h0m0s", EmailAddress: "3/1h0m0s"}
	if len(Budgets) != len(want) {
		t.Fatalf("Budgets has %d entries, want %d", len(Budgets), len(want))
	}
	for _, b := range Budgets {
		if got := rs.Of(b).String(); got != want[b] {
			t.Errorf("default %s = %s, want %s", b, got, want[b])
		}
		if !(Rates{}).Of(b).Off() {
			t.Errorf("zero Rates: %s not off", b)
		}
	}
}

func TestIPKey(t *testing.T) {
	for in, want := range map[string]string{
		"192.0.2.7":                  "192.0.2.7",
		"::ffff:192.0.2.7":           "192.0.2.7",
		"2001:db8:1:2:3:4:5:6":       "2001:db8:1:2::/64",
		"2001:db8:1:2:ffff::1":       "2001:db8:1:2::/64",
		"fe80::1%eth0":               "fe80::/64",
		"2001:db8:1:3::1":            "2001:db8:1:3::/64",
		"::1":                        "::/64",
		"2001:0db8:0001:0002:0::abc": "2001:db8:1:2::/64",
	} {
		if got := IPKey(netip.MustParseAddr(in)); got != want {
			t.Errorf("IPKey(%s) = %q, want %q", in, got, want)
		}
	}
}
