package web

import (
	"net/http/httptest"
	"net/netip"
	"testing"
)

func TestClientIP(t *testing.T) {
	loopback := []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}
	lb := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}
	for _, tc := range []struct {
		name    string
		remote  string
		xff     []string
		trusted []netip.Prefix
		want    string
	}{
		{"no proxy trusted ignores header", "203.0.113.9:5000", []string{"1.2.3.4"}, nil, "203.0.113.9"},
		{"untrusted peer ignores header", "203.0.113.9:5000", []string{"1.2.3.4"}, loopback, "203.0.113.9"},
		{"trusted peer, one hop", "127.0.0.1:5000", []string{"198.51.100.7"}, loopback, "198.51.100.7"},
		{"client-forged left entry is skipped", "127.0.0.1:5000", []string{"6.6.6.6, 198.51.100.7"}, loopback, "198.51.100.7"},
		{"chain of trusted proxies", "10.0.0.2:1", []string{"198.51.100.7, 10.0.0.9"}, lb, "198.51.100.7"},
		{"several header lines", "10.0.0.2:1", []string{"198.51.100.7", "10.0.0.9"}, lb, "198.51.100.7"},
		{"garbage hop stops the walk", "127.0.0.1:1", []string{"198.51.100.7, nonsense"}, loopback, "127.0.0.1"},
		{"all hops trusted gives the leftmost", "127.0.0.1:1", []string{"127.0.0.2"}, loopback, "127.0.0.2"},
		{"zone in a hop stops the walk", "127.0.0.1:1", []string{"fe80::1%eth0"}, loopback, "127.0.0.1"},
		{"invalid UTF-8 zone stops the walk", "127.0.0.1:1", []string{"fe80::1%\xff\xfe"}, loopback, "127.0.0.1"},
		{"overlong hop stops the walk", "127.0.0.1:1", []string{"0000000000000000000000000000000000000000001.2.3.4"}, loopback, "127.0.0.1"},
		{"zoned peer loses its zone", "[fe80::1%eth0]:80", nil, nil, "fe80::1"},
		{"ipv6 peer", "[::1]:80", []string{"2001:db8::1"}, loopback, "2001:db8::1"},
		{"mapped ipv4 unmapped", "[::ffff:203.0.113.9]:80", nil, nil, "203.0.113.9"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/", nil)
			r.RemoteAddr = tc.remote
			for _, h := range tc.xff {
				r.Header.Add("X-Forwarded-For", h)
			}
			if got := ClientIP(r, tc.trusted).String(); got != tc.want {
				t.Fatalf("ClientIP = %s, want %s", got, tc.want)
			}
		})
	}
}
