package apiserver

import (
	"log/slog"
	"net/http"
	"net/netip"
	"slices"
)

// pageRoute proxies the pages (/ui/…) at their own path. Unlike the JSON
// routes, the pages live on cookies, so the browser's Cookie goes on and
// the auth service's Set-Cookie comes back, with the headers the
// auth service's cross-origin check reads (Origin, Sec-Fetch-Site).
var pageRoute = proxyRoute{
	path:    func(p string) string { return p },
	forward: slices.Concat(forwardHeaders, []string{"Cookie", "Origin", "Sec-Fetch-Site"}),
	back:    slices.Concat(returnHeaders, []string{"Set-Cookie", "X-Frame-Options"}),
}

// handlePageProxy passes a page request to the auth service and its answer
// back, as handleProxy does for the JSON routes.
func handlePageProxy(log *slog.Logger, c *authClient, trusted []netip.Prefix) http.Handler {
	return proxyTo(log, c, trusted, pageRoute)
}
