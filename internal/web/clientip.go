package web

import (
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// maxAddrLen bounds the text of one forwarded address: the longest plain
// IPv6 form ("ffff:…:255.255.255.255") is 45 bytes.
const maxAddrLen = 45

// ClientIP returns the address of the client that sent r. X-Forwarded-For is
// believed only hop by hop from the right, and only while each hop is one of
// the trusted proxies, so a client can't choose its own address by sending
// the header itself. Only a plain address counts as a hop: one with an IPv6
// zone ("fe80::1%eth0", whose zone is any bytes the sender likes) or longer
// than any address stops the walk like other garbage, and the last trusted
// hop (the peer, for one proxy) is the answer. The result never has a zone.
func ClientIP(r *http.Request, trusted []netip.Prefix) netip.Addr {
	return clientIP(r.RemoteAddr, r.Header.Values("X-Forwarded-For"), trusted)
}

// clientIP is ClientIP of a request from the peer remote (RemoteAddr)
// whose X-Forwarded-For values are hops.
func clientIP(remote string, hops []string, trusted []netip.Prefix) netip.Addr {
	peer := remoteAddr(remote)
	if !peer.IsValid() || !isTrusted(peer, trusted) {
		return peer
	}
	var all []string
	for _, h := range hops {
		all = append(all, strings.Split(h, ",")...)
	}
	addr := peer
	for i := len(all) - 1; i >= 0; i-- {
		a, ok := plainAddr(strings.TrimSpace(all[i]))
		if !ok {
			return addr
		}
		addr = a.Unmap()
		if !isTrusted(addr, trusted) {
			return addr
		}
	}
	return addr
}

// plainAddr parses s as an IP address without a zone.
func plainAddr(s string) (netip.Addr, bool) {
	if len(s) > maxAddrLen {
		return netip.Addr{}, false
	}
	a, err := netip.ParseAddr(s)
	if err != nil || a.Zone() != "" {
		return netip.Addr{}, false
	}
	return a, true
}

func remoteAddr(remote string) netip.Addr {
	host, _, err := net.SplitHostPort(remote)
	if err != nil {
		host = remote
	}
	a, err := netip.ParseAddr(host)
	if err != nil {
		return netip.Addr{}
	}
	// A link-local peer's zone names a local interface; it is no part of
	// the client's address.
	return a.WithZone("").Unmap()
}

func isTrusted(a netip.Addr, trusted []netip.Prefix) bool {
	for _, p := range trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}
