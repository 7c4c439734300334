package main

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/bizy-auth/bizy/token"
)

// kidOf returns the kid in a token's header.
func kidOf(t *testing.T, tok string) string {
	t.Helper()
	h, err := base64.RawURLEncoding.DecodeString(strings.Split(tok, ".")[0])
	if err != nil {
		t.Fatal(err)
	}
	var header struct{ Kid string }
	if err := json.Unmarshal(h, &header); err != nil {
		t.Fatal(err)
	}
	return header.Kid
}

// within asks ok until it holds, failing t after e2eBound, and returns how
// long it took.
func within(t *testing.T, what string, ok func() bool) time.Duration {
	t.Helper()
	start := time.Now()
	for !ok() {
		if time.Since(start) > e2eBound {
			t.Fatalf("%s: not after %v", what, e2eBound)
		}
		time.Sleep(20 * time.Millisecond) // polling real servers, not timing the test
	}
	return time.Since(start)
}

// feedModes names the ways news reaches the API, with the flags for each:
// polling the auth service alone, and with Redis too when
// BIZY_TEST_REDIS_URL is set.
func feedModes(t *testing.T) map[string][]string {
	t.Helper()
	modes := map[string][]string{"poll": nil}
	if url := os.Getenv("BIZY_TEST_REDIS_URL"); url != "" {
		modes["redis"] = []string{"--redis-url", url}
	} else {
		t.Log("BIZY_TEST_REDIS_URL not set; testing the polling path only")
	}
	return modes
}

// TestKeysRevokeReachesAPI runs the auth service and the API apart, as a
// deployment does, and revokes the signing key of a live token with the
// command line: the key leaves the JWKS, the API (which verified and
// cached the token) and the auth service refuse it, and new logins are
// signed with a new key the API accepts. With Redis and without.
func TestKeysRevokeReachesAPI(t *testing.T) {
	t.Parallel()
	for name, extra := range feedModes(t) {
		t.Run(name, func(t *testing.T) {
			share(t)
			// The rate limits are off: the test logs in again and again
			// until a login is signed with the new key (a copy reloads its
			// keys every 2 s), which would spend the login budget.
			common := append([]string{"--data-dir", dataDir(t), "--bcrypt-cost", "10", "--rate-limit-enabled=false"}, extra...)
			authAddr, apiAddr := freeAddr(t), freeAddr(t)
			authBase, api := "http://"+authAddr, "http://"+apiAddr
			startCmd(t, authBase+"/health", append([]string{"auth", "--auth-addr", authAddr}, common...)...)
			startCmd(t, api+"/health", append([]string{"api", "--api-addr", apiAddr, "--auth-server-url", authBase}, common...)...)
			if _, err := runCmd(t, "", append([]string{"user", "create", "--username", "alice", "--email", "alice@example.com",
				"--password", "Tr1cky!Horse", "--verified"}, common...)...); err != nil {
				t.Fatal(err)
			}
			login := func() string {
				res, body := sendJSON(t, "POST", api+"/api/auth/login", "", `{"username":"alice","password":"Tr1cky!Horse"}`)
				wantStatus(t, "login", res, body, 200)
				return body["token"].(string)
			}
			tok := login()
			kid := kidOf(t, tok)
			res, body := getJSON(t, api+"/api/tasks", tok) // the API fetches the JWKS and caches the token
			wantStatus(t, "tasks before the revocation", res, body, 200)

			revoke := []string{"keys", "revoke", kid}
			if strings.HasPrefix(kid, "-") { // base64url: one kid in 64
				revoke = []string{"keys", "revoke", "--", kid}
			}
			out, err := runCmd(t, "", append(revoke, common...)...)
			if err != nil || !strings.Contains(out, kid+" revoked") {
				t.Fatalf("keys revoke %q: %v %s", kid, err, out)
			}
			took := within(t, "the API refuses the revoked key's token", func() bool {
				res, _ := getJSON(t, api+"/api/tasks", tok)
				return res.StatusCode == http.StatusUnauthorized
			})
			t.Logf("API refused the revoked key's token %v after the command returned", took)
			within(t, "the JWKS no longer lists the key", func() bool {
				res, err := http.Get(authBase + "/.well-known/jwks.json")
				if err != nil {
					t.Fatal(err)
				}
				defer res.Body.Close()
				var set token.JWKSet
				json.NewDecoder(res.Body).Decode(&set)
				// Left: the new Ed25519 key and the OpenID provider's RSA key.
				ed := 0
				for _, k := range set.Keys {
					if k.Kid == kid {
						return false
					}
					if k.Kty == "OKP" {
						ed++
					}
				}
				return ed == 1
			})
			within(t, "the auth service refuses the token", func() bool {
				res, _ := getJSON(t, authBase+"/profile", tok)
				return res.StatusCode == http.StatusUnauthorized
			})
			within(t, "a new login is signed with a new key the API accepts", func() bool {
				fresh := login()
				res, _ := getJSON(t, api+"/api/tasks", fresh)
				return kidOf(t, fresh) != kid && res.StatusCode == http.StatusOK
			})
			res, body = getJSON(t, authBase+"/admin/events?type=signing_key_revoked", adminToken(t, api, common))
			wantStatus(t, "events", res, body, 200)
			if items := body["items"].([]any); len(items) != 1 || !strings.Contains(items[0].(map[string]any)["detail"].(string), kid) {
				t.Fatalf("signing_key_revoked events = %v", items)
			}
			if _, err := runCmd(t, "", append([]string{"keys", "revoke", "no-such-kid"}, common...)...); err == nil ||
				!strings.Contains(err.Error(), "no signing key") {
				t.Fatalf("keys revoke of an unknown kid: %v", err)
			}
		})
	}
}

// adminToken creates an admin on the command line and logs in through the
// API.
func adminToken(t *testing.T, api string, common []string) string {
	t.Helper()
	if _, err := runCmd(t, "", append([]string{"user", "create", "--username", "root", "--email", "root@example.com",
		"--password", "Tr1cky!Horse", "--verified", "--admin"}, common...)...); err != nil {
		t.Fatal(err)
	}
	res, body := sendJSON(t, "POST", api+"/api/auth/login", "", `{"username":"root","password":"Tr1cky!Horse"}`)
	wantStatus(t, "admin login", res, body, 200)
	return body["token"].(string)
}

// TestKeysRevokeTakesAKidStartingWithADash: a kid is base64url, so one in
// 64 starts with '-'; after "--" it is taken as the kid (here one that
// does not exist, so the command looks it up and says so), where without
// "--" it reads as a flag and the command prints its usage.
func TestKeysRevokeTakesAKidStartingWithADash(t *testing.T) {
	share(t)
	dir := dataDir(t)
	if _, err := runCmd(t, "", "keys", "revoke", "-AbCdEfGhIjKlMnO", "--data-dir", dir); err == nil ||
		!strings.Contains(err.Error(), "goes after --") {
		t.Fatalf("keys revoke -AbC… without --: %v, want the usage naming --", err)
	}
	if _, err := runCmd(t, "", "keys", "revoke", "--", "-AbCdEfGhIjKlMnO", "--data-dir", dir); err == nil ||
		!strings.Contains(err.Error(), `no signing key "-AbCdEfGhIjKlMnO"`) {
		t.Fatalf("keys revoke -- -AbC…: %v, want the kid looked up", err)
	}
}
