package config

import (
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net"
	"net/mail"
	"net/netip"
	"net/url"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/bizy-auth/bizy/internal/seal"
)

// The parsers below return messages without the setting's name; resolve
// prefixes it. Values that may hold credentials (DATABASE_URL, REDIS_URL,
// secrets) are never quoted back.

func parseAddr(v string) (string, error) {
	_, port, err := net.SplitHostPort(v)
	if err != nil {
		return "", fmt.Errorf("invalid address %q", v)
	}
	if _, err := strconv.ParseUint(port, 10, 16); err != nil {
		return "", fmt.Errorf("invalid address %q", v)
	}
	return v, nil
}

// parseLoopbackAddr accepts "" (off) or a host:port whose host is a
// loopback IP or "localhost": profiles show memory contents and timings, so
// they must never be reachable from another machine, whatever the firewall.
func parseLoopbackAddr(v string) (string, error) {
	if v == "" {
		return "", nil
	}
	if _, err := parseAddr(v); err != nil {
		return "", err
	}
	host, _, _ := net.SplitHostPort(v)
	if ip, err := netip.ParseAddr(host); (err != nil || !ip.IsLoopback()) && host != "localhost" {
		return "", fmt.Errorf("must be a loopback address (127.0.0.1:PORT, [::1]:PORT or localhost:PORT), got %q", v)
	}
	return v, nil
}

// parseHTTPURL accepts an absolute http or https URL without query or
// fragment, and trims trailing slashes so callers can append paths.
func parseHTTPURL(v string) (string, error) {
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", fmt.Errorf("want an absolute http or https URL, got %q", v)
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return "", fmt.Errorf("must not have a query or fragment, got %q", v)
	}
	return strings.TrimRight(v, "/"), nil
}

func parseDatabaseURL(v string) (string, error) {
	const want = "want sqlite:PATH or postgres://…"
	switch {
	case v == "":
		return "", nil // resolve derives the SQLite file in DATA_DIR
	case strings.HasPrefix(v, "sqlite:"):
		if v == "sqlite:" {
			return "", errors.New("sqlite: needs a path, as in sqlite:./data/bizy.db")
		}
		return v, nil
	case strings.HasPrefix(v, "postgres://"), strings.HasPrefix(v, "postgresql://"):
		if _, err := url.Parse(v); err != nil {
			return "", errors.New("invalid postgres URL") // the URL may hold a password
		}
		return v, nil
	}
	if u, err := url.Parse(v); err == nil && u.Scheme != "" {
		return "", fmt.Errorf("%s, got scheme %q", want, u.Scheme)
	}
	return "", errors.New(want)
}

func parseRedisURL(v string) (string, error) {
	if v == "" {
		return "", nil
	}
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "redis" && u.Scheme != "rediss") || u.Host == "" {
		return "", errors.New("want redis://HOST[:PORT] or rediss://…") // may hold a password
	}
	return v, nil
}

func parseAlgorithm(v string) (string, error) {
	for _, alg := range []string{"EdDSA", "HS256"} {
		if strings.EqualFold(v, alg) {
			return alg, nil
		}
	}
	return "", fmt.Errorf("must be EdDSA or HS256, got %q", v)
}

// minSecretBytes is the shortest JWT_SECRET accepted: 256 bits for HS256.
const minSecretBytes = 32

func parseJWTSecret(v string) (Secret, error) {
	if v != "" && len(v) < minSecretBytes {
		return "", fmt.Errorf("must be at least %d bytes, got %d", minSecretBytes, len(v))
	}
	return Secret(v), nil
}

// parseEncryptionKey decodes a DB_ENCRYPTION_KEY ("" when unset) to its 32
// raw bytes, held as a Secret. The message never quotes the value.
func parseEncryptionKey(v string) (Secret, error) {
	if v == "" {
		return "", nil
	}
	b, err := seal.ParseKey(v)
	if err != nil {
		return "", err
	}
	return Secret(b), nil
}

// parseEncryptionKeys decodes a comma-separated list of keys, naming a bad
// one by its position only.
func parseEncryptionKeys(v string) ([]Secret, error) {
	var keys []Secret
	for i, part := range strings.Split(v, ",") {
		if strings.TrimSpace(part) == "" {
			continue
		}
		k, err := parseEncryptionKey(part)
		if err != nil {
			return nil, fmt.Errorf("key %d: %w", i+1, err)
		}
		keys = append(keys, k)
	}
	return keys, nil
}

func parseDuration(v string) (time.Duration, error) {
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("must be a positive duration such as 15m or 720h, got %q", v)
	}
	return d, nil
}

// maxReuseInterval bounds REFRESH_REUSE_INTERVAL: within it a copied
// refresh token is answered rather than caught, so it stays short.
const maxReuseInterval = 5 * time.Minute

// parseReuseInterval accepts a duration from 0 (off) to maxReuseInterval.
func parseReuseInterval(v string) (time.Duration, error) {
	d, err := time.ParseDuration(v)
	if err != nil || d < 0 || d > maxReuseInterval {
		return 0, fmt.Errorf("must be a duration from 0 to %s such as 10s, got %q", maxReuseInterval, v)
	}
	return d, nil
}

// parseRetention accepts a positive duration, or 0 for "keep forever".
func parseRetention(v string) (time.Duration, error) {
	if v == "0" {
		return 0, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("must be a positive duration such as 2160h, or 0 to keep forever, got %q", v)
	}
	return d, nil
}

// parseHashConcurrency accepts a count of at least 1; empty means the
// default, one less than the CPUs (at least 1), so a login flood leaves
// a core for everything that does not hash.
func parseHashConcurrency(v string) (int, error) {
	if v == "" {
		return max(1, runtime.NumCPU()-1), nil
	}
	return parseInt(v, 1, noMax)
}

// noMax is parseInt's hi for settings without an upper bound.
const noMax = math.MaxInt

// parseInt accepts a decimal integer in [lo, hi].
func parseInt(v string, lo, hi int) (int, error) {
	n, err := strconv.Atoi(v)
	if err == nil && n >= lo && n <= hi {
		return n, nil
	}
	if hi == noMax {
		return 0, fmt.Errorf("must be an integer of at least %d, got %q", lo, v)
	}
	return 0, fmt.Errorf("must be between %d and %d, got %q", lo, hi, v)
}

func parseBool(v string) (bool, error) {
	b, err := strconv.ParseBool(v)
	if err != nil {
		return false, fmt.Errorf("must be true or false, got %q", v)
	}
	return b, nil
}

func parseNonEmpty(v string) (string, error) {
	if v == "" {
		return "", errors.New("must not be empty")
	}
	return v, nil
}

func parseSMTPTLS(v string) (string, error) {
	switch s := strings.ToLower(v); s {
	case "none", "starttls", "tls":
		return s, nil
	}
	return "", fmt.Errorf("must be none, starttls or tls, got %q", v)
}

func parseMailFrom(v string) (string, error) {
	if _, err := mail.ParseAddress(v); err != nil {
		return "", fmt.Errorf("want an address such as \"Bizy <no-reply@example.com>\", got %q", v)
	}
	return v, nil
}

// list splits a comma-separated value, trimming items and dropping empty
// ones; "" and "none" give an empty list.
func list(v string) []string {
	if v == "none" {
		return nil
	}
	var items []string
	for item := range strings.SplitSeq(v, ",") {
		if item = strings.TrimSpace(item); item != "" {
			items = append(items, item)
		}
	}
	return items
}

// parseProxies accepts CIDRs (host bits are masked off) and bare IPs, which
// become /32 or /128 prefixes. IPv4-mapped IPv6 addresses are unmapped.
func parseProxies(v string) ([]netip.Prefix, error) {
	var prefixes []netip.Prefix
	for _, item := range list(v) {
		if strings.Contains(item, "/") {
			p, err := netip.ParsePrefix(item)
			if err != nil {
				return nil, fmt.Errorf("invalid CIDR %q", item)
			}
			prefixes = append(prefixes, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(item)
		if err != nil || a.Zone() != "" {
			return nil, fmt.Errorf("invalid IP or CIDR %q", item)
		}
		a = a.Unmap()
		prefixes = append(prefixes, netip.PrefixFrom(a, a.BitLen()))
	}
	return prefixes, nil
}

// parseOrigins accepts origins as browsers send them in the Origin header:
// scheme://host[:port], with scheme and host lower-cased.
func parseOrigins(v string) ([]string, error) {
	var origins []string
	for _, item := range list(v) {
		u, err := url.Parse(item)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" ||
			u.User != nil || u.Path != "" || u.RawQuery != "" || u.Fragment != "" || u.ForceQuery {
			return nil, fmt.Errorf("invalid origin %q: want scheme://host[:port] without a path", item)
		}
		origins = append(origins, u.Scheme+"://"+strings.ToLower(u.Host))
	}
	return origins, nil
}

func parseLevel(v string) (slog.Level, error) {
	switch strings.ToLower(v) {
	case "debug":
		return slog.LevelDebug, nil
	case "info":
		return slog.LevelInfo, nil
	case "warn":
		return slog.LevelWarn, nil
	case "error":
		return slog.LevelError, nil
	}
	return 0, fmt.Errorf("must be debug, info, warn or error, got %q", v)
}

func parseLogFormat(v string) (string, error) {
	switch s := strings.ToLower(v); s {
	case "", "text", "json":
		return s, nil
	}
	return "", fmt.Errorf("must be text or json, got %q", v)
}

// parseCookieDomain accepts "" or a domain name (a leading dot is dropped,
// as browsers do), lower-cased.
func parseCookieDomain(v string) (string, error) {
	d := strings.ToLower(strings.TrimPrefix(v, "."))
	if v == "" {
		return "", nil
	}
	for _, label := range strings.Split(d, ".") {
		if label == "" || len(label) > 63 || strings.HasPrefix(label, "-") || strings.HasSuffix(label, "-") ||
			strings.Trim(label, "abcdefghijklmnopqrstuvwxyz0123456789-") != "" {
			return "", fmt.Errorf("want a domain name such as example.com, got %q", v)
		}
	}
	return d, nil
}

// parseRPID accepts a WebAuthn relying party id: a domain name, as
// browsers require (not an IP address, no scheme or port).
func parseRPID(v string) (string, error) {
	if v == "" {
		return "", nil
	}
	v = strings.ToLower(v)
	if net.ParseIP(v) != nil || strings.ContainsAny(v, ":/ ") || strings.Trim(v, ".") != v {
		return "", fmt.Errorf("want a domain name such as example.com (not an IP address, no scheme or port), got %q", v)
	}
	return v, nil
}
