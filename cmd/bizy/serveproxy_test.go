package main

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestServeTrustsItsOwnAPIHop: under serve with TRUSTED_PROXIES naming
// only the front proxy (here 127.0.0.2), the auth service still believes
// the in-process API's hop, so the session records the client's address
// as the API resolved it, not 127.0.0.1.
func TestServeTrustsItsOwnAPIHop(t *testing.T) {
	share(t)
	dir := dataDir(t)
	_, api := startServe(t, "--data-dir", dir, "--bcrypt-cost", "10", "--trusted-proxies", "127.0.0.2")
	if out, err := runCmd(t, "", "user", "create", "--data-dir", dir, "--bcrypt-cost", "10",
		"--username", "nina", "--email", "nina@example.com", "--password", "Tr1cky!Horse", "--verified"); err != nil {
		t.Fatalf("user create: %v\n%s", err, out)
	}
	// A client behind the front proxy: the connection comes from 127.0.0.2.
	front := &http.Client{Transport: &http.Transport{DialContext: (&net.Dialer{
		LocalAddr: &net.TCPAddr{IP: net.ParseIP("127.0.0.2")}, Timeout: 10 * time.Second}).DialContext}}
	send := func(method, path, body, bearer string) *http.Response {
		t.Helper()
		req, _ := http.NewRequestWithContext(context.Background(), method, api+path, strings.NewReader(body))
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		req.Header.Set("X-Forwarded-For", "203.0.113.7")
		if bearer != "" {
			req.Header.Set("Authorization", "Bearer "+bearer)
		}
		res, err := front.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	res := send("POST", "/api/auth/login", `{"username":"nina","password":"Tr1cky!Horse"}`, "")
	login := readJSON(t, res)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("login = %d %v", res.StatusCode, login)
	}
	res = send("GET", "/api/auth/sessions", "", login["token"].(string))
	defer res.Body.Close()
	var sessions struct {
		Items []struct {
			IP string `json:"ip"`
		} `json:"items"`
	}
	if err := json.NewDecoder(res.Body).Decode(&sessions); err != nil || len(sessions.Items) != 1 {
		t.Fatalf("sessions = %d %+v %v", res.StatusCode, sessions, err)
	}
	if ip := sessions.Items[0].IP; ip != "203.0.113.7" {
		t.Fatalf("session IP = %q, want the client's 203.0.113.7 (the API's hop must be believed)", ip)
	}
}
