package apiserver

import (
	"slices"

	"github.com/bizy-auth/bizy/internal/web"
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
func handlePageProxy(c *authClient) web.Handler {
	return proxyTo(c, pageRoute)
}
