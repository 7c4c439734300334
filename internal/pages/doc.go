// Package pages serves Bizy's pages for people under /ui/: sign-in,
// sign-up, the email links (verify, reset, unlock), the account page and
// the admin console. The auth service mounts them (Mount) and the API
// proxies /ui/ to it, so a deployment publishes one origin.
//
// Every page is rendered on the server from html/template files embedded in
// the binary, with one stylesheet and no script: pages work without
// JavaScript under Content-Security-Policy "default-src 'self'". Every
// change is a POST, checked by http.CrossOriginProtection and a per-session
// token. The rules (uniform answers, lockout, verification, roles) are the
// auth.Service's, reached through the same calls as the JSON endpoints.
//
// A signed-in browser holds the bizy_session cookie: a 256-bit secret whose
// SHA-256 names a row of the sessions table (auth.PageSession), so the
// session lists, POST /logout?all=true and every revocation end it too.
package pages
