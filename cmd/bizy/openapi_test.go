package main

import (
	"bytes"
	"io"
	"net/http"
	"os"
	"sync"
	"testing"

	"github.com/bizy-auth/bizy/internal/openapitest"
	"github.com/bizy-auth/bizy/openapi"
)

// checked sends the requests of http.DefaultClient (http.Get, http.Post and
// the helpers here), and checks each exchange with a service a test
// started (startCmd) against that service's OpenAPI document.
var checked = &checkedHosts{hosts: map[string]*openapitest.Checker{}}

func TestMain(m *testing.M) {
	http.DefaultClient.Transport = checked
	code := m.Run()
	removeBizyBinary()
	os.Exit(code)
}

type checkedHosts struct {
	mu    sync.Mutex
	hosts map[string]*openapitest.Checker // by host:port
}

func (c *checkedHosts) RoundTrip(r *http.Request) (*http.Response, error) {
	c.mu.Lock()
	ch := c.hosts[r.URL.Host]
	c.mu.Unlock()
	if ch == nil {
		return http.DefaultTransport.RoundTrip(r)
	}
	return ch.Transport(nil).RoundTrip(r)
}

// watch checks, until t ends, the exchanges with the services that the
// bizy command args start: the auth service at --auth-addr, the API at
// --api-addr.
func watch(t *testing.T, args []string) {
	docs := map[string]func() []byte{"--auth-addr": openapi.Auth, "--api-addr": openapi.API}
	for i := 0; i+1 < len(args); i++ {
		doc, ok := docs[args[i]]
		if !ok {
			continue
		}
		host, ch := args[i+1], openapitest.NewChecker(t, doc())
		checked.mu.Lock()
		checked.hosts[host] = ch
		checked.mu.Unlock()
		t.Cleanup(func() {
			checked.mu.Lock()
			defer checked.mu.Unlock()
			delete(checked.hosts, host)
		})
	}
}

// TestOpenAPIDocuments: each service of `bizy serve` answers GET
// /openapi.json with its document.
func TestOpenAPIDocuments(t *testing.T) {
	share(t)
	authBase, apiBase := startServe(t, "--data-dir", dataDir(t), "--bcrypt-cost", "10")
	for base, want := range map[string][]byte{authBase: openapi.Auth(), apiBase: openapi.API()} {
		res, err := http.Get(base + "/openapi.json")
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(res.Body)
		res.Body.Close()
		if err != nil || res.StatusCode != http.StatusOK || !bytes.Equal(got, want) {
			t.Errorf("GET %s/openapi.json = %d, %d bytes (%v); want the %d of openapi", base, res.StatusCode, len(got), err, len(want))
		}
	}
}
